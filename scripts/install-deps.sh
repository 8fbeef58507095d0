#!/usr/bin/env bash
# Installs every Debian 12 package nasprune needs to build, test and run,
# and the PyPI packages of scripts/requirements-deploy.txt (the Helm chart
# test's Kubernetes API schemas) into a virtual environment of the build
# tree, $NASPRUNE_BUILD_DIR/venv (default build/venv; never the system
# Python).
#
# With --cuda it also installs LibTorch 2.x with CUDA for `make build-cuda`:
# the pinned torch wheel of scripts/requirements-cuda.txt and the CUDA
# libraries it links (about 2.5 GB of wheels, 6 GB installed) into
# $NASPRUNE_CUDA_BUILD_DIR/venv (default build-cuda/venv). Compiling needs
# the CUDA toolkit (nvcc) too; that one is not a Debian or PyPI package
# here, so the script only checks it is there.
#
# Idempotent: when everything is already installed it only checks and
# exits (well under a second). Runs as root, or through sudo otherwise.
# Nothing is downloaded from anywhere but the Debian archive and PyPI.
#
# Usage: scripts/install-deps.sh [--check] [--cuda]
#   --check  exit 1 (listing what is missing) instead of installing.
#   --cuda   the CUDA build's LibTorch as well.
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # RPC and serialization.
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev libprotoc-dev
  protobuf-compiler
  # Libraries.
  libabsl-dev libtorch-dev libhiredis-dev libyaml-cpp-dev
  # Metrics: prometheus-cpp (core), served over civetweb.
  prometheus-cpp-dev libcivetweb-dev
  libcli11-dev libssl-dev zlib1g-dev nlohmann-json3-dev libstb-dev
  # Tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev
  # Services started by integration tests.
  redis-server prometheus
  # Data.
  dataset-fashion-mnist
  # Interoperability tests and reference benchmarks (Debian's python3).
  python3 python3-torch python3-grpcio python3-grpc-tools python3-yaml
  # Screenshots of what users look at (the plot test).
  chromium python3-pil
  # The Helm chart test: its renderer is Go's text/template with sprig
  # (tests/deploy/helm_render), the schemas come from PyPI into a venv.
  golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev
  python3-venv
  # make test-deploy: a Docker engine of its own, compose, the base image.
  docker.io docker-compose debootstrap
)
cd "$(dirname "$0")/.."
check=0
cuda=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --cuda) cuda=1 ;;
    *) echo "install-deps: unknown argument \"$arg\" (--check, --cuda)" >&2
       exit 2 ;;
  esac
done

# install_venv VENV REQUIREMENTS: the venv is current when it holds exactly
# what the requirements pin; otherwise it is made anew (never half-updated).
install_venv() {
  local venv=$1 requirements=$2
  if [[ -x "$venv/bin/python3" ]] &&
     cmp -s "$requirements" "$venv/.requirements" 2>/dev/null; then
    return 0
  fi
  if [[ $check -eq 1 ]]; then
    echo "install-deps: $venv lacks $requirements" >&2
    return 1
  fi
  echo "install-deps: installing $requirements into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --no-cache-dir --no-deps --require-hashes -r "$requirements"
  cp "$requirements" "$venv/.requirements"
  echo "install-deps: $venv is $(du -sh "$venv" | cut -f1)"
}

install_venvs() {
  install_venv "${NASPRUNE_BUILD_DIR:-build}/venv" \
    scripts/requirements-deploy.txt
  [[ $cuda -eq 1 ]] || return 0
  if ! command -v nvcc >/dev/null && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
    echo "install-deps: --cuda: the CUDA toolkit (nvcc) is not installed;" \
      "LibTorch's CMake config needs it to compile the CUDA build" >&2
    return 1
  fi
  install_venv "${NASPRUNE_CUDA_BUILD_DIR:-build-cuda}/venv" \
    scripts/requirements-cuda.txt
}

# One dpkg-query for all packages keeps the everything-installed path fast.
declare -A installed=()
while read -r name state; do
  [[ "$state" == "installed" ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  install_venvs
  exit 0
fi

if [[ $check -eq 1 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: not root and sudo is not available; run as root" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
install_venvs
echo "install-deps: done"
