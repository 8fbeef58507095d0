# The shared runtime of the controller and CPU worker images: the Debian
# base (make-base.sh), the shared libraries nasprune's binaries link
# (runtime-packages.sh computes PACKAGES from the build tree) and the
# nasprune user (uid 10001) with the artifact and parent directories.
ARG BASE=nasprune/debian:bookworm
FROM ${BASE}
ARG PACKAGES
RUN test -n "${PACKAGES}" || { echo "build-arg PACKAGES is empty" >&2; exit 1; }; \
    apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      ${PACKAGES} ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/nasprune \
      --shell /usr/sbin/nologin nasprune \
 && install -d -o nasprune -g nasprune /var/lib/nasprune \
      /var/lib/nasprune/artifacts /var/cache/nasprune/parents
