/**
 * The batch section `rootlesskit`: RootlessKit processes on this machine (rootless Docker runs its
 * dockerd in RootlessKit's namespaces). For each: its arguments (`--port-driver=builtin|slirp4netns`),
 * its own network namespace and its children's (the namespaces' first process is a child of it, so
 * the one whose child is in the batch shell's namespace is the RootlessKit this engine lives in),
 * and the sockets it listens on in its own namespace — the machine's — which is how the builtin
 * port driver takes a publish: rootlesskit accepts on the machine's side and connects to the same
 * port inside its namespace, where dockerd's DNAT rule or docker-proxy takes it on.
 * Process ids come from `ps`, run only when a process named rootlesskit is there; the script admits
 * only numeric ones.
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { Listener } from '../types';
import { parseError } from '../ipJson';
import { known, unknown, type Known } from '../../known';
import { parseProcNetSockets, socketTablesScript } from './procNetSockets';

export const rootlessKitCommand: BatchCommand = {
  name: 'rootlesskit',
  requires: ['ps', 'awk', 'readlink', 'ls', 'grep'],
  script: `printf 'self %s\\n' "$(readlink /proc/self/ns/net 2>/dev/null)"
# Most hosts run no RootlessKit: one grep of every process's name tells (a third of what ps costs,
# which reads far more of each process); the process table, for its children, is read only when
# one runs.
grep -qx rootlesskit /proc/[0-9]*/comm 2>/dev/null || exit 0
NL_RK_PS=$(ps -eo pid=,ppid=,comm=) || exit $?
for pid in $(printf '%s\\n' "$NL_RK_PS" | awk '$3 == "rootlesskit" { print $1 }'); do
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  nl_part "kit:$pid"
  printf 'args %s\\n' "$(tr '\\000' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
  printf 'net %s\\n' "$(readlink "/proc/$pid/ns/net" 2>/dev/null)"
  for c in $(printf '%s\\n' "$NL_RK_PS" | awk -v p="$pid" '$2 == p { print $1 }'); do
    case "$c" in ''|*[!0-9]*) continue ;; esac
    printf 'child %s %s\\n' "$c" "$(readlink "/proc/$c/ns/net" 2>/dev/null)"
  done
  # one ls for all its fds; from inside RootlessKit's user namespace (a shell that is not root) the
  # parent's links are not ours to read and ls shows none
  nl_fd=$(ls -l "/proc/$pid/fd" 2>/dev/null)
  case "$nl_fd" in *' -> '*) ;; *) echo 'sockets unreadable'; continue ;; esac
  printf 'sockets%s\n' "$(printf '%s\n' "$nl_fd" | awk '{ t = $NF; if (t ~ /^socket:\[[0-9]+\]$/) { gsub(/[^0-9]/, "", t); printf " %s", t } }')"
  nl_part "kit-listeners:$pid"
  ${socketTablesScript('/proc/$pid/net')}
done
true`,
};

/**
 * After a read that found no RootlessKit serving the shell's network namespace, none can while the
 * shell is in that same namespace: a RootlessKit started later makes a namespace of its own (or
 * none, with --net=host), never one that existed before it. The section then only checks that the
 * shell's namespace is the one of that read (and answers as it did, without a scan of the process
 * table); otherwise it reads as the whole command does.
 */
export function rootlessKitCommandAfter(previous: BatchSection | undefined): BatchCommand {
  if (!previous || previous.code !== 0) return rootlessKitCommand;
  let self: string | null = null;
  try {
    self = rootlessKitOfShell(parseRootlessKit(previous)) === null ? (/^self (net:\[\d+\])\s*$/m.exec(previous.stdout)?.[1] ?? null) : null;
  } catch {
    self = null;
  }
  if (!self) return rootlessKitCommand;
  return {
    ...rootlessKitCommand,
    script: `# the shell's namespace is still ${self}, which no RootlessKit served at the last read
if [ "$(readlink /proc/self/ns/net 2>/dev/null)" = '${self}' ]; then echo 'self ${self}'; exit 0; fi
${rootlessKitCommand.script}`,
  };
}

export interface RootlessKitProcess {
  readonly pid: number;
  readonly args: string;
  /** `--port-driver=…`; null when the argument is absent (RootlessKit's own default is none) */
  readonly portDriver: string | null;
  /** `net:[inode]` of the machine-side namespace it runs in, null when unreadable */
  readonly netns: string | null;
  /** one of its children is in the batch shell's network namespace, which is not its own: the batch ran in the namespace it made */
  readonly servesShell: boolean;
  /** what it listens on in its own namespace (sockets it holds); unknown when its fds could not be read */
  readonly listeners: Known<readonly Listener[]>;
}

function portDriverOf(args: string): string | null {
  const m = /(?:^|\s)--port-driver(?:=|\s+)(\S+)/.exec(args);
  return m ? m[1]! : null;
}

export function parseRootlessKit(s: BatchSection): RootlessKitProcess[] {
  const self = /^self (net:\[\d+\])\s*$/m.exec(s.stdout)?.[1] ?? null;
  const out: RootlessKitProcess[] = [];
  for (const part of s.parts) {
    const m = /^kit:(\d+)$/.exec(part.name);
    if (!m) continue;
    const pid = Number(m[1]);
    let args = '';
    let netns: string | null = null;
    let servesShell = false;
    let sockets: Set<number> | null = null;
    const children: (string | null)[] = [];
    for (const line of part.text.split('\n')) {
      if (!line.trim()) continue;
      let f: RegExpExecArray | null;
      if ((f = /^args ?(.*)$/.exec(line))) args = (f[1] ?? '').trim();
      else if ((f = /^net ?(net:\[\d+\])?$/.exec(line))) netns = f[1] ?? null;
      else if ((f = /^child (\d+) ?(net:\[\d+\])?$/.exec(line))) {
        children.push(f[2] ?? null);
        servesShell ||= !!self && f[2] === self;
      } else if (line === 'sockets unreadable') sockets = null;
      else if ((f = /^sockets((?: \d+)*)$/.exec(line))) sockets = new Set((f[1] ?? '').trim().split(' ').filter(Boolean).map(Number));
      else throw parseError('rootlesskit process', 'unrecognised line', line);
    }
    // Its own namespace is the machine's, and slirp4netns (a child too) runs there: only a child in
    // another namespace than its own is in RootlessKit's. From inside RootlessKit's user namespace
    // its own cannot be read; a child in a namespace other than the shell's then stands for it.
    const own = netns ?? children.find((c) => c !== null && c !== self) ?? null;
    if (own === null || own === self) servesShell = false;
    const tables = s.parts.find((p) => p.name === `kit-listeners:${pid}`)?.text ?? '';
    const held = sockets;
    const listeners = held
      ? known(parseProcNetSockets(tables, `/proc/${pid}/net/{tcp,tcp6,udp,udp6}`).listeners.filter((l) => l.inode !== undefined && held.has(l.inode)))
      : unknown(`the sockets rootlesskit pid ${pid} holds could not be read (/proc/${pid}/fd): from inside RootlessKit's user namespace only root may read the parent's`);
    out.push({ pid, args, portDriver: portDriverOf(args), netns, servesShell, listeners });
  }
  return out;
}

/** The RootlessKit whose namespace the batch ran in, or null when it ran in none. */
export function rootlessKitOfShell(processes: readonly RootlessKitProcess[]): RootlessKitProcess | null {
  return processes.find((p) => p.servesShell) ?? null;
}
