#!/usr/bin/env bash
# Fetches a newer netavark from Debian into the project's .cache/ without touching the machine's
# apt setup: suite `sid` has the one Podman 5 runs (1.17), `experimental` the one Podman 6 runs
# (2.0); both write nftables. A private sources list for the mirror the machine already uses,
# private apt lists and caches, `apt-get download`, `dpkg-deb -x` into a prefix. These netavarks
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

[ "$(id -u)" = 0 ] || { log "needs root (apt-get update with private lists)"; exit 1; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { log "needs apt-get and dpkg-deb (a Debian machine)"; exit 1; }

# The mirror this machine already uses (as scripts/lab/engine28.sh finds it)
mirror=
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && !/security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { log "found no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { log "missing $keyring (package debian-archive-keyring)"; exit 1; }

rm -rf "$base/apt" "$base/debs" "$prefix" "$helpers" "$base/versions.tmp"
mkdir -p "$base/apt/lists/partial" "$base/apt/cache/archives/partial" "$base/debs" "$prefix" "$helpers"
{
  echo "deb [signed-by=$keyring] $mirror sid main"
  # experimental carries only what differs from sid: libc6 and libgcc-s1 still come from sid
  [ "$suite" = experimental ] && echo "deb [signed-by=$keyring] $mirror experimental main"
} > "$base/apt/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$base/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$base/apt/lists" -o "Dir::Cache=$base/apt/cache"
  -o APT::Sandbox::User=root -q
)
log "apt-get update (private lists, suite $suite)"
apt-get "${apt_opts[@]}" update >"$base/apt/update.log" 2>&1 || { cat "$base/apt/update.log" >&2; log "apt-get update of the private sid list failed"; exit 1; }
# the newest version the private lists hold (experimental's is never a candidate by itself); the
# system's own lists and status are not read
newest() { apt-cache "${apt_opts[@]}" -o Dir::State::status=/dev/null madison "$1" | awk -F'|' -v s="$2" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }'; }
pkgs=()
for p in netavark libc6 libgcc-s1; do
  from=sid; [ "$p" = netavark ] && from=$suite
  v=$(newest "$p" "$from/main"); [ -n "$v" ] || { log "$from lists no $p"; exit 1; }
  pkgs+=("$p=$v")
done
log "apt-get download ${pkgs[*]}"
(cd "$base/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}") >"$base/apt/download.log" 2>&1 \
  || { cat "$base/apt/download.log" >&2; log "apt-get download failed"; exit 1; }
for deb in "$base"/debs/*.deb; do
  dpkg-deb -x "$deb" "$prefix"
  echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)" >> "$base/versions.tmp"
done
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
mv "$base/versions.tmp" "$stamp"
rm -rf "$base/debs" "$base/apt/lists" "$base/apt/cache"
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix ($("$helpers/netavark" --version))"
echo "$helpers"
