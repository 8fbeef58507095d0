"""Loads every <stem>.pt archive in a directory with Python's torch.jit.load,
runs it on <stem>.input and compares with <stem>.expected (raw float32 files
written by torchscript_test.cc). Exit status 0 when every output matches to
1e-5. Usage: check_torchscript.py DIR C H W CLASSES"""
import pathlib
import sys

import torch


def main() -> int:
    directory = pathlib.Path(sys.argv[1])
    c, h, w, classes = (int(v) for v in sys.argv[2:6])
    archives = sorted(directory.glob("*.pt"))
    if not archives:
        print(f"no archives in {directory}")
        return 1
    for archive in archives:
        model = torch.jit.load(str(archive))
        model.eval()
        raw = archive.with_suffix(".input").read_bytes()
        x = torch.frombuffer(bytearray(raw), dtype=torch.float32).view(-1, c, h, w)
        expected = torch.frombuffer(
            bytearray(archive.with_suffix(".expected").read_bytes()),
            dtype=torch.float32).view(-1, classes)
        with torch.no_grad():
            actual = model(x)
        diff = (actual - expected).abs().max().item()
        print(f"{archive.name}: max abs difference {diff:.3g}")
        if diff > 1e-5:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
