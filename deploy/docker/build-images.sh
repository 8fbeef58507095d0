#!/usr/bin/env bash
# Builds the images of the compose stack from a Debian 12 build tree:
#   nasprune/debian:bookworm  the base (make-base.sh: debootstrap + import)
#   nasprune/runtime          the libraries the binaries link, the user
#   nasprune/controller       nasprune-controller and the CLI
#   nasprune/worker-cpu       nasprune-worker and Fashion-MNIST
#   nasprune/redis            Debian's redis-server
#   nasprune/prometheus       Debian's Prometheus
# each tagged with the project version and latest. The CUDA worker image is
# built by hand (worker-cuda.Dockerfile says how).
#
# Usage: deploy/docker/build-images.sh BUILD_DIR [VERSION]
# Needs root, debootstrap and a running Docker engine (DOCKER: the client to
# use, default docker). Builds use the host network (--network host), so no
# bridge or private address range is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:?usage: build-images.sh BUILD_DIR [VERSION]}
version=${2:-$(sed -n 's/^project(nasprune VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)}
docker=${DOCKER:-docker}
for binary in nasprune nasprune-controller nasprune-worker; do
  [[ -x "$build_dir/bin/$binary" ]] ||
    { echo "build-images: $build_dir/bin/$binary is missing: make build first" >&2; exit 1; }
done

DOCKER=$docker deploy/docker/make-base.sh "$build_dir/deploy"
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir "$context/bin"
cp "$build_dir"/bin/{nasprune,nasprune-controller,nasprune-worker} "$context/bin/"
strip --strip-debug "$context"/bin/*
packages=$(deploy/docker/runtime-packages.sh "$context"/bin/*)

build() {  # build NAME DOCKERFILE [docker build args...]
  local name=$1 file=$2
  shift 2
  local log="$build_dir/deploy/build-$name.log"
  local started=$SECONDS
  if ! "$docker" build --network host -f "deploy/docker/$file" \
      -t "nasprune/$name:$version" -t "nasprune/$name:latest" "$@" "$context" \
      > "$log" 2>&1; then
    tail -30 "$log" >&2
    echo "build-images: nasprune/$name failed (all of it in $log)" >&2
    return 1
  fi
  echo "build-images: nasprune/$name:$version ($((SECONDS - started)) s)"
}
build runtime runtime.Dockerfile --build-arg "PACKAGES=$packages"
build controller controller.Dockerfile --build-arg "RUNTIME=nasprune/runtime:$version"
build worker-cpu worker-cpu.Dockerfile --build-arg "RUNTIME=nasprune/runtime:$version"
build redis redis.Dockerfile
build prometheus prometheus.Dockerfile
