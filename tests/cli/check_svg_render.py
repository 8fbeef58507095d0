#!/usr/bin/python3
"""Checks that an SVG a user would open renders: it parses as XML, and a
screenshot of it in headless Chromium is not blank (some pixels are neither
white nor one flat colour). Usage: check_svg_render.py FILE.svg [SHOT.png]"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

from PIL import Image


def main():
    svg = os.path.abspath(sys.argv[1])
    root = ElementTree.parse(svg).getroot()
    if not root.tag.endswith("svg"):
        sys.exit(f"{svg}: the root element is {root.tag}, not svg")
    width = int(float(root.get("width", "800")))
    height = int(float(root.get("height", "600")))
    with tempfile.TemporaryDirectory() as tmp:
        shot = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tmp, "s.png")
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--hide-scrollbars", f"--user-data-dir={tmp}/profile",
             f"--screenshot={shot}", f"--window-size={width},{height}",
             "file://" + svg],
            check=True, timeout=120, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        image = Image.open(shot).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 24)
        total = image.width * image.height
        white = sum(n for n, c in colours if c == (255, 255, 255))
        inked = 1 - white / total
        print(f"{svg}: {image.width}x{image.height}, {len(colours)} colours, "
              f"{inked:.1%} not white")
        if len(colours) < 8 or inked < 0.01:
            sys.exit(f"{svg}: the screenshot is blank")


if __name__ == "__main__":
    main()
