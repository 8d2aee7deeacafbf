#!/usr/bin/env bash
# Fetches Docker Compose v2 (Debian unstable's docker-compose 2.x, one Go binary needing only libc)
# into the project's .cache/ without touching the machine's apt setup (sid-lib.sh). Debian 12's
# docker-compose is 1.29, which writes no com.docker.compose.depends_on label; v2 does. Used to
# record the Compose v2 fixture (test/support/recordComposeFixture.ts v2). Idempotent.
# Prints the binary's path on its last line. Usage: bash scripts/lab/compose-v2.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=${NETLENS_COMPOSE_V2_CACHE:-$repo/.cache/compose-v2}
prefix=$base/root
stamp=$prefix/.netlens-fetched
bin=$prefix/usr/libexec/docker/cli-plugins/docker-compose
log() { echo "compose-v2: $*" >&2; }

if [ -f "$stamp" ] && [ -x "$bin" ]; then
  log "already fetched: $(tr '\n' ' ' < "$stamp")"
  echo "$bin"; exit 0
fi

# shellcheck source=sid-lib.sh
. "$repo/scripts/lab/sid-lib.sh"
sid_fetch "$base" docker-compose
[ -x "$bin" ] || { log "the package did not bring usr/libexec/docker/cli-plugins/docker-compose"; exit 1; }
# it must run on this machine's glibc, and be v2
version=$("$bin" version --short 2>&1) || { log "the binary does not run here: $version"; exit 1; }
case $version in 2.*) ;; *) log "expected Compose 2.x, got $version"; exit 1 ;; esac
sid_done "$base" "$stamp"
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix (docker-compose $version)"
echo "$bin"
