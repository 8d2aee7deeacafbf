#!/usr/bin/env bash
# Builds a small Debian 12 virtual machine whose kernel has IPVS (issue 13): this machine's kernel has
# none (CONFIG_IP_VS unset), so Docker programs no ingress DNAT and the Swarm routing mesh cannot be
# seen working here. Debian's own kernel has IPVS as a module; booted under QEMU (TCG: no KVM needed)
# it is a Swarm worker whose mesh is real. test/support/swarmLab.ts starts it (`worker: 'vm'`).
#
#   bash scripts/lab/ipvs-vm.sh        builds only what is missing; last stdout line: the directory
#
# Everything goes into .cache/ipvs-vm/ (IPVS_VM_DIR overrides), each step only when its output is
# missing, from Debian's packages only (debootstrap from this machine's own apt source):
#   rootfs/      Debian bookworm (minbase + docker.io, containerd, runc, iptables, nftables, iproute2,
#                ipvsadm, kmod, openssh-server, socat, linux-image-amd64 — whose initramfs-tools makes
#                the initrd with the virtio and ext4 modules)
#   vmlinuz, initrd.img   the guest's kernel and initrd, copied out of rootfs/boot
#   id_ed25519{,.pub}     the client key root@guest accepts; ssh_host_ed25519_key.pub its host key
#   disk.img     the root filesystem image (mkfs.ext4 -d: no loop mount); run it with -snapshot so
#                every boot starts pristine
#   done         the marker: the hash of this script the image was made with
# The guest boots /sbin/nlinit (below, not systemd): it mounts the kernel filesystems, loads the
# modules Docker and IPVS need, sets eth0 from the kernel command line (nl.addr=A/len, nl.hostname=H),
# and starts sshd (port 22) and dockerd (its unix socket; socat serves it on nl.addr:2375, inside the
# bed only: the guest's one NIC is a tap in a namespace of the test's own).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${IPVS_VM_DIR:-$repo/.cache/ipvs-vm}
log() { echo "ipvs-vm: $*" >&2; }
t0=$(date +%s)
[ "$(id -u)" = 0 ] || { log "needs root (debootstrap, chroot)"; exit 1; }
for tool in debootstrap mkfs.ext4 ssh-keygen qemu-system-x86_64; do
  command -v "$tool" >/dev/null || { log "missing $tool (apt-get install debootstrap e2fsprogs openssh-client qemu-system-x86)"; exit 1; }
done
stamp=$(sha256sum "$0" | cut -c1-16)
if [ -f "$out/done" ] && [ "$(cat "$out/done")" = "$stamp" ]; then
  log "up to date in $out"
  echo "$out"
  exit 0
fi
mkdir -p "$out"

# This machine's own Debian source (the one apt uses), so nothing else is named or reached.
mirror() {
  local m
  m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  [ -n "$m" ] || { log "no Debian source in /etc/apt"; exit 1; }
  echo "$m"
}

PKGS=docker.io,containerd,runc,tini,iptables,nftables,iproute2,bridge-utils,ipvsadm,kmod,procps,openssh-server,socat,linux-image-amd64,initramfs-tools,util-linux
if [ ! -d "$out/rootfs" ]; then
  m=$(mirror)
  log "debootstrap bookworm ($PKGS) from this machine's apt source into $out/rootfs"
  rm -rf "$out/rootfs.partial"
  debootstrap --variant=minbase --include="$PKGS" bookworm "$out/rootfs.partial" "$m" > "$out/debootstrap.log" 2>&1 || {
    log "debootstrap failed; last lines of $out/debootstrap.log:"; tail -20 "$out/debootstrap.log" >&2; exit 1; }
  rm -rf "$out/rootfs.partial/var/cache/apt/archives/"*.deb
  mv "$out/rootfs.partial" "$out/rootfs"
  log "rootfs done ($(( $(date +%s) - t0 )) s)"
fi
r=$out/rootfs

