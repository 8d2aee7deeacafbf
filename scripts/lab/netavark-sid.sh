#!/usr/bin/env bash
# Fetches netavark from Debian unstable (the netavark Podman 5 runs, which writes nftables) into the
# project's .cache/ without touching the machine's apt setup: a private sources list for the mirror
# the machine already uses (suite sid), private apt lists and caches, `apt-get download`, `dpkg-deb
# -x` into a prefix. Unstable's netavark needs a newer glibc than Debian 12's, so unstable's libc6
# (and libgcc-s1) go into the same prefix, and `helpers/netavark` runs the binary through that
# prefix's own loader — nothing is installed into the system, no system library is replaced.
# Idempotent: a complete prefix is left alone. Prints the helpers directory (podman's
# helper_binaries_dir) on its last line. Usage: bash scripts/lab/netavark-sid.sh [--print-helpers]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=${NETLENS_NETAVARK_SID_CACHE:-$repo/.cache/netavark-sid}
prefix=$base/root
helpers=$base/helpers
stamp=$prefix/.netlens-fetched
log() { echo "netavark-sid: $*" >&2; }

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
echo "deb [signed-by=$keyring] $mirror sid main" > "$base/apt/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$base/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$base/apt/lists" -o "Dir::Cache=$base/apt/cache"
  -o APT::Sandbox::User=root -q
)
log "apt-get update (private lists, suite sid)"
apt-get "${apt_opts[@]}" update >"$base/apt/update.log" 2>&1 || { cat "$base/apt/update.log" >&2; log "apt-get update of the private sid list failed"; exit 1; }
# the candidate of the private list is sid's: the system's own lists are not read
version_of() { apt-cache "${apt_opts[@]}" -o Dir::State::status=/dev/null policy "$1" | awk '/Candidate:/ { print $2 }'; }
pkgs=()
for p in netavark libc6 libgcc-s1; do
  v=$(version_of "$p"); [ -n "$v" ] && [ "$v" != "(none)" ] || { log "sid lists no $p"; exit 1; }
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
# podman runs "<helper_binaries_dir>/netavark <args>": the binary through unstable's own loader and libraries
cat > "$helpers/netavark" <<WRAP
#!/bin/sh
# Debian unstable's netavark on Debian 12: its own glibc, by its own loader (scripts/lab/netavark-sid.sh)
exec '$loader' --library-path '$prefix/usr/lib/x86_64-linux-gnu' '$bin' "\$@"
WRAP
chmod +x "$helpers/netavark"
"$helpers/netavark" --version >/dev/null || { log "$helpers/netavark does not run"; exit 1; }
mv "$base/versions.tmp" "$stamp"
rm -rf "$base/debs" "$base/apt/lists" "$base/apt/cache"
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix ($("$helpers/netavark" --version))"
echo "$helpers"
