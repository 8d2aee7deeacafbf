# Shared by engine28.sh, compose-v2.sh and netavark-unstable.sh (sourced, not run): fetches packages
# of Debian unstable (and experimental) into a prefix of the project's without touching the
# machine's apt setup — a private sources list for the same mirror the machine already uses, private
# apt lists and caches, `apt-get download`, then `dpkg -x` into the prefix. Nothing is installed
# into the system. The caller defines a `log` function.

# sid_lists BASE [SUITE...]: a private sources list for suite sid (and the SUITEs after it, e.g.
# experimental, which carries only what differs from sid) on the machine's own mirror, updated into
# private lists under BASE/apt; BASE/root is emptied. Sets SID_APT_OPTS, the options that make
# apt-get and apt-cache use only those lists.
sid_lists() {
  # (no local may shadow the caller's variables: its log function reads them)
  local base=$1 mirror keyring extra
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

  rm -rf "$base/apt" "$base/debs" "$base/root" "$base/versions.tmp"
  mkdir -p "$base/apt/lists/partial" "$base/apt/cache/archives/partial" "$base/debs" "$base/root"
  {
    echo "deb [signed-by=$keyring] $mirror sid main"
    for extra in "$@"; do echo "deb [signed-by=$keyring] $mirror $extra main"; done
  } > "$base/apt/sources.list"
  SID_APT_OPTS=(
    -o "Dir::Etc::SourceList=$base/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$base/apt/lists" -o "Dir::Cache=$base/apt/cache"
    -o APT::Sandbox::User=root -q
  )
  log "apt-get update (private lists, suite sid${*:+ and $*})"
  apt-get "${SID_APT_OPTS[@]}" update >"$base/apt/update.log" 2>&1 || { cat "$base/apt/update.log" >&2; log "apt-get update of the private list failed"; return 1; }
}

# sid_download BASE PACKAGE[=VERSION]...: after sid_lists, unpacks the packages into BASE/root and
# writes `package=version` lines to BASE/versions.tmp. Fails with the apt output on any error.
sid_download() {
  local base=$1 deb
  shift
  log "apt-get download $*"
  (cd "$base/debs" && apt-get "${SID_APT_OPTS[@]}" download "$@") >"$base/apt/download.log" 2>&1 \
    || { cat "$base/apt/download.log" >&2; log "apt-get download failed"; return 1; }
  for deb in "$base"/debs/*.deb; do
    dpkg-deb -x "$deb" "$base/root"
    echo "$(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)" >> "$base/versions.tmp"
  done
}

# sid_fetch BASE PACKAGE...: sid_lists and sid_download in one, for packages of sid alone. The
# caller checks what it needs in BASE/versions.tmp and turns that into its stamp.
sid_fetch() {
  local base=$1
  shift
  sid_lists "$base" && sid_download "$base" "$@"
}

# sid_done BASE STAMP: records what was fetched and drops the apt state (the prefix is all that is used).
sid_done() {
  mv "$1/versions.tmp" "$2"
  rm -rf "$1/debs" "$1/apt/lists" "$1/apt/cache"
}