if [ ! -f "$out/vmlinuz" ] || [ ! -f "$out/initrd.img" ]; then
  k=$(ls "$r"/boot/vmlinuz-* | sort -V | tail -1)
  v=${k##*/vmlinuz-}
  if [ ! -f "$r/boot/initrd.img-$v" ]; then
    log "making the initrd of $v in the chroot"
    chroot "$r" update-initramfs -c -k "$v" >&2
  fi
  cp "$k" "$out/vmlinuz"
  cp "$r/boot/initrd.img-$v" "$out/initrd.img"
  echo "$v" > "$out/kernel-version"
  log "kernel $v and its initrd"
fi
grep -q '^CONFIG_IP_VS=[ym]' "$r/boot/config-$(cat "$out/kernel-version")" || { log "the guest kernel has no IPVS"; exit 1; }

if [ ! -f "$out/id_ed25519" ] || [ ! -f "$out/ssh_host_ed25519_key" ]; then
  rm -f "$out/id_ed25519"* "$out/ssh_host_ed25519_key"*
  ssh-keygen -q -t ed25519 -N '' -C netlens-ipvs-vm-client -f "$out/id_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C netlens-ipvs-vm-host -f "$out/ssh_host_ed25519_key"
  log "generated the client key and the guest's host key"
fi

log "configuring the guest (init, sshd, keys)"
echo nlvm > "$r/etc/hostname"
printf '127.0.0.1 localhost\n' > "$r/etc/hosts"
: > "$r/etc/resolv.conf"
install -d -m 700 "$r/root/.ssh"
install -m 600 "$out/id_ed25519.pub" "$r/root/.ssh/authorized_keys"
rm -f "$r"/etc/ssh/ssh_host_*
install -m 600 "$out/ssh_host_ed25519_key" "$r/etc/ssh/ssh_host_ed25519_key"
install -m 644 "$out/ssh_host_ed25519_key.pub" "$r/etc/ssh/ssh_host_ed25519_key.pub"
cat > "$r/etc/ssh/sshd_config" <<'EOF'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
Subsystem sftp internal-sftp
EOF
# the engine's socket for `docker system dial-stdio` over ssh://
mkdir -p "$r/etc/docker"
printf '{ "storage-driver": "overlay2", "log-driver": "json-file" }\n' > "$r/etc/docker/daemon.json"
cat > "$r/sbin/nlinit" <<'EOF'
#!/bin/sh
# netlens's guest init (scripts/lab/ipvs-vm.sh): tini reaps, this script sets the machine up and stays.
if [ "$$" = 1 ]; then exec /usr/bin/tini -s -- /sbin/nlinit "$@"; fi
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
t() { echo "nlinit: $(cut -d' ' -f1 /proc/uptime)s $*" > /dev/console; }
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -o remount,rw /
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run/sshd /var/run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -sf /run /var/run 2>/dev/null
t "mounted"
addr= name=nlvm
for w in $(cat /proc/cmdline); do
  case "$w" in
    nl.addr=*) addr=${w#nl.addr=} ;;
    nl.hostname=*) name=${w#nl.hostname=} ;;
  esac
done
hostname "$name"
echo "$name" > /etc/hostname
for m in virtio_net virtio_rng overlay br_netfilter bridge veth vxlan ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh nf_conntrack nf_nat \
         nf_tables nft_compat nft_chain_nat nft_ct nft_masq nft_redir nft_nat nft_reject_inet nft_fib_inet \
         ip_tables iptable_nat iptable_filter iptable_mangle iptable_raw xt_conntrack xt_MASQUERADE xt_addrtype xt_nat \
         xt_mark xt_comment xt_multiport xt_tcpudp xt_ipvs xt_set ipt_REJECT xt_REDIRECT xt_u32 xt_bpf dummy; do
  modprobe "$m" 2>/dev/null || echo "nlinit: no module $m" > /dev/console
done
t "modules"
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
if [ -n "$addr" ]; then
  ip addr add "$addr" dev eth0
  ip link set eth0 up
fi
sysctl -qw net.ipv4.ip_forward=1
t "eth0 $addr"
/usr/sbin/sshd -E /var/log/sshd.log
t "sshd"
dockerd >/var/log/dockerd.log 2>&1 &
i=0
while [ ! -S /var/run/docker.sock ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
t "dockerd socket"
[ -n "$addr" ] && socat TCP-LISTEN:2375,bind=${addr%/*},fork,reuseaddr UNIX-CONNECT:/var/run/docker.sock &
t "ready"
while :; do sleep 3600; done
EOF
chmod 755 "$r/sbin/nlinit"

log "making the root disk image"
used=$(du -sm "$r" | cut -f1)
rm -f "$out/disk.img"
mkfs.ext4 -q -F -L nlroot -d "$r" "$out/disk.img" "$(( used + 2048 ))M"
echo "$stamp" > "$out/done"
log "done in $(( $(date +%s) - t0 )) s: $out"
echo "$out"
