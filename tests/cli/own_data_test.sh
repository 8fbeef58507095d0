#!/usr/bin/env bash
# A user's own images, end to end with the real binaries: a folder of class
# folders of PNG and JPEG files → `nasprune data import` → a spec that names
# only the folder (validate reads the rest from the files) →
# `nasprune-worker evaluate` trains on it with --format/--shape/--classes.
# Usage: own_data_test.sh PATH/TO/nasprune PATH/TO/nasprune-worker
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
binary=$1
worker=$2
source "$(dirname "$0")/../testing/expect.sh"

# Two classes of 16x16 RGB pictures: horizontal and vertical stripes.
/usr/bin/python3 - "$dir/photos" <<'PY'
import os, sys
from PIL import Image
root = sys.argv[1]
for label, name in enumerate(["horizontal", "vertical"]):
    os.makedirs(f"{root}/{name}")
    for i in range(40):
        img = Image.new("RGB", (16, 16))
        for y in range(16):
            for x in range(16):
                on = ((y if label == 0 else x) + i) % 4 < 2
                img.putpixel((x, y), (250, 40 + i, 30) if on else (10, 20, 200))
        img.save(f"{root}/{name}/{i}." + ("png" if i % 2 else "jpg"))
PY

expect import 0 'imported 72 training and 8 test images, 3x16x16' -- data import "$dir/photos" -o "$dir/stripes"
expect import_classes 0 '0: horizontal, 1: vertical' -- data check "$dir/stripes"
printf 'name: stripes\ndataset: {name: stripes, path: %s}\nbudget: {max_trials: 2}\n' "$dir/stripes" > "$dir/job.yaml"
expect validate_reads_files 0 'stripes, 3x16x16, 2 classes, idx' -- validate "$dir/job.yaml"
expect sample_reads_files 0 'FEASIBLE' -- sample "$dir/job.yaml" -n 2

binary=$worker
genome=examples/genomes/two-conv.yaml
expect evaluate_needs_format 2 '--dataset: "stripes" is not built in (fashion-mnist, mnist, cifar10); give --format idx|cifar10_binary, --shape CxHxW, --classes K (nasprune data check DIR prints them)' -- evaluate --genome "$genome" --dataset stripes --dataset-path "$dir/stripes" --threads 1 -q
expect evaluate_bad_shape 2 '--shape: "16x16" is not CxHxW' -- evaluate --genome "$genome" --dataset stripes --dataset-path "$dir/stripes" --format idx --shape 16x16 --classes 2 -q
expect evaluate_bad_format 2 '--format: "png" is not idx or cifar10_binary' -- evaluate --genome "$genome" --dataset stripes --dataset-path "$dir/stripes" --format png --shape 3x16x16 --classes 2 -q
result=$(timeout 300 "$worker" evaluate --genome "$genome" --dataset stripes \
  --dataset-path "$dir/stripes" --format idx --shape 3x16x16 --classes 2 \
  --epochs 2 --test --threads 1 -q)
status=$?
accuracy=$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["testAccuracy"] if "testAccuracy" in r else r["test_accuracy"])' <<<"$result" 2>/dev/null)
if [[ $status -ne 0 || -z "$accuracy" ]]; then
  echo "FAIL evaluate_own_data: status $status, output: $result"
  failures=$((failures + 1))
else
  echo "ok   evaluate_own_data (test accuracy $accuracy)"
fi

finish
