#!/usr/bin/env bash
# The check to run when a session is lent a GPU machine (docs/benchmarks.md,
# "Not measured yet"): that machine has CUDA, CMake, Ninja and PyTorch 2.x
# but no Debian packages, so it builds the engine alone
# (NASPRUNE_ENGINE_ONLY) against its PyTorch's LibTorch, then runs the
# training benchmark on the GPU (float32, 3 epochs, batch 128 and 512) and on
# the CPU for scale. Fashion-MNIST must travel with the working tree:
#   mkdir -p out/fashion-mnist && cp /usr/share/datasets/fashion-mnist/* out/fashion-mnist/
# then run it with the device tool, carrying out/fashion-mnist:
#   bench/gpu/device_check.sh out/fashion-mnist
# It prints one JSON line per run and copies them to $OUT when set.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: bench/gpu/device_check.sh DATA_DIR}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
cmake -S . -B build-engine -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DNASPRUNE_ENGINE_ONLY=ON -DNASPRUNE_REQUIRE_CUDA=ON -DNASPRUNE_WERROR=ON \
  -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" \
  -DCMAKE_PREFIX_PATH="$prefix" > /tmp/configure.log
cmake --build build-engine -j "$(nproc)"
bench=build-engine/bench/nasprune-train-bench
results=${OUT:-/tmp}/train-bench.jsonl
: > "$results"
for op in conv ds mbconv; do
  for batch in 128 512; do
    "$bench" --data "$data" --device cuda --epochs 3 --batch-size "$batch" \
      --op "$op" | tee -a "$results"
  done
done
"$bench" --data "$data" --device cpu --threads "$(nproc)" --epochs 1 \
  | tee -a "$results"
