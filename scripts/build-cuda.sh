#!/usr/bin/env bash
# The CUDA build (`make build-cuda`, docs/worker.md): the engine, the pruner
# and the whole nasprune-worker, with the worker's tests and the training
# benchmark, compiled and linked against LibTorch 2.x with CUDA (the torch
# wheel scripts/install-deps.sh --cuda put into <dir>/venv) and Debian's
# gRPC, protobuf and abseil, warnings as errors. The worker's tests then run
# in that build on the CPU device: nothing here needs a GPU to run.
#
# Usage: scripts/build-cuda.sh [DIR]   (default build-cuda)
#   NASPRUNE_CUDA_SKIP_TESTS=1  build only.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-cuda}
venv=$dir/venv
python=$venv/bin/python3
if [[ ! -x "$python" ]]; then
  echo "build-cuda: $venv is missing; run scripts/install-deps.sh --cuda" \
    "(make build-cuda does)" >&2
  exit 1
fi
site=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# The torch package as a prefix: find_package finds share/cmake/Torch in
# it, and LibTorch's find_library calls search its lib/ before the system's
# (where Debian's LibTorch 1.13 has a libc10.so of its own). The wheel
# carries a protoc and protobuf headers too (3.21.12, Debian's version);
# protobuf is pinned to Debian's, which our code links.
torch_prefix=$site/torch
if [[ ! -d "$torch_prefix/share/cmake/Torch" ]]; then
  echo "build-cuda: $torch_prefix/share/cmake/Torch is missing: $venv holds" \
    "no LibTorch" >&2
  exit 1
fi
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [[ ! -x "$nvcc" ]]; then
  echo "build-cuda: the CUDA toolkit (nvcc) is not installed" >&2
  exit 1
fi
# The wheel's CUDA libraries (cuDNN, cuBLAS, NCCL, ...) live in
# site-packages/nvidia; LibTorch finds them through its RUNPATH when loaded,
# the linker through -rpath-link.
rpath_link=$(find "$site/nvidia" -maxdepth 3 -type d -name lib -printf '%p:' \
  2>/dev/null || true)
# The CUDA runtime and NVRTC LibTorch was built with (the wheel's), not the
# toolkit's older ones, so that the binaries load the same libraries as
# LibTorch (and the toolkit's lib/ stays off their RUNPATH).
cudart=$(find "$site/nvidia" -maxdepth 3 -name 'libcudart.so.*' -print -quit \
  2>/dev/null || true)
nvrtc=$(find "$site/nvidia" -maxdepth 3 -name 'libnvrtc.so.*' -print -quit \
  2>/dev/null || true)

# -O2, as the main build: at -O3 g++ 12 reports -Wrestrict false positives
# inside std::string (GCC bug 105329). No -g: a smaller, faster build.
# TORCH_CUDA_ARCH_LIST: no .cu file of ours is compiled, but without it
# LibTorch's config probes for a GPU with a CUDA program CMake 3.25 cannot
# build (it asks for CUDA20); 9.0 is Hopper (H100, H200).
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S . -B "$dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DNASPRUNE_WERROR=ON \
    -DCMAKE_PREFIX_PATH="$torch_prefix" \
    -DProtobuf_PROTOC_EXECUTABLE=/usr/bin/protoc \
    -DProtobuf_INCLUDE_DIR=/usr/include \
    -DCMAKE_CUDA_COMPILER="$nvcc" \
    -DCUDAToolkit_ROOT="$(dirname "$(dirname "$(readlink -f "$nvcc")")")" \
    -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" \
    -DNASPRUNE_REQUIRE_CUDA=ON \
    ${cudart:+-DCUDA_cudart_LIBRARY="$cudart" -DCUDA_CUDART="$cudart"} \
    ${nvrtc:+-DCUDA_NVRTC_LIB="$nvrtc"} \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,${rpath_link%:}"
fi
# The worker and what tests it; not the controller, the CLI or the clients.
cmake --build "$dir" -j "${JOBS:-$(nproc)}" --target \
  nasprune_worker worker_tests nasprune_train_bench
if [[ "${NASPRUNE_CUDA_SKIP_TESTS:-0}" == 1 ]]; then exit 0; fi
# Only this build's worker tests: ctest in tests/worker runs that directory.
ctest --test-dir "$dir/tests/worker" --output-on-failure --no-tests=error \
  -j "${JOBS:-$(nproc)}" -LE bench --timeout 900
