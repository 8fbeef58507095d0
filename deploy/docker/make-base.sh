#!/usr/bin/env bash
# Makes the base image of every nasprune image, nasprune/debian:bookworm, from
# the Debian archive: no registry is needed (none can be reached from the
# machines this is tested on). debootstrap --variant=minbase takes about a
# minute; the root file system is kept as a tarball and reused.
#
# Usage: deploy/docker/make-base.sh CACHE_DIR [MIRROR]
#   CACHE_DIR  where bookworm-minbase.tar is kept (e.g. build/deploy)
#   MIRROR     default http://deb.debian.org/debian
# Needs root (debootstrap), debootstrap and a running Docker engine.
set -euo pipefail
cache=${1:?usage: make-base.sh CACHE_DIR [MIRROR]}
mirror=${2:-http://deb.debian.org/debian}
docker=${DOCKER:-docker}
image=nasprune/debian:bookworm
tarball="$cache/bookworm-minbase.tar"
mkdir -p "$cache"

if [[ ! -s "$tarball" ]]; then
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "make-base: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; exit 1; }
  # The archive, security updates and a small apt: what the images' RUN
  # apt-get lines expect.
  cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    > "$root/etc/apt/apt.conf.d/90nasprune"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
if ! "$docker" image inspect "$image" > /dev/null 2>&1; then
  "$docker" import --change 'CMD ["/bin/bash"]' "$tarball" "$image" > /dev/null
fi
echo "make-base: $image"
