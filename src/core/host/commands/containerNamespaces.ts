/**
 * The batch section `container-netns`: every container's network namespace, found through the
 * process table (read from /proc by the section's awk; recordings made before hold ps's
 * `pid ppid args` lines, in the same shape). From the table come two facts the engine API does not
 * give: which docker-proxy processes hold published ports, and which PID lives in each container's
 * network namespace (the child of the container's containerd shim, or of its conmon under Podman).
 * The same awk then reads every such namespace from the host side (netnsRead.ts: /proc/PID/net
 * and the container's sysfs, no process per container), and the script enters with `nsenter …
 * ip -json` only the namespaces that read cannot fully describe, so a refresh stays one round trip
 * whose cost hardly grows with the number of containers. Container ids come from process arguments, so the script
 * admits only 64-hex ids and numeric PIDs before using them.
 */
import { RETRY_PART, type BatchCommand, type BatchPart } from '../batch';
import type { DockerProxyProcess, ProcessInfo } from '../types';
import { parseError } from '../ipJson';
import { NETNS_BATCH_INPUT } from './netnsBatch';
import { PROCESS_NETNS_AWK } from './netnsRead';

/**
 * With `containerSockets`, the read also takes every container's socket tables (who listens); each
 * costs the kernel a scan of its whole TCP or UDP hash, so a refresh leaves them for when they are
 * asked for (containerListeners.ts).
 *
 * The section is one pipeline into one awk (netnsRead.ts PROCESS_NETNS_AWK): the shell's own glob
 * lists /proc's processes, one `ls -l` gives every process's network namespace, lsns the netnsids,
 * `ip -o` the host's veths. The awk reads each process's stat (and the arguments of shims, conmons
 * and docker-proxies) instead of ps, which read a dozen files per process; it finds the proxies'
 * namespaces in the same `ls -l` instead of a readlink each; and it prints the section's parts
 * itself, taking the run's delimiter from its first line of input (a pipe: no argument list or
 * environment shows it). Every process started here costs some 4–5 ms on a small VM; the section
 * once started a dozen and more in turn, ps and a readlink per published port among them.
 *
 * What only the shell can do comes back on the awk's stderr: `P` once the processes and proxies
 * are out, then `C PID ID` for each container namespace, then `S PID ID` for each that /proc could
 * not fully describe, which `nsenter … ip -json` reads. An awk that failed after `P` leaves every
 * `C` to nsenter (the parser marks what it did not finish); one that failed before fails the
 * section, with its message.
 */
export function containerNetnsCommandWith(opts: {
  readonly containerSockets: boolean;
  readonly keep?: readonly KeptNamespace[];
  /**
   * Shell code printing `@ps` and a process table as ps prints it, read in place of /proc's
   * processes: what the tests feed recorded tables (a v1 shim, Podman's conmons) through.
   */
  readonly processTable?: string;
}): BatchCommand {
  // numbers only reach the script: a PID and an inode each
  const keep = (opts.keep ?? []).filter((k) => Number.isSafeInteger(k.pid) && k.pid > 0 && Number.isSafeInteger(k.inode) && k.inode > 0).map((k) => `${k.pid}:${k.inode}`);
  return {
    name: 'container-netns',
    requires: ['awk'],
    script: `# A rootless engine's shell (engineNamespace.ts exports NL_ENGINE_USERNS_PID, dockerd's pid): its
# containers live in dockerd's user namespace, the machine's rootful ones do not, and reading those
# would cost an nsenter each (their veths' peers are not in this namespace); the awk keeps the others
# (all of them when dockerd's own user namespace cannot be read).
case "\${NL_ENGINE_USERNS_PID:-}" in ''|*[!0-9]*) NL_U= ;; *) NL_U=$NL_ENGINE_USERNS_PID ;; esac
# A process that ends while the awk reads its files can make the read fail (mawk takes ESRCH for a
# fatal error): the scan runs once more, and what the first one printed is void (batch.ts RETRY_PART).
nl_try=1
while :; do
NL_SLOW=$( {
  printf '%s\\n' "$NL_D"
  ${opts.processTable ?? "echo @proc; printf '%s\\n' /proc/[0-9]*"}
  echo @ns; if [ -n "$NL_U" ]; then ls -l /proc/[0-9]*/ns/net /proc/[0-9]*/ns/user; else ls -l /proc/[0-9]*/ns/net; fi
  echo @nsid; lsns -t net -n -o NS,NETNSID
  echo @veth; ip -o link show type veth
} 2>/dev/null | awk -v self="$$" -v engine="$NL_U" -v sockets=${opts.containerSockets ? 1 : 0} -v keep='${keep.join(' ')}' '${PROCESS_NETNS_AWK}' 2>&1 1>&3 ); NL_RC=$?
case "$NL_SLOW" in P*) break ;; esac
[ "$nl_try" -ge 2 ] && break
nl_try=2
nl_part ${RETRY_PART}
done
case "$NL_SLOW" in
  P*) ;;
  *) printf 'the process scan failed (awk exited with %s): %s\\n' "$NL_RC" "\${NL_SLOW:-no message}" >&2; exit 70 ;;
esac
set -f
NL_NL='
'
# What /proc cannot tell (a macvlan child, a veth into an overlay namespace, …): nsenter + ip there only.
IFS=$NL_NL
for line in $NL_SLOW; do
  IFS=' '
  set -- $line
  case "$NL_RC $1" in '0 S'|[1-9]*' C') ;; *) continue ;; esac
  pid=$2; id=$3
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
  // ps lists by PID; the section's own scan follows the shell's glob of /proc, which sorts as text
  return out.sort((a, b) => a.pid - b.pid);
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
