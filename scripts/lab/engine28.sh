#!/usr/bin/env bash
# Fetches Docker Engine 28 (Debian unstable's docker.io and containerd) into the project's .cache/
# without touching the machine's apt setup (sid-lib.sh: a private sources list for the machine's own
# mirror, suite sid, `apt-get download`, `dpkg -x` into a prefix). Nothing is installed into the
# system; Debian 12's runc stays the runtime (unstable's runc needs a newer glibc). Idempotent: a prefix that is already complete is left alone.
# Prints the prefix on its last line. Usage: bash scripts/lab/engine28.sh [--print-prefix]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=${NETLENS_ENGINE28_CACHE:-$repo/.cache/engine28}
prefix=$base/root
stamp=$prefix/.netlens-fetched
log() { echo "engine28: $*" >&2; }

if [ "${1:-}" = --print-prefix ]; then echo "$prefix"; exit 0; fi

if [ -f "$stamp" ] && [ -x "$prefix/usr/sbin/dockerd" ] && [ -x "$prefix/usr/bin/containerd" ]; then
  log "already fetched: $(tr '\n' ' ' < "$stamp")"
  echo "$prefix"; exit 0
fi

# shellcheck source=sid-lib.sh
. "$repo/scripts/lab/sid-lib.sh"
sid_fetch "$base" docker.io containerd
[ -x "$prefix/usr/sbin/dockerd" ] && [ -x "$prefix/usr/bin/containerd" ] || { log "the packages did not bring usr/sbin/dockerd and usr/bin/containerd"; exit 1; }
# unstable's runc would shadow Debian 12's on PATH and fails on this glibc: the prefix carries none
rm -f "$prefix/usr/sbin/runc" "$prefix/usr/bin/runc"
sid_done "$base" "$stamp"   # the prefix is all that is used; 70 MB less
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix"
echo "$prefix"
