#!/usr/bin/env bash
# The lab the topology webview's recorded fixture comes from (test/fixtures/topology/README.md):
# the first seed (w1/w2 on docker0, published), a user bridge with two containers, a `none`
# container, a macvlan on a veth parent made here, and the third seed's RED/BLUE namespaces on a
# bridge Docker did not make. Everything is named nlw-*; `down` removes it, `up` first removes leftovers.
# Usage: webview-fixture-lab.sh up|extra|down   (`extra` then adds nlw-w3 on docker0, for the stability fixture)
set -uo pipefail
IMG=netlens-busybox:1
P1=${NLW_PORT1:-28080}
P2=${NLW_PORT2:-28181}

down() {
  docker rm -f nlw-w1 nlw-w2 nlw-w3 nlw-a nlw-b nlw-none nlw-mv >/dev/null 2>&1 || true
  docker network rm nlw-net nlw-mac >/dev/null 2>&1 || true
  ip netns del nlw-RED 2>/dev/null; ip netns del nlw-BLUE 2>/dev/null || true
  ip link del nlw-br0 2>/dev/null; ip link del nlw-mvp0 2>/dev/null || true
  ip link del nlw-reth1 2>/dev/null; ip link del nlw-beth1 2>/dev/null || true
  return 0
}

up() {
  down
  set -e
  docker run -d --name nlw-w1 -p "$P1:80" "$IMG" httpd -f -p 80 -h /www >/dev/null
  docker run -d --name nlw-w2 -p "$P2:80" "$IMG" httpd -f -p 80 -h /www >/dev/null
  docker network create nlw-net >/dev/null
  docker run -d --name nlw-a --network nlw-net "$IMG" sleep 100000 >/dev/null
  docker run -d --name nlw-b --network nlw-net "$IMG" httpd -f -p 80 -h /www >/dev/null
  docker run -d --name nlw-none --network none "$IMG" sleep 100000 >/dev/null
  ip link add nlw-mvp0 type veth peer name nlw-mvp1
  ip link set nlw-mvp0 up; ip link set nlw-mvp1 up
  docker network create -d macvlan --subnet 192.168.158.0/24 -o parent=nlw-mvp0 nlw-mac >/dev/null
  docker run -d --name nlw-mv --network nlw-mac "$IMG" sleep 100000 >/dev/null
  ip link add nlw-br0 type bridge
  ip link set nlw-br0 up
  for ns in RED BLUE; do
    lc=$(echo "$ns" | cut -c1 | tr 'A-Z' 'a-z')
    ip netns add "nlw-$ns"
    ip link add "nlw-${lc}eth0" type veth peer name "nlw-${lc}eth1"
    ip link set "nlw-${lc}eth0" netns "nlw-$ns"
    ip -n "nlw-$ns" link set "nlw-${lc}eth0" name "${lc}eth0"
    ip link set "nlw-${lc}eth1" master nlw-br0 up
    ip -n "nlw-$ns" link set lo up
    ip -n "nlw-$ns" link set "${lc}eth0" up
  done
  ip -n nlw-RED addr add 10.201.0.2/24 dev reth0
  ip -n nlw-BLUE addr add 10.201.0.3/24 dev beth0
  set +e
}

case "${1:-}" in
  up) up ;;
  extra) docker run -d --name nlw-w3 "$IMG" sleep 100000 >/dev/null ;;
  down) down ;;
  *) echo "usage: $0 up|extra|down" >&2; exit 2 ;;
esac
