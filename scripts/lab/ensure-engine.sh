#!/usr/bin/env bash
# Brings this machine to the state the integration tests and the demo need, doing only what is missing:
# Debian packages (engine, iproute2, iptables, sshd, busybox), a running dockerd, and the local
# busybox image `netlens-busybox:1` (no registry is reachable, so images are built from busybox-static).
set -euo pipefail
log() { echo "ensure-engine: $*"; }
. "$(dirname "$0")/engine-lib.sh"

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io containerd runc)
command -v iptables-save >/dev/null || need_pkgs+=(iptables)
command -v ip >/dev/null || need_pkgs+=(iproute2)
command -v brctl >/dev/null || need_pkgs+=(bridge-utils)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v /usr/sbin/sshd >/dev/null || need_pkgs+=(openssh-server)
command -v nft >/dev/null || need_pkgs+=(nftables)
command -v nsenter >/dev/null || need_pkgs+=(util-linux)
command -v pgrep >/dev/null || need_pkgs+=(procps)
command -v ssh-keygen >/dev/null || need_pkgs+=(openssh-client)
if ((${#need_pkgs[@]})); then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "missing packages: ${need_pkgs[*]} — install them as root (apt-get install ${need_pkgs[*]})"; exit 1
  fi
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then log "no Docker engine answers and only root can start one here"; exit 1; fi
  log "starting dockerd"
  start_engine /var/log/dockerd.log '' 180 --host unix:///var/run/docker.sock >/dev/null \
    || { log "dockerd did not answer within 180 s; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log; exit 1; }
fi

ensure_busybox_image
log "engine $(docker version --format '{{.Server.Version}}') ready; image $IMAGE_NAME present"
