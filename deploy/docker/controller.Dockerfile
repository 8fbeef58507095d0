# nasprune-controller, with the nasprune CLI beside it. Build context: a
# directory holding bin/ of a Debian 12 build (deploy/docker/build-images.sh
# stages it). Defaults: API and registry on 50051, metrics on 9090, Redis at
# redis:6379; the compose stack and the Helm chart pass their own flags.
ARG RUNTIME=nasprune/runtime:latest
FROM ${RUNTIME}
COPY bin/nasprune-controller bin/nasprune /usr/bin/
USER nasprune
WORKDIR /var/lib/nasprune
EXPOSE 50051 9090
VOLUME ["/var/lib/nasprune/artifacts"]
ENTRYPOINT ["/usr/bin/nasprune-controller"]
CMD ["--listen=0.0.0.0:50051", "--redis=redis:6379", \
     "--artifact-dir=/var/lib/nasprune/artifacts", \
     "--metrics-address=0.0.0.0:9090"]
