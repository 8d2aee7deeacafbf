#!/usr/bin/env bash
# Brings this machine to the state the integration tests and the demo need, doing only what is missing:
# Debian packages (engine, iproute2, iptables, sshd, busybox), a running dockerd, and the local
# busybox image `netlens-busybox:1` (no registry is reachable, so images are built from busybox-static).
set -euo pipefail
log() { echo "ensure-engine: $*"; }

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
  mkdir -p /var/log
  setsid dockerd --host unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { log "dockerd did not answer within 30 s; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log; exit 1; }
fi

if ! docker image inspect netlens-busybox:1 >/dev/null 2>&1; then
  log "building image netlens-busybox:1 from busybox-static"
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  mkdir -p "$dir/bin" "$dir/www" "$dir/etc" "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"; done
  echo 'netlens test page' > "$dir/www/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$dir/etc/passwd"
  tar -C "$dir" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - netlens-busybox:1 >/dev/null
fi
log "engine $(docker version --format '{{.Server.Version}}') ready; image netlens-busybox:1 present"
