/**
 * The process table, and from it two facts the engine API does not give: which docker-proxy
 * processes hold published ports, and which PID lives in each container's network namespace (the
 * child of the container's containerd shim). The same script then reads every such namespace —
 * through `nsenter … ip -json` where it may, else from /proc (procNet.ts) — so a refresh stays one
 * round trip; their listening sockets come from /proc/PID/net in one grep. Container ids
 * come from process arguments, so the script admits only 64-hex ids and numeric PIDs before using
 * them.
 */
import type { BatchCommand, BatchPart } from '../batch';
import type { DockerProxyProcess, ProcessInfo } from '../types';
import { parseError } from '../ipJson';
import { NETNS_BATCH_INPUT } from './netnsBatch';
import { socketTablesGrep } from './procNetSockets';

export const PROC_NET_FILES = ['route', 'ipv6_route', 'arp', 'fib_trie', 'if_inet6', 'dev'] as const;
export const SYS_NET_ATTRIBUTES = ['ifindex', 'iflink', 'address', 'mtu', 'operstate', 'flags'] as const;

export const processesCommand: BatchCommand = {
  name: 'processes',
  requires: ['ps', 'awk'],
  script: `NL_PS=$(ps -eo pid=,ppid=,args=) || exit $?
printf '%s\\n' "$NL_PS"
# The network namespace of this shell and of each docker-proxy (readlink: net:[inode]). The process
# list is the whole machine's, and a dockerd started in a namespace of its own (a second Docker
# host on one machine) runs its proxies there, for its publishes, not for this host's.
if command -v readlink >/dev/null 2>&1; then
  nl_part proxy-netns
  printf 'self %s\\n' "$(readlink /proc/self/ns/net 2>/dev/null)"
  for pid in $(printf '%s\\n' "$NL_PS" | awk '$1 ~ /^[0-9]+$/ { n = split($3, a, "/"); if (a[n] == "docker-proxy") print $1 }'); do
    printf '%s %s\\n' "$pid" "$(readlink "/proc/$pid/ns/net" 2>/dev/null)"
  done
fi
set -f
NL_NL='
'
# Container init processes: the first child of each containerd shim whose arguments carry
# -id <64 hex> (or the v1 shim's -workdir …/<id>). One awk pass: string matching in sh loops is
# quadratic in the number of containers.
NL_CTRS=$(printf '%s\\n' "$NL_PS" | awk '
  { p[NR] = $1; pp[NR] = $2
    if ($0 ~ /containerd-shim/) {
      id = ""
      for (i = 3; i < NF; i++) {
        if ($i == "-id") id = $(i + 1)
        else if ($i == "-workdir" && id == "") { n = split($(i + 1), parts, "/"); id = parts[n] }
      }
      if (id ~ /^[0-9a-f]+$/ && length(id) == 64) shim[$1] = id
    } }
  END { for (k = 1; k <= NR; k++) if ((pp[k] in shim) && !(shim[pp[k]] in seen) && p[k] ~ /^[0-9]+$/) { seen[shim[pp[k]]] = 1; print p[k], shim[pp[k]] } }')
NL_SOCK=
IFS=$NL_NL
for line in $NL_CTRS; do
  IFS=' '
  set -- $line
  pid=$1; id=$2
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  case "$id" in ''|*[!0-9a-f]*) continue ;; esac
  NL_SOCK="$NL_SOCK /proc/$pid/net/tcp /proc/$pid/net/tcp6 /proc/$pid/net/udp /proc/$pid/net/udp6"
  nl_part "ctr:$id:$pid:nsenter"
  if command -v nsenter >/dev/null 2>&1; then
    e=$( { printf '${NETNS_BATCH_INPUT}' | nsenter -t "$pid" -n ip -json -d -batch - ; } 2>&1 1>&3 ); rc=$?
  else
    e='nsenter: not found on the host (command -v nsenter)'; rc=127
  fi
  [ "$rc" -eq 0 ] && continue
  nl_part "ctr:$id:$pid:nsenter-error"
  printf '%s\\n' "$e"
  for f in ${PROC_NET_FILES.join(' ')}; do
    nl_part "ctr:$id:$pid:proc:$f"
    cat "/proc/$pid/net/$f" 2>/dev/null
  done
  nl_part "ctr:$id:$pid:sys"
  IFS=$NL_NL
  set +f
  for d in /proc/$pid/root/sys/class/net/*; do
    [ -d "$d" ] || continue
    for a in ${SYS_NET_ATTRIBUTES.join(' ')}; do
      { read -r v < "$d/$a"; } 2>/dev/null && printf '%s %s %s\\n' "\${d##*/}" "$a" "$v"
    done
  done
  set -f
done
# every container's socket tables in one grep: a process per container costs more than the reads
if [ -n "$NL_SOCK" ]; then
  nl_part sockets
  IFS=' '
  ${socketTablesGrep('-H')} $NL_SOCK 2>/dev/null
fi
true`,
};

export function parseProcesses(text: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^\s*(\d+)\s+(\d+)\s?(.*)$/.exec(line);
    if (!m) throw parseError('ps -eo pid=,ppid=,args=', 'unrecognised process line', line);
    out.push({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' });
  }
  return out;
}

const PROXY_FLAGS = ['-proto', '-host-ip', '-host-port', '-container-ip', '-container-port'] as const;

/** docker-proxy's own flags, one process per published port and address family. */
export function parseDockerProxies(processes: readonly ProcessInfo[]): DockerProxyProcess[] {
  const out: DockerProxyProcess[] = [];
  for (const p of processes) {
    const argv = p.args.split(/\s+/);
    if (!/(^|\/)docker-proxy$/.test(argv[0] ?? '')) continue;
    const flag = new Map<string, string>();
    for (let i = 0; i < argv.length - 1; i++) {
      const a = argv[i] ?? '';
      if ((PROXY_FLAGS as readonly string[]).includes(a)) flag.set(a, argv[i + 1] ?? '');
    }
    const hostPort = Number(flag.get('-host-port'));
    const containerPort = Number(flag.get('-container-port'));
    if (PROXY_FLAGS.some((f) => !flag.has(f)) || !Number.isInteger(hostPort) || !Number.isInteger(containerPort)) {
      throw parseError('docker-proxy arguments', 'missing or bad -proto/-host-ip/-host-port/-container-ip/-container-port', p.args);
    }
    out.push({
      pid: p.pid,
      proto: flag.get('-proto') ?? '',
      hostIp: flag.get('-host-ip') ?? '',
      hostPort,
      containerIp: flag.get('-container-ip') ?? '',
      containerPort,
      args: p.args,
    });
  }
  return out;
}

/**
 * The docker-proxy processes that serve this host: those in the shell's own network namespace
 * (the `proxy-netns` part). ps shows every process of the machine, also the proxies of a dockerd
 * that runs in another network namespace of it, which hold that namespace's ports. A proxy whose
 * namespace could not be read (not root, gone meanwhile, no readlink) is kept: nothing says it is
 * elsewhere.
 */
export function proxiesInShellNetns(proxies: readonly DockerProxyProcess[], parts: readonly BatchPart[]): DockerProxyProcess[] {
  const text = parts.find((p) => p.name === 'proxy-netns')?.text;
  if (text === undefined) return [...proxies];
  const netns = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(self|\d+) (\S*)$/.exec(line.trim());
    if (m && m[2]) netns.set(m[1]!, m[2]);
  }
  const self = netns.get('self');
  if (!self) return [...proxies];
  return proxies.filter((p) => {
    const ns = netns.get(String(p.pid));
    return ns === undefined || ns === self;
  });
}
