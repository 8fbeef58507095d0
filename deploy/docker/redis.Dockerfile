# Debian 12's redis-server, for the compose stack (no registry image can be
# pulled where it is tested). AOF on in the compose file's command.
ARG BASE=nasprune/debian:bookworm
FROM ${BASE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      redis-server \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && install -d -o redis -g redis /data
USER redis
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/redis-server"]
CMD ["--bind", "0.0.0.0", "--appendonly", "yes", "--dir", "/data", "--save", ""]
