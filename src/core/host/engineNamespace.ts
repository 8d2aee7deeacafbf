/**
 * A local engine that lives in another network namespace of this machine: rootless Docker, whose
 * dockerd runs inside RootlessKit's user, mount and network namespaces, so its bridges, veths and
 * iptables rules are there and not in the namespace netlens runs in. The engine's unix socket is
 * still a file on this machine: the process that listens on it is found through the kernel's own
 * tables (/proc/PID/net/unix lists a namespace's unix sockets with their paths and inodes,
 * /proc/PID/fd ties an inode to the process holding it), and the host shell then runs in that
 * process's network namespace (`nsenter`). Nothing is taken from a pid file.
 *
 * The engine's host identity check (model/hostIdentity.ts) stays the guard: a shell that entered
 * the wrong namespace is refused like any other.
 */
import type { BatchCommand, BatchSection } from './batch';
import { runSection } from './batch';
import { NetlensError } from '../errors';
import { parseError } from './ipJson';
import { createLocalShell, type HostShell, type LocalShellOptions, type ShellResult } from './shell';

/** Socket paths the search admits into its script: absolute, no quoting characters, sun_path-sized. */
const SOCKET_PATH = /^\/[A-Za-z0-9._/+@:,=-]{1,106}$/;

/** unix socket flag __SO_ACCEPTCON: the socket listens */
const LISTENING = '00010000';

export function engineProcessCommand(socketPath: string): BatchCommand {
  if (!SOCKET_PATH.test(socketPath) || socketPath.includes('/../')) throw new NetlensError('BAD_INPUT', `unusable engine socket path ${JSON.stringify(socketPath)}`, 'engine namespace search');
  return {
    name: 'engine-process',
    requires: ['ps', 'awk', 'readlink', 'grep'],
    // For each dockerd: the inode of a listening socket bound to the path in the namespace it sees
    // (/proc/PID/net/unix), whether that very process holds it (/proc/PID/fd), its network
    // namespace, and its ancestors' names (RootlessKit re-executes itself as the namespaces' first
    // process, `exe`, whose parent is `rootlesskit`).
    script: `sock='${socketPath}'
printf 'self %s %s\\n' "$(readlink /proc/self/ns/net 2>/dev/null)" "$(id -u)"
for pid in $(ps -eo pid=,comm= | awk '$2 == "dockerd" { print $1 }'); do
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  ino=$(awk -v s="$sock" '$NF == s && $4 == "${LISTENING}" && $7 ~ /^[0-9]+$/ { print $7; exit }' "/proc/$pid/net/unix" 2>/dev/null)
  [ -n "$ino" ] || continue
  # one ls for all of dockerd's fds (a busy engine holds thousands), not a readlink each; another
  # user's process shows no link targets
  fds=$(ls -l "/proc/$pid/fd" 2>/dev/null)
  case "$fds" in *' -> '*) held=no ;; *) held=unknown ;; esac
  printf '%s\n' "$fds" | grep -qF "socket:[$ino]" && held=yes
  printf 'engine %s %s %s %s\\n' "$pid" "$ino" "$held" "$(readlink "/proc/$pid/ns/net" 2>/dev/null)"
  p=$pid
  for i in 1 2 3; do
    p=$(awk '$1 == "PPid:" { print $2 }' "/proc/$p/status" 2>/dev/null)
    case "$p" in ''|0|*[!0-9]*) break ;; esac
    printf 'ancestor %s %s\\n' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"
  done
done
true`,
  };
}

export interface EngineProcess {
  readonly pid: number;
  /** `net:[inode]`, or null when it could not be read */
  readonly netns: string | null;
  /** the process holds the listening socket itself (not only shares its namespace); null when its fds could not be read */
  readonly holdsSocket: boolean | null;
  /** parent, grandparent, … (up to three) */
  readonly ancestors: readonly { readonly pid: number; readonly comm: string }[];
}

export interface EngineProcessSearch {
  /** the searching shell's network namespace, `net:[inode]`, null when unreadable */
  readonly selfNetns: string | null;
  readonly uid: number | null;
  readonly engines: readonly EngineProcess[];
}

export function parseEngineProcess(text: string): EngineProcessSearch {
  let selfNetns: string | null = null;
  let uid: number | null = null;
  const engines: { pid: number; netns: string | null; holdsSocket: boolean | null; ancestors: { pid: number; comm: string }[] }[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m = /^self (net:\[\d+\])? ?(\d+)?$/.exec(line);
    if (m) {
      selfNetns = m[1] ?? null;
      uid = m[2] !== undefined ? Number(m[2]) : null;
      continue;
    }
    m = /^engine (\d+) (\d+) (yes|no|unknown) ?(net:\[\d+\])?$/.exec(line);
    if (m) {
      engines.push({ pid: Number(m[1]), holdsSocket: m[3] === 'unknown' ? null : m[3] === 'yes', netns: m[4] ?? null, ancestors: [] });
      continue;
    }
    m = /^ancestor (\d+) ?(.*)$/.exec(line);
    if (m && engines.length > 0) {
      engines[engines.length - 1]!.ancestors.push({ pid: Number(m[1]), comm: (m[2] ?? '').trim() });
      continue;
    }
    throw parseError('engine process search', 'unrecognised line', line);
  }
  return { selfNetns, uid, engines };
}

