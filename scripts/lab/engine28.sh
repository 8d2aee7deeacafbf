#!/usr/bin/env bash
# Fetches Docker Engine 28 (Debian unstable's docker.io and containerd) into the project's .cache/
# without touching the machine's apt setup: a private sources list for the same mirror the machine
# already uses (suite sid), private apt lists and caches, `apt-get download`, then `dpkg -x` into a
# prefix. Nothing is installed into the system; Debian 12's runc stays the runtime (unstable's runc
# needs a newer glibc). Idempotent: a prefix that is already complete is left alone.
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

[ "$(id -u)" = 0 ] || { log "needs root (apt-get update with private lists)"; exit 1; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { log "needs apt-get and dpkg-deb (a Debian machine)"; exit 1; }

# The mirror this machine already uses: the first non-security URIs: line of its deb822 sources,
# else the first deb line of a classic sources.list.
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

rm -rf "$base/apt" "$base/debs" "$prefix" "$base/versions.tmp"
mkdir -p "$base/apt/lists/partial" "$base/apt/cache/archives/partial" "$base/debs" "$prefix"
echo "deb [signed-by=$keyring] $mirror sid main" > "$base/apt/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$base/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$base/apt/lists" -o "Dir::Cache=$base/apt/cache"
  -o APT::Sandbox::User=root -q
)
log "apt-get update (private lists, suite sid)"
apt-get "${apt_opts[@]}" update >"$base/apt/update.log" 2>&1 || { cat "$base/apt/update.log" >&2; log "apt-get update of the private sid list failed"; exit 1; }
log "apt-get download docker.io containerd"
(cd "$base/debs" && apt-get "${apt_opts[@]}" download docker.io containerd) >"$base/apt/download.log" 2>&1 \
  || { cat "$base/apt/download.log" >&2; log "apt-get download failed"; exit 1; }
for deb in "$base"/debs/*.deb; do
  dpkg-deb -x "$deb" "$prefix"
  echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)" >> "$base/versions.tmp"
done
[ -x "$prefix/usr/sbin/dockerd" ] && [ -x "$prefix/usr/bin/containerd" ] || { log "the packages did not bring usr/sbin/dockerd and usr/bin/containerd"; exit 1; }
# unstable's runc would shadow Debian 12's on PATH and fails on this glibc: the prefix carries none
rm -f "$prefix/usr/sbin/runc" "$prefix/usr/bin/runc"
mv "$base/versions.tmp" "$stamp"
rm -rf "$base/debs" "$base/apt/lists" "$base/apt/cache"   # the prefix is all that is used; 70 MB less
log "fetched $(tr '\n' ' ' < "$stamp")into $prefix"
echo "$prefix"
