#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given
# binaries link directly (their NEEDED entries, found where ldd resolves
# them, then dpkg -S), one line, sorted: what an image must apt-get install
# to run binaries built on this Debian 12 machine (apt brings the rest).
#
# Usage: deploy/docker/runtime-packages.sh BINARY...
set -euo pipefail
(( $# > 0 )) || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }
libs=$(for binary in "$@"; do
  needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  ldd "$binary" | awk -v needed="$needed" '
    BEGIN { n = split(needed, names, "\n"); for (i = 1; i <= n; i++) want[names[i]] = 1 }
    $2 == "=>" && ($1 in want) && $3 ~ /^\// { print $3 }'
done | sort -u)
packages=()
for lib in $libs; do
  real=$(readlink -f "$lib")
  owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true)
  if [[ -z "$owner" ]]; then
    echo "runtime-packages: no package holds $lib" >&2
    exit 1
  fi
  packages+=("${owner%%:*}")
done
printf '%s\n' "${packages[@]}" | sed 's/,.*//' | sort -u | tr '\n' ' ' | sed 's/ $/\n/'
