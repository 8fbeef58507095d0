# nasprune-worker on NVIDIA GPUs. Not built by the tests (the machines that
# run them have no GPU and no LibTorch CUDA distribution); docs/operations.md
# says how to build it.
#
# LIBTORCH_BASE is an image that holds the official LibTorch 2.x CUDA
# distribution (libtorch-cxx11-abi-shared-with-deps, which carries its CUDA
# and cuDNN libraries) at /opt/libtorch, for example one made with
#   FROM scratch
#   COPY libtorch /opt/libtorch
# from the unpacked zip. The worker binary in the build context must have
# been built against that same LibTorch (make build-cuda); its other
# libraries (gRPC, protobuf, abseil, ...) come from Debian 12 as in the CPU
# image: PACKAGES is runtime-packages.sh of that binary, less LibTorch.
# The GPU driver comes from the node (the NVIDIA container toolkit).
ARG LIBTORCH_BASE
ARG BASE=nasprune/debian:bookworm
FROM ${LIBTORCH_BASE} AS libtorch

FROM ${BASE}
ARG PACKAGES
RUN test -n "${PACKAGES}" || { echo "build-arg PACKAGES is empty" >&2; exit 1; }; \
    apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      ${PACKAGES} ca-certificates dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/nasprune \
      --shell /usr/sbin/nologin nasprune \
 && install -d -o nasprune -g nasprune /var/lib/nasprune \
      /var/lib/nasprune/artifacts /var/cache/nasprune/parents
COPY --from=libtorch /opt/libtorch/lib /opt/libtorch/lib
ENV LD_LIBRARY_PATH=/opt/libtorch/lib \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY bin/nasprune-worker /usr/bin/
USER nasprune
WORKDIR /var/lib/nasprune
EXPOSE 50052 9091
ENTRYPOINT ["/usr/bin/nasprune-worker", "serve"]
CMD ["--listen=0.0.0.0:50052", "--controller=controller:50051", \
     "--device=cuda:0", "--artifact-dir=/var/lib/nasprune/artifacts", \
     "--parent-dir=/var/cache/nasprune/parents", \
     "--metrics-address=0.0.0.0:9091"]
