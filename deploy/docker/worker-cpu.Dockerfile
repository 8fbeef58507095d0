# nasprune-worker on CPU, with Fashion-MNIST (Debian's dataset-fashion-mnist)
# under /usr/share/datasets. Build context as controller.Dockerfile.
ARG RUNTIME=nasprune/runtime:latest
FROM ${RUNTIME}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY bin/nasprune-worker /usr/bin/
USER nasprune
WORKDIR /var/lib/nasprune
EXPOSE 50052 9091
ENTRYPOINT ["/usr/bin/nasprune-worker", "serve"]
CMD ["--listen=0.0.0.0:50052", "--controller=controller:50051", \
     "--device=cpu", "--artifact-dir=/var/lib/nasprune/artifacts", \
     "--parent-dir=/var/cache/nasprune/parents", \
     "--metrics-address=0.0.0.0:9091"]
