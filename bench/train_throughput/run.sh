#!/usr/bin/env bash
# Training throughput, side by side: the nasprune LibTorch engine against an
# idiomatic PyTorch script (Dataset + DataLoader) and a hand-optimized PyTorch
# loop over pre-loaded tensors (also run with glibc kept from returning memory
# to the kernel). Same network (two-conv.yaml), same data (the
# 54,000-image Fashion-MNIST training split), same thread count, one epoch
# each, the three run in turn ROUNDS times (the order rotating every round) so
# machine noise hits all alike.
# Prints each run, the medians and the ratios.
#
# Usage: bench/train_throughput/run.sh [BUILD_DIR] [THREADS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
threads=${2:-2}
rounds=${3:-5}
data=${NASPRUNE_DATA:-/usr/share/datasets/fashion-mnist}
python=${PYTHON:-/usr/bin/python3}
engine="$build/bench/nasprune-train-bench"
[[ -x "$engine" ]] || { echo "build $engine first (make build)" >&2; exit 1; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
# glibc returns freed activation memory to the kernel, and a training step
# then page-faults it in again; on this VM that costs PyTorch 3x. The fourth
# entry is the optimized loop with glibc told to keep its memory: the
# strongest PyTorch baseline we know how to set up.
keep_memory="glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296"
run() {
  case $1 in
    0) "$engine" --data "$data" --threads "$threads" ;;
    1) (cd "$here" && "$python" pytorch_idiomatic.py "$data" "$threads") ;;
    2) (cd "$here" && "$python" pytorch_optimized.py "$data" "$threads") ;;
    3) (cd "$here" && GLIBC_TUNABLES=$keep_memory "$python" pytorch_optimized.py \
          "$data" "$threads" | sed 's/pytorch-optimized/pytorch-optimized+malloc/') ;;
  esac
}
# Each round rotates the order, so slow spells of a shared machine do not
# always land on the same implementation.
for ((r = 0; r < rounds; r++)); do
  for k in 0 1 2 3; do run $(((k + r) % 4)) | tee -a "$results"; done
done

"$python" - "$results" "$threads" "$rounds" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
by = {}
for r in runs:
    by.setdefault(r["impl"], []).append(r["samples_per_second"])
med = {k: statistics.median(v) for k, v in by.items()}
print(f"\nthreads {sys.argv[2]}, rounds {sys.argv[3]}: median samples/s")
for k in ("nasprune-engine", "pytorch-idiomatic", "pytorch-optimized",
          "pytorch-optimized+malloc"):
    print(f"  {k:26s} {med[k]:8.0f}   (runs: {', '.join(f'{v:.0f}' for v in by[k])})")
e = med["nasprune-engine"]
print(f"  engine / idiomatic         {e / med['pytorch-idiomatic']:.2f}x   (target >= 1.5x)")
print(f"  engine / optimized         {e / med['pytorch-optimized']:.2f}x   (target >= 1.0x)")
print(f"  engine / optimized+malloc  {e / med['pytorch-optimized+malloc']:.2f}x")
PY
