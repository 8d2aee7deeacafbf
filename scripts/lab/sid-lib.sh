# Shared by engine28.sh and compose-v2.sh (sourced, not run): fetches packages of Debian unstable
# into a prefix of the project's without touching the machine's apt setup — a private sources list
# for the same mirror the machine already uses (suite sid), private apt lists and caches,
# `apt-get download`, then `dpkg -x` into the prefix. Nothing is installed into the system.
# The caller defines a `log` function.

# sid_fetch BASE PACKAGE...: unpacks the packages into BASE/root and writes `package=version` lines
# to BASE/versions.tmp (the caller checks what it needs and turns that into its stamp). Fails with
# the apt output on any error.
sid_fetch() {
  local base=$1 prefix=$1/root mirror keyring deb
  shift
  [ "$(id -u)" = 0 ] || { log "needs root (apt-get update with private lists)"; return 1; }
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { log "needs apt-get and dpkg-deb (a Debian machine)"; return 1; }
  # The mirror this machine already uses: the first non-security URIs: line of its deb822 sources,
  # else the first deb line of a classic sources.list.
  mirror=
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && !/security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || { log "found no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"; return 1; }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || { log "missing $keyring (package debian-archive-keyring)"; return 1; }

  rm -rf "$base/apt" "$base/debs" "$prefix" "$base/versions.tmp"
  mkdir -p "$base/apt/lists/partial" "$base/apt/cache/archives/partial" "$base/debs" "$prefix"
  echo "deb [signed-by=$keyring] $mirror sid main" > "$base/apt/sources.list"
  local apt_opts=(
    -o "Dir::Etc::SourceList=$base/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$base/apt/lists" -o "Dir::Cache=$base/apt/cache"
    -o APT::Sandbox::User=root -q
  )
  log "apt-get update (private lists, suite sid)"
  apt-get "${apt_opts[@]}" update >"$base/apt/update.log" 2>&1 || { cat "$base/apt/update.log" >&2; log "apt-get update of the private sid list failed"; return 1; }
  log "apt-get download $*"
  (cd "$base/debs" && apt-get "${apt_opts[@]}" download "$@") >"$base/apt/download.log" 2>&1 \
    || { cat "$base/apt/download.log" >&2; log "apt-get download failed"; return 1; }
  for deb in "$base"/debs/*.deb; do
    dpkg-deb -x "$deb" "$prefix"
    echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)" >> "$base/versions.tmp"
  done
}

# sid_done BASE STAMP: records what was fetched and drops the apt state (the prefix is all that is used).
sid_done() {
  mv "$1/versions.tmp" "$2"
  rm -rf "$1/debs" "$1/apt/lists" "$1/apt/cache"
}
