#!/usr/bin/env bash
# Fetches a newer netavark from Debian into the project's .cache/ without touching the machine's
# apt setup: suite `sid` has the one Podman 5 runs (1.17), `experimental` the one Podman 6 runs
# (2.0); both write nftables, fetched as sid-lib.sh fetches (private lists for the machine's own
# mirror, `apt-get download`, `dpkg-deb -x` into a prefix). These netavarks
# need a newer glibc than Debian 12's, so unstable's libc6 (and libgcc-s1) go into the same prefix,
# and `helpers/netavark` runs the binary through that prefix's own loader — nothing is installed
# into the system, no system library is replaced. Idempotent: a complete prefix is left alone.
# Prints the helpers directory (podman's helper_binaries_dir) on its last line.
# Usage: bash scripts/lab/netavark-unstable.sh sid|experimental [--print-helpers]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
suite=${1:-}
case "$suite" in sid|experimental) ;; *) echo "usage: $0 sid|experimental [--print-helpers]" >&2; exit 2 ;; esac
shift
base=$repo/.cache/netavark-$suite
prefix=$base/root
helpers=$base/helpers
stamp=$prefix/.netlens-fetched
log() { echo "netavark-$suite: $*" >&2; }

if [ "${1:-}" = --print-helpers ]; then echo "$helpers"; exit 0; fi

if [ -f "$stamp" ] && [ -x "$helpers/netavark" ] && "$helpers/netavark" --version >/dev/null 2>&1; then
  log "already fetched: $(tr '\n' ' ' < "$stamp")"
  echo "$helpers"; exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
. "$here/sid-lib.sh"
rm -rf "$helpers"
mkdir -p "$helpers"
# experimental carries only what differs from sid: libc6 and libgcc-s1 still come from sid
if [ "$suite" = experimental ]; then sid_lists "$base" experimental; else sid_lists "$base"; fi
# the newest version the private lists hold (experimental's is never a candidate by itself); the
# system's own lists and status are not read
newest() { apt-cache "${SID_APT_OPTS[@]}" -o Dir::State::status=/dev/null madison "$1" | awk -F'|' -v s="$2" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }'; }
pkgs=()
for p in netavark libc6 libgcc-s1; do
  from=sid; [ "$p" = netavark ] && from=$suite
  v=$(newest "$p" "$from/main"); [ -n "$v" ] || { log "$from lists no $p"; exit 1; }
  pkgs+=("$p=$v")
done
sid_download "$base" "${pkgs[@]}"
bin=$(find "$prefix/usr/lib/podman" "$prefix/usr/libexec/podman" -maxdepth 1 -name netavark -type f 2>/dev/null | head -1 || true)
loader=$prefix/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -n "$bin" ] && [ -x "$loader" ] || { log "the packages did not bring netavark and the loader ($loader)"; exit 1; }
# podman runs "<helper_binaries_dir>/netavark <args>": the binary through unstable's own loader and
# libraries, by their physical paths (.cache may be a symlink into another checkout)
real=$(cd "$prefix" && pwd -P)
bin=$real${bin#"$prefix"}
loader=$real${loader#"$prefix"}
cat > "$helpers/netavark" <<WRAP
#!/bin/sh
# Debian $suite's netavark on Debian 12: its own glibc, by its own loader (scripts/lab/netavark-unstable.sh)
exec '$loader' --library-path '$real/usr/lib/x86_64-linux-gnu' '$bin' "\$@"
WRAP
chmod +x "$helpers/netavark"
"$helpers/netavark" --version >/dev/null || { log "$helpers/netavark does not run"; exit 1; }
sid_done "$base" "$stamp"
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix ($("$helpers/netavark" --version))"
echo "$helpers"
