/**
 * The batch section `container-netns`: every container's network namespace, found through the
 * process table. From the table come two facts the engine API does not give: which docker-proxy
 * processes hold published ports, and which PID lives in each container's network namespace (the
 * child of the container's containerd shim, or of its conmon under Podman). The same script then
 * reads every such namespace from the host side in one awk (netnsRead.ts: /proc/PID/net and the
 * container's sysfs, no process per container) and enters with `nsenter … ip -json` only the
 * namespaces that read cannot fully describe, so a refresh stays one round trip whose cost hardly
 * grows with the number of containers. Container ids come from process arguments, so the script
 * admits only 64-hex ids and numeric PIDs before using them.
 */
import type { BatchCommand, BatchPart } from '../batch';
import type { DockerProxyProcess, ProcessInfo } from '../types';
import { parseError } from '../ipJson';
import { NETNS_BATCH_INPUT } from './netnsBatch';
import { NETNS_READ_AWK } from './netnsRead';

/**
 * With `containerSockets`, the read also takes every container's socket tables (who listens); each
 * costs the kernel a scan of its whole TCP or UDP hash, so a refresh leaves them for when they are
 * asked for (containerListeners.ts).
 */
export function containerNetnsCommandWith(opts: { readonly containerSockets: boolean; readonly keep?: readonly KeptNamespace[] }): BatchCommand {
  // numbers only reach the script: a PID and an inode each
  const keep = (opts.keep ?? []).filter((k) => Number.isSafeInteger(k.pid) && k.pid > 0 && Number.isSafeInteger(k.inode) && k.inode > 0).map((k) => `${k.pid}:${k.inode}`);
  return {
    name: 'container-netns',
    requires: ['ps', 'awk'],
    // the heaviest section by far (every container's namespace): it runs beside the others
    lane: 2,
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
# -id <64 hex> (or the v1 shim's -workdir …/<id>), or of each Podman conmon whose arguments carry
# -c / --cid <64 hex>. One awk pass: string matching in sh loops is quadratic in the number of
# containers.
NL_CTRS=$(printf '%s\\n' "$NL_PS" | awk '
  { p[NR] = $1; pp[NR] = $2
    n = split($3, cmd, "/")
    if ($0 ~ /containerd-shim/) {
      id = ""
      for (i = 3; i < NF; i++) {
        if ($i == "-id") id = $(i + 1)
        else if ($i == "-workdir" && id == "") { n = split($(i + 1), parts, "/"); id = parts[n] }
      }
      if (id ~ /^[0-9a-f]+$/ && length(id) == 64) shim[$1] = id
    } else if (cmd[n] == "conmon") {
      id = ""
      for (i = 4; i < NF; i++) if ($i == "-c" || $i == "--cid") { id = $(i + 1); break }
      if (id ~ /^[0-9a-f]+$/ && length(id) == 64) shim[$1] = id
    } }
  END { for (k = 1; k <= NR; k++) if ((pp[k] in shim) && !(shim[pp[k]] in seen) && p[k] ~ /^[0-9]+$/) { seen[shim[pp[k]]] = 1; print p[k], shim[pp[k]] } }')
# A rootless engine's shell (engineNamespace.ts exports NL_ENGINE_USERNS_PID, dockerd's pid): its
# containers live in dockerd's user namespace, the machine's rootful ones do not, and reading those
# would cost an nsenter each (their veths' peers are not in this namespace). One ls keeps the others
# (all of them when dockerd's own user namespace cannot be read).
case "\${NL_ENGINE_USERNS_PID:-}" in
  ''|*[!0-9]*) ;;
  *) NL_CTRS=$( { ls -l "/proc/$NL_ENGINE_USERNS_PID/ns/user" $(printf '%s\\n' "$NL_CTRS" | awk '$1 ~ /^[0-9]+$/ { print "/proc/" $1 "/ns/user" }') 2>/dev/null; echo @ctr; printf '%s\\n' "$NL_CTRS"; } | awk -v e="$NL_ENGINE_USERNS_PID" '
      $0 == "@ctr" { c = 1; next }
      !c { if ($NF ~ /^user:\\[[0-9]+\\]$/ && $(NF - 2) ~ /^\\/proc\\/[0-9]+\\/ns\\/user$/) { q = $(NF - 2); sub(/^\\/proc\\//, "", q); sub(/\\/.*/, "", q); u[q] = $NF } next }
      !(e in u) || (($1 in u) && u[$1] == u[e])') ;;
esac
[ -n "$NL_CTRS" ] || exit 0
# Every container namespace from the host side in one awk (netnsRead.ts): which namespace each
# process is in (ls -l), the netnsid the host gave each one (lsns), the host's veths with their
# peers (ip -o); lsns or ip missing only means every namespace is read with nsenter below.
NL_NSR=$( {
  echo @ctr; printf '%s\\n' "$NL_CTRS"
  echo @ns; ls -l "/proc/$$/ns/net" $(printf '%s\\n' "$NL_CTRS" | awk '$1 ~ /^[0-9]+$/ { print "/proc/" $1 "/ns/net" }')
  echo @nsid; lsns -t net -n -o NS,NETNSID
  echo @veth; ip -o link show type veth
} 2>/dev/null | awk -v self="$$" -v sockets=${opts.containerSockets ? 1 : 0} -v keep='${keep.join(' ')}' '${NETNS_READ_AWK}')
if [ $? -eq 0 ]; then
  nl_part netns
  printf '%s\\n' "$NL_NSR"
  # What /proc cannot tell (a macvlan child, a veth into an overlay namespace, …): nsenter + ip there only.
  NL_SLOW=$(printf '%s\\n' "$NL_NSR" | awk '$1 == "S" && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9a-f]+$/ { print $2, $3 }')
else
  NL_SLOW=$NL_CTRS
fi
IFS=$NL_NL
for line in $NL_SLOW; do
  IFS=' '
  set -- $line
  pid=$1; id=$2
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  case "$id" in ''|*[!0-9a-f]*) continue ;; esac
  nl_part "ctr:$id:$pid:nsenter"
  if command -v nsenter >/dev/null 2>&1; then
    e=$( { printf '${NETNS_BATCH_INPUT}' | nsenter -t "$pid" -n ip -json -d -batch - ; } 2>&1 1>&3 ); rc=$?
  else
    e='nsenter: not found on the host (command -v nsenter)'; rc=127
  fi
  [ "$rc" -eq 0 ] && continue
  nl_part "ctr:$id:$pid:nsenter-error"
  printf '%s\\n' "$e"
done
true`,
  };
}

/**
 * The section as a check first: when every namespace of the earlier read and every docker-proxy it
 * found is still the same process in the same namespace (one `ls -l` of their /proc/PID/ns/net), the
 * section prints only the part `unchanged` and the caller keeps the earlier read whole (processes,
 * proxies, namespaces): no process table, no lsns, nothing per container. Otherwise it reads as
 * `full` does. Only the caller knows that nothing new can have started meanwhile (collect.ts
 * HostReuse.unchangedNamespaces): a process that is gone or in another namespace is all this sees.
 */
export function containerNetnsUnchangedCommand(check: readonly KeptNamespace[], full: BatchCommand): BatchCommand {
  const pairs = [...new Set(check.filter((k) => Number.isSafeInteger(k.pid) && k.pid > 0 && Number.isSafeInteger(k.inode) && k.inode > 0).map((k) => `${k.pid}:${k.inode}`))];
  const files = pairs.map((p) => `/proc/${p.slice(0, p.indexOf(':'))}/ns/net`).join(' ');
  const same = pairs.length
    ? `ls -l ${files} 2>/dev/null | awk -v want='${pairs.join(' ')}' '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) { split(w[i], f, ":"); need[f[1]] = f[2] } }
  $NF ~ /^net:\\[[0-9]+\\]$/ && $(NF - 2) ~ /^\\/proc\\/[0-9]+\\/ns\\/net$/ { p = $(NF - 2); sub(/^\\/proc\\//, "", p); sub(/\\/.*/, "", p); i = $NF; gsub(/[^0-9]/, "", i); if ((p in need) && need[p] == i) { ok++; delete need[p] } }
  END { exit !(ok == n) }'`
    : 'true';
  return { ...full, script: `# the earlier read stands while each process it read is still in the same namespace
if ${same}; then
  nl_part unchanged
  exit 0
fi
${full.script}` };
}

/**
 * A namespace the caller holds from an earlier read and need not have read again: the awk answers
 * `K PID ID INODE` for it when that process is still in that very namespace (keptNamespaces.ts).
 */
export interface KeptNamespace {
  readonly pid: number;
  readonly inode: number;
}

/** Everything, container sockets included: what a recording or a complete snapshot takes. */
export const containerNetnsCommand: BatchCommand = containerNetnsCommandWith({ containerSockets: true });

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
