# Shared by ensure-engine.sh and use-engine.sh (sourced, not run): starting a dockerd in the
# background, waiting for it with a limit, and the local busybox image the tests and the demo use.
# The caller defines a `log` function. Every wait here is bounded.

IMAGE_NAME=netlens-busybox:1

# wait_for_engine SECONDS [PID]: prints the server version once the engine answers; fails after
# SECONDS, or as soon as PID (the dockerd just started) has exited.
wait_for_engine() {
  local limit_s=$1 pid=${2:-} i v
  for ((i = 0; i < limit_s * 4; i++)); do
    if v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) && [ -n "$v" ]; then echo "$v"; return 0; fi
    if [ -n "$pid" ] && { [ ! -r "/proc/$pid/stat" ] || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; }; then
      log "dockerd $pid exited before it answered" >&2; return 1
    fi
    sleep 0.25
  done
  return 1
}

# start_dockerd LOGFILE PATH-PREFIX [dockerd args...]: detached from the caller (its own session),
# appending to LOGFILE; PATH-PREFIX (may be empty) goes before PATH so its dockerd, containerd and
# docker-proxy are the ones found. Sets DOCKERD_PID.
start_dockerd() {
  local logfile=$1 pathprefix=$2
  shift 2
  mkdir -p "$(dirname "$logfile")"
  echo "=== $(date -u +%FT%TZ) dockerd $* (PATH prefix: ${pathprefix:-none})" >>"$logfile"
  # Every descriptor beyond stderr is closed first: a caller run under `flock FILE …` (tests take
  # /tmp/netlens-engine.lock around the engine) would otherwise hand its lock to the daemon, which
  # then holds it for its whole life and every later `flock` waits for good.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      case "$fd" in '' | *[!0-9]*) continue ;; esac
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    PATH="${pathprefix:+$pathprefix:}$PATH" exec setsid dockerd "$@" >>"$logfile" 2>&1 </dev/null
  ) &
  DOCKERD_PID=$!
}

# start_engine LOGFILE PATH-PREFIX SECONDS [dockerd args...]: starts dockerd (as start_dockerd) and
# waits for it, SECONDS in all; prints the server version. A dockerd that exits before it answers is
# started again while time is left: after an unclean stop (a machine snapshot taken with containers
# running) its containerd spends minutes cleaning up every dead container's shim, dockerd gives up
# on it ("timeout waiting for containerd to start") while that cleanup goes on, and the next start
# finds it done or further along.
start_engine() {
  local logfile=$1 pathprefix=$2 deadline=$(( $(date +%s) + $3 )) try left v
  shift 3
  for try in 1 2 3 4 5; do
    start_dockerd "$logfile" "$pathprefix" "$@"
    left=$(( deadline - $(date +%s) ))
    if ((left > 0)) && v=$(wait_for_engine "$left" "$DOCKERD_PID"); then echo "$v"; return 0; fi
    [ -r "/proc/$DOCKERD_PID/stat" ] && [ "$(awk '{print $3}' "/proc/$DOCKERD_PID/stat")" != Z ] && return 1  # still running: out of time
    (( $(date +%s) + 5 < deadline )) || return 1
    log "dockerd exited before it answered (start $try); starting it again" >&2
    sleep 1
  done
  return 1
}

# Builds netlens-busybox:1 from Debian's static busybox into the running engine's data root when
# it is not there yet (no registry is reachable here).
ensure_busybox_image() {
  docker image inspect "$IMAGE_NAME" >/dev/null 2>&1 && return 0
  log "building image $IMAGE_NAME from busybox-static"
  local dir
  dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/www" "$dir/etc" "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"; done
  echo 'netlens test page' >"$dir/www/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
  local rc=0
  tar -C "$dir" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE_NAME" >/dev/null || rc=$?
  rm -rf "$dir"
  return $rc
}
