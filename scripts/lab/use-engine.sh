#!/usr/bin/env bash
# Switches the Docker engine that serves unix:///var/run/docker.sock on this machine:
#   bash scripts/lab/use-engine.sh 20   Debian 12's Engine 20.10 (system dockerd, data root /var/lib/docker)
#   bash scripts/lab/use-engine.sh 28   Engine 28 fetched by engine28.sh into .cache/ (data root /var/lib/docker28)
# Only one engine can run in the host's namespace at a time (both own docker0 and the DOCKER chains).
# When the requested engine already answers nothing is restarted. Otherwise: stop the running dockerd
# by its pidfile (and wait for it and its containerd to be gone), remove what Docker left in
# iptables/ip6tables (its DOCKER* chains and the rules of the builtin chains that jump to them or
# name its bridges), delete leftover docker0/br-<id> bridges, start the requested engine, wait for it,
# and import netlens-busybox:1 into its data root when missing. Logs: /var/log/dockerd.log (20),
# /var/log/dockerd28.log (28). The FORWARD policy and ip_forward are left as the last engine set them.
# Last line on stdout: `engine <server version> on <data root>`. Every wait has a limit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { echo "use-engine: $*" >&2; }
. "$here/engine-lib.sh"
export DOCKER_HOST=unix:///var/run/docker.sock
PIDFILE=/var/run/docker.pid
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid

want=${1:-}
case "$want" in
  20) datadir=/var/lib/docker; logfile=/var/log/dockerd.log; pathprefix= ;;
  28) datadir=/var/lib/docker28; logfile=/var/log/dockerd28.log
      prefix=$(bash "$here/engine28.sh")
      pathprefix=$prefix/usr/bin:$prefix/usr/sbin ;;
  *) echo "usage: $0 20|28" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { log "needs root (dockerd, iptables, links)"; exit 1; }

# alive PID: a process that exists and is not a zombie (an orphaned dockerd may wait unreaped)
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# wait_gone PID SECONDS
wait_gone() {
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 4; i++)); do alive "$pid" || return 0; sleep 0.25; done
  ! alive "$pid"
}

stop_engine() {
  local pid cpid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if ! alive "$pid" || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    if docker version >/dev/null 2>&1; then
      log "an engine answers on $DOCKER_HOST but $PIDFILE names no running dockerd: stop it yourself"; exit 1
    fi
    return 0
  fi
  cpid=$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || true)
  log "stopping dockerd $pid ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo 'not answering'))"
  kill -TERM "$pid"
  if ! wait_gone "$pid" 60; then
    log "dockerd $pid still there after 60 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || { log "dockerd $pid does not die"; exit 1; }
  fi
  if alive "$cpid" && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = containerd ]; then
    wait_gone "$cpid" 20 || { log "containerd $cpid outlived dockerd by 20 s: SIGKILL"; kill -KILL "$cpid" 2>/dev/null || true; wait_gone "$cpid" 10 || { log "containerd $cpid does not die"; exit 1; }; }
  fi
  rm -f "$PIDFILE"
  log "dockerd $pid stopped after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  # a dockerd that was killed leaves its containers' shims running: say so, they hold old veths
  local shims
  shims=$(pgrep -f 'containerd-shim-runc-v2 .*-address /var/run/docker/containerd/containerd.sock' | tr '\n' ' ' || true)
  [ -z "$shims" ] || log "warning: shims of the stopped engine still run (pids $shims); their containers keep their namespaces"
}

# Docker's bridges: docker0, docker_gwbridge and br-<12 hex digits of the network id>.
BRIDGES_ERE='(docker0|docker_gwbridge|br-[0-9a-f]{12})'

# The table without Docker's chains, without rules that jump to them, without builtin-chain rules
# that name a Docker bridge, and without the per-container rules Docker writes straight into builtin
# chains (raw: loopback-publish drops; nat: a container's hairpin MASQUERADE to itself).
filter_docker_rules() {
  { grep -Ev -e '^:DOCKER' -e '^-A DOCKER' -e ' -[jg] DOCKER' \
      -e " -[io] $BRIDGES_ERE( |$)" \
      -e '^-A PREROUTING -d 127\.0\.0\.1/32 ! -i lo -p [a-z]+ -m [a-z]+ --dport [0-9]+ -j DROP$' || true; } |
    awk '$1 == "-A" && $2 == "POSTROUTING" && $3 == "-s" && $5 == "-d" && $4 == $6 && $4 ~ /\/(32|128)$/ && $NF == "MASQUERADE" { next } { print }'
}

flush_docker_firewall() {
  local cmd t before after
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null || continue
    for t in filter nat raw mangle; do
      before=$("$cmd-save" -t "$t" 2>/dev/null) || continue
      after=$(printf '%s\n' "$before" | filter_docker_rules)
      [ "$before" = "$after" ] && continue
      log "removing Docker's chains and rules from $cmd table $t"
      # restore replaces exactly the one table it is given, with everything that was not Docker's
      printf '%s\n' "$after" | "$cmd-restore"
    done
  done
}

delete_docker_bridges() {
  local br
  for br in $(ip -o link show type bridge | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -Ex "$BRIDGES_ERE" || true); do
    log "deleting leftover bridge $br"
    ip link del "$br"
  done
}

if v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) && [ "${v%%.*}" = "$want" ]; then
  log "engine $v already answers"
else
  t0=$(date +%s%N)
  stop_engine
  flush_docker_firewall
  delete_docker_bridges
  log "starting Engine $want (data root $datadir, log $logfile)"
  if ! v=$(start_engine "$logfile" "$pathprefix" 180 --host unix:///var/run/docker.sock --data-root "$datadir" --pidfile "$PIDFILE"); then
    log "Engine $want did not come up (180 s at most); the end of $logfile:"
    awk '/^=== / { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$logfile" | tail -20 >&2   # this start only
    exit 1
  fi
  [ "${v%%.*}" = "$want" ] || { log "asked for Engine $want, but $v answers"; exit 1; }
  log "Engine $v answered after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fi
ensure_busybox_image
echo "engine $v on $(docker info --format '{{.DockerRootDir}}')"