/** Where the engine is, as far as the search could tell. */
export type EngineNamespace =
  /**
   * The shell stays in its own namespace: the engine serves its socket from there (`found`), or the
   * search could not tell where it does (`found` false; `why` says what was missing).
   */
  | { readonly kind: 'same'; readonly found: boolean; readonly why: string }
  | {
      readonly kind: 'other';
      readonly pid: number;
      readonly netns: string;
      /** the rootlesskit process whose namespaces the engine runs in, when it does */
      readonly rootlessKitPid: number | null;
      /** how the shell is started there */
      readonly prefix: readonly string[];
      /** for the shell's target: `RootlessKit namespace of dockerd pid N` */
      readonly label: string;
    };

export function locateEngine(search: EngineProcessSearch, socketPath: string): EngineNamespace {
  const notFound = (why: string): EngineNamespace => ({ kind: 'same', found: false, why });
  if (search.engines.length === 0) return notFound(`the process serving ${socketPath} was not found (no dockerd process lists a socket listening there)`);
  // /proc/PID/net/unix is the namespace's: every dockerd in it lists the path, the one serving it holds it
  const holding = search.engines.filter((e) => e.holdsSocket === true);
  const candidates = holding.length ? holding : search.engines.filter((e) => e.holdsSocket === null);
  if (candidates.length === 0) return notFound(`the process serving ${socketPath} was not found (dockerd pid ${search.engines.map((e) => e.pid).join(', ')} lists it but holds no such socket)`);
  const netns = new Set(candidates.map((e) => e.netns));
  if (netns.size > 1) return notFound(`dockerd processes in different namespaces list ${socketPath} (pid ${candidates.map((e) => e.pid).join(', ')})`);
  const e = candidates[0]!;
  if (!e.netns || !search.selfNetns) return notFound(`the network namespace of dockerd pid ${e.pid} or of this shell could not be read`);
  if (e.netns === search.selfNetns) return { kind: 'same', found: true, why: `dockerd pid ${e.pid} serves ${socketPath} from this namespace` };
  // RootlessKit: dockerd ← `exe` (RootlessKit's child, the namespaces' first process) ← rootlesskit
  const kit = e.ancestors.find((a) => a.comm === 'rootlesskit');
  // root enters the namespace alone; anyone else first enters the user namespace that owns it (their own RootlessKit's)
  const prefix = search.uid === 0 ? ['nsenter', `--net=/proc/${e.pid}/ns/net`] : ['nsenter', `--target=${e.pid}`, '--user', '--net', '--preserve-credentials'];
  return {
    kind: 'other',
    pid: e.pid,
    netns: e.netns,
    rootlessKitPid: kit?.pid ?? null,
    prefix,
    label: kit ? `RootlessKit namespace of dockerd pid ${e.pid}` : `network namespace of dockerd pid ${e.pid}`,
  };
}

export async function findEngineNamespace(shell: HostShell, socketPath: string, signal?: AbortSignal): Promise<EngineNamespace> {
  let command: BatchCommand;
  try {
    command = engineProcessCommand(socketPath);
  } catch (e) {
    return { kind: 'same', found: false, why: (e as Error).message };
  }
  const run = await runSection(shell, command, signal);
  if ('failure' in run) return { kind: 'same', found: false, why: run.failure };
  return locateEngine(parseEngineProcess(sectionText(run.section)), socketPath);
}

function sectionText(s: BatchSection): string {
  return s.stdout;
}

/**
 * The local shell of an engine reached through a unix socket: before each run it looks for the
 * process serving the socket, and runs in that process's network namespace when it is not this
 * shell's — so a restarted rootless engine (new pid, new namespace) is followed. The target says
 * which namespace was entered; `local` alone means this machine's own.
 */
export function createEngineNamespaceShell(socketPath: string, options: LocalShellOptions = {}): HostShell & { readonly located: EngineNamespace | null } {
  const plain = createLocalShell(options);
  let entered: { key: string; shell: HostShell } | null = null;
  let located: EngineNamespace | null = null;
  const shellFor = (where: EngineNamespace): HostShell => {
    if (where.kind === 'same') return plain;
    const key = where.prefix.join(' ');
    if (entered?.key !== key) {
      void entered?.shell.dispose();
      const inner = createLocalShell({ ...options, prefix: where.prefix });
      entered = { key, shell: inner };
    }
    return entered.shell;
  };
  return {
    get target() {
      if (located?.kind === 'other') return `local (${located.label}: ${located.prefix.join(' ')})`;
      // not entered for want of facts: say so, the host check may refuse this namespace
      return located && !located.found ? `local (not in the engine's network namespace: ${located.why})` : 'local';
    },
    transport: 'local',
    runsPerRun: 2,
    get prefix() {
      return located?.kind === 'other' ? located.prefix : undefined;
    },
    get located() {
      return located;
    },
    async run(script: string, signal?: AbortSignal): Promise<ShellResult> {
      located = await findEngineNamespace(plain, socketPath, signal);
      return shellFor(located).run(script, signal);
    },
    async dispose() {
      await plain.dispose();
      await entered?.shell.dispose();
      entered = null;
    },
  };
}
