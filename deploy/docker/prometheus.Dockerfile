# Debian 12's Prometheus, for the compose stack: the scrape config and the
# alert rules are mounted at /etc/nasprune/.
ARG BASE=nasprune/debian:bookworm
FROM ${BASE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      prometheus \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && install -d -o prometheus -g prometheus /prometheus
USER prometheus
WORKDIR /prometheus
VOLUME ["/prometheus"]
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/nasprune/prometheus.yml", "--storage.tsdb.path=/prometheus"]
