#!/usr/bin/env bash
# The lab the sidebar's recorded fixture comes from (test/fixtures/extension/README.md): a publish on
# docker0 (one on 127.0.0.1), a user bridge with an alias and a link, an internal ICC-off network,
# a multi-homed container, volume/bind/tmpfs mounts (one read-only), `none` and `host` containers,
# a macvlan on a veth parent made here, and a netns on a bridge Docker did not make. Labels carry
# markup and quote characters, to prove the views show Docker text as text. Everything is named nle-*;
# `down` removes it, `up` first removes leftovers.
# Usage: sidebar-fixture-lab.sh up|down
set -uo pipefail
IMG=netlens-busybox:1
MARKUP='<img src=x onerror=alert(1)> **bold** [run](command:workbench.action.quit) &amp; "dq" '"'"'sq'"'"' `tick` $(echo) <script>alert(2)</script>'

down() {
  docker rm -f nle-web nle-app nle-db nle-multi nle-none nle-hostnet nle-mv >/dev/null 2>&1 || true
  docker network rm nle-net nle-internal nle-mac >/dev/null 2>&1 || true
  docker volume rm nle-data >/dev/null 2>&1 || true
  ip netns del nle-RED 2>/dev/null || true
  ip link del nle-br0 2>/dev/null || true
  ip link del nle-mvp0 2>/dev/null || true
  ip link del nle-reth1 2>/dev/null || true
  rm -rf /tmp/nle-bind
  return 0
}

up() {
  down
  set -e
  mkdir -p /tmp/nle-bind && echo hello >/tmp/nle-bind/hello.txt
  docker volume create nle-data >/dev/null
  docker run -d --name nle-web -p 28380:80 -p 127.0.0.1:28381:80 --label "nle.note=$MARKUP" \
    -v nle-data:/data -v /tmp/nle-bind:/srv:ro --tmpfs /scratch "$IMG" httpd -f -p 80 -h /www >/dev/null
  docker network create --label "nle.note=$MARKUP" -o "com.docker.network.bridge.name=nle-br-user" nle-net >/dev/null
  docker network create --internal -o com.docker.network.bridge.enable_icc=false nle-internal >/dev/null
  docker run -d --name nle-db --network nle-net --network-alias database "$IMG" httpd -f -p 80 -h /www >/dev/null
  docker run -d --name nle-app --network nle-net --link nle-db:db "$IMG" sleep 100000 >/dev/null
  docker run -d --name nle-multi --network nle-net "$IMG" sleep 100000 >/dev/null
  docker network connect nle-internal nle-multi
  docker run -d --name nle-none --network none "$IMG" sleep 100000 >/dev/null
  docker run -d --name nle-hostnet --network host "$IMG" sleep 100000 >/dev/null
  ip link add nle-mvp0 type veth peer name nle-mvp1
  ip link set nle-mvp0 up; ip link set nle-mvp1 up
  docker network create -d macvlan --subnet 192.168.177.0/24 -o parent=nle-mvp0 nle-mac >/dev/null
  docker run -d --name nle-mv --network nle-mac "$IMG" sleep 100000 >/dev/null
  # echo >/dev/null keeps `docker diff` non-empty for the fixture
  docker exec nle-web sh -c 'echo changed >/www/nle.txt'
  ip link add nle-br0 type bridge; ip link set nle-br0 up
  ip netns add nle-RED
  ip link add nle-reth0 type veth peer name nle-reth1
  ip link set nle-reth0 netns nle-RED
  ip link set nle-reth1 master nle-br0; ip link set nle-reth1 up
  ip netns exec nle-RED ip addr add 10.77.0.2/24 dev nle-reth0
  ip netns exec nle-RED ip link set nle-reth0 up
  ip netns exec nle-RED ip link set lo up
  ip addr add 10.77.0.1/24 dev nle-br0
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
