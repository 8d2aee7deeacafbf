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
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { NetlensError } from '../errors';
import { parseError } from './ipJson';
import { createLocalShell, type HostShell, type LocalShellOptions, type ShellResult } from './shell';

/** unix socket flag __SO_ACCEPTCON: the socket listens */
const LISTENING = '00010000';

// Read synchronously: /proc answers at once, and the usual case (the socket listens in this very
// namespace) is two reads, which asynchronous reads would make cost a module load and two trips
// through the thread pool before the host batch can start.
const orNull = <T>(read: () => T): T | null => {
  try {
    return read();
  } catch {
    return null;
  }
};
const text = (path: string): string | null => orNull(() => readFileSync(path, 'utf8'));
const link = (path: string): string | null => orNull(() => readlinkSync(path));

/** The inode of a listening unix socket bound to `path`, in a /proc/…/net/unix table. */
function listeningInode(table: string | null, path: string): string | null {
  const row = (table ?? '').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f.length >= 8 && f[f.length - 1] === path && f[3] === LISTENING && /^\d+$/.test(f[6] ?? ''));
  return row ? row[6]! : null;
}

/**
 * What /proc says of the dockerd processes listening on `socketPath`, as lines (parseEngineProcess):
 * `self NETNS UID`; `here INODE` when the socket listens in this namespace (and nothing more);
 * else per dockerd listing a listening socket bound to that path in its namespace,
 * `engine PID INODE yes|no|unknown NETNS` (whether that process holds the socket; unknown when its
 * fds are not ours to read) and its parent, grandparent and great-grandparent as `ancestor PID COMM`
 * (RootlessKit re-executes itself as the namespaces' first process, `exe`, whose parent is `rootlesskit`).
 */
export function readEngineProcess(socketPath: string, proc = '/proc'): string {
  const out = [`self ${link(`${proc}/self/ns/net`) ?? ''} ${process.getuid?.() ?? ''}`.trimEnd()];
  // whatever serves it (dockerd, podman, a proxy), a socket listening in this very namespace needs no search
  const here = listeningInode(text(`${proc}/self/net/unix`), socketPath);
  if (here) return `${[...out, `here ${here}`].join('\n')}\n`;
  const pids = (orNull(() => readdirSync(proc)) ?? []).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    if (text(`${proc}/${pid}/comm`)?.trim() !== 'dockerd') continue;
    const inode = listeningInode(text(`${proc}/${pid}/net/unix`), socketPath);
    if (!inode) continue;
    let held = 'unknown';
    const fds = orNull(() => readdirSync(`${proc}/${pid}/fd`));
    for (const fd of fds ?? []) {
      const target = link(`${proc}/${pid}/fd/${fd}`);
      if (target === null) break;
      held = 'no';
      if (target === `socket:[${inode}]`) {
        held = 'yes';
        break;
      }
    }
    out.push(`engine ${pid} ${inode} ${held} ${link(`${proc}/${pid}/ns/net`) ?? ''}`.trimEnd());
    let p = pid;
    for (let i = 0; i < 3; i++) {
      const ppid = /^PPid:\s*(\d+)$/m.exec(text(`${proc}/${p}/status`) ?? '')?.[1];
      if (!ppid || ppid === '0') break;
      p = ppid;
      out.push(`ancestor ${p} ${(text(`${proc}/${p}/comm`) ?? '').trim()}`.trimEnd());
    }
  }
  return `${out.join('\n')}\n`;
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
  /** the inode of the socket listening in the searcher's own namespace, null when it does not */
  readonly here?: string | null;
  readonly uid: number | null;
  readonly engines: readonly EngineProcess[];
}

export function parseEngineProcess(text: string): EngineProcessSearch {
  let selfNetns: string | null = null;
  let uid: number | null = null;
  let here: string | null = null;
  const engines: { pid: number; netns: string | null; holdsSocket: boolean | null; ancestors: { pid: number; comm: string }[] }[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m = /^self (net:\[\d+\])? ?(\d+)?$/.exec(line);
    if (m) {
      selfNetns = m[1] ?? null;
      uid = m[2] !== undefined ? Number(m[2]) : null;
      continue;
    }
    m = /^here (\d+)$/.exec(line);
    if (m) {
      here = m[1]!;
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
  return { selfNetns, uid, here, engines };
}

/**
 * The engine process behind `socketPath`, as a string that changes whenever that process does: the
 * boot, the pid in the pid file beside the socket (`docker.sock` → `docker.pid`) and that process's
 * start time, the inode of the socket listening at the path in this namespace (which that process
 * must hold: under socket activation the socket outlives a restarted daemon) and the host name it
 * reports (its UTS namespace must be ours). Null when any of it is missing or does not hold. The
 * CLI keeps the engine's /info and /version answers under it between runs (session.ts): each of
 * them costs the engine a `runc --version` and a `docker-init --version`.
 */
export function engineProcessFingerprint(socketPath: string, proc = '/proc'): string | null {
  if (!socketPath.endsWith('.sock')) return null;
  const boot = text(`${proc}/sys/kernel/random/boot_id`)?.trim();
  const pid = text(`${socketPath.slice(0, -'.sock'.length)}.pid`)?.trim();
  if (!boot || !pid || !/^\d+$/.test(pid) || text(`${proc}/${pid}/comm`)?.trim() !== 'dockerd') return null;
  const stat = text(`${proc}/${pid}/stat`);
  // field 22, starttime: the 20th after the command's closing parenthesis
  const start = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const inode = listeningInode(text(`${proc}/self/net/unix`), socketPath);
  if (!start || !/^\d+$/.test(start) || !inode) return null;
  // a daemon opens its listening socket among its first descriptors (3 under socket activation): those are
  // looked at first, and the whole table (hundreds of entries with many containers) only if need be
  const holds = (fd: string): boolean => link(`${proc}/${pid}/fd/${fd}`) === `socket:[${inode}]`;
  const first = Array.from({ length: 29 }, (_, i) => String(i + 3));
  if (!first.some(holds) && !(orNull(() => readdirSync(`${proc}/${pid}/fd`)) ?? []).some((fd) => /^\d+$/.test(fd) && Number(fd) > 31 && holds(fd))) return null;
  const uts = link(`${proc}/${pid}/ns/uts`);
  const host = text(`${proc}/sys/kernel/hostname`)?.trim();
  if (!uts || uts !== link(`${proc}/self/ns/uts`) || !host) return null;
  return `boot ${boot} dockerd ${pid} started ${start} socket ${inode} host ${host}`;
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
  if (search.here) return { kind: 'same', found: true, why: `${socketPath} listens in this namespace` };
  if (search.engines.length === 0) return notFound(`the process serving ${socketPath} was not found (no dockerd process lists a socket listening there)`);
  // /proc/PID/net/unix is the namespace's: every dockerd in it lists the path, the one serving it holds it
  const holding = search.engines.filter((e) => e.holdsSocket === true);
  const unread = search.engines.filter((e) => e.holdsSocket === null);
  // None seen holding it (a daemon between its socket and its fd table, as while it starts): the
  // path is listed in their namespace's /proc/net/unix all the same, so that namespace serves it —
  // when they all share one; which of them holds it does not change where the batch must run.
  const candidates = holding.length ? holding : unread.length ? unread : new Set(search.engines.map((e) => e.netns)).size === 1 ? [...search.engines] : [];
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

export async function findEngineNamespace(socketPath: string): Promise<EngineNamespace> {
  try {
    return locateEngine(parseEngineProcess(readEngineProcess(socketPath)), socketPath);
  } catch (e) {
    return { kind: 'same', found: false, why: `looking up the process serving ${socketPath}: ${(e as Error).message}` };
  }
}

/** exit status and stderr line of a run whose namespace is no longer the one looked up */
const MOVED_STATUS = 125;
const MOVED_LINE = 'netlens: the engine namespace moved';

/**
 * `prefix` behind a check that the process still lives in the namespace the lookup found (a
 * restarted engine leaves a pid that is gone or reused): one `readlink` in the same run, not a new
 * lookup. The pid is a number and the namespace `net:[digits]`, checked when they were parsed.
 */
function checkedPrefix(where: Extract<EngineNamespace, { kind: 'other' }>): string[] {
  if (!/^net:\[\d+\]$/.test(where.netns)) throw new NetlensError('BAD_INPUT', `unusable namespace ${JSON.stringify(where.netns)}`, 'engine namespace');
  // a rootless engine's containers share dockerd's user namespace: the container-netns section reads only those (containerNamespaces.ts)
  const userns = where.rootlessKitPid !== null ? `export NL_ENGINE_USERNS_PID=${where.pid}; ` : '';
  const check = `[ "$(readlink /proc/${where.pid}/ns/net 2>/dev/null)" = '${where.netns}' ] || { echo '${MOVED_LINE}' >&2; exit ${MOVED_STATUS}; }; ${userns}exec "$@"`;
  return ['sh', '-c', check, 'netlens-enter', ...where.prefix];
}

/**
 * The local shell of an engine reached through a unix socket: it looks for the process serving
 * the socket once, and runs in that process's network namespace when it is not this shell's. Each
 * run checks, in the same run, that the process is still in that namespace; when it is not (the
 * engine restarted) the lookup is made again and the run repeated once. A lookup that found
 * nothing is made again on the next run (the engine may start later). The target says which
 * namespace was entered; `local` alone means this machine's own.
 */
export function createEngineNamespaceShell(socketPath: string, options: LocalShellOptions = {}): HostShell & { readonly located: EngineNamespace | null } {
  const plain = createLocalShell(options);
  let entered: { key: string; shell: HostShell } | null = null;
  let located: EngineNamespace | null = null;
  let runs = 1;
  const shellFor = (where: EngineNamespace): HostShell => {
    if (where.kind === 'same') return plain;
    const prefix = checkedPrefix(where);
    const key = prefix.join(' ');
    if (entered?.key !== key) {
      void entered?.shell.dispose();
      entered = { key, shell: createLocalShell({ ...options, prefix }) };
    }
    return entered.shell;
  };
  const lookUp = async (): Promise<EngineNamespace> => {
    located = await findEngineNamespace(socketPath);
    return located;
  };
  return {
    get target() {
      if (located?.kind === 'other') return `local (${located.label}: ${located.prefix.join(' ')})`;
      // not entered for want of facts: say so, the host check may refuse this namespace
      return located && !located.found ? `local (not in the engine's network namespace: ${located.why})` : 'local';
    },
    transport: 'local',
    /** the last run's: 1, or 2 when the namespace had moved and the run was repeated */
    get runsPerRun() {
      return runs;
    },
    get prefix() {
      return located?.kind === 'other' ? located.prefix : undefined;
    },
    get located() {
      return located;
    },
    get rootlessKit() {
      if (!located || (located.kind === 'same' && !located.found)) return 'unknown';
      return located.kind === 'other' && located.rootlessKitPid !== null ? 'yes' : 'no';
    },
    prepare() {
      return located ? undefined : lookUp().then(() => undefined);
    },
    // plain and entered shells share the head start: whichever runs first takes it
    ...(options.headStart ? { batchDelimiter: (fresh: string) => options.headStart!.delimiter(fresh) } : {}),
    async run(script: string, signal?: AbortSignal, onProgress?: (chunk: Buffer) => void): Promise<ShellResult> {
      runs = 1;
      const where = located && (located.kind === 'other' || located.found) ? located : await lookUp();
      // a run whose namespace moved stops before the script prints anything: progress is the second run's
      const result = await shellFor(where).run(script, signal, onProgress);
      if (result.code !== MOVED_STATUS || !result.stderr.includes(MOVED_LINE)) return result;
      runs = 2;
      return shellFor(await lookUp()).run(script, signal, onProgress);
    },
    /** in the namespace the last lookup found (the caller compares `prefix` to know it is still the one) */
    async stream(script: string, onData: (chunk: Buffer) => void, signal?: AbortSignal): Promise<ShellResult> {
      const where = located && (located.kind === 'other' || located.found) ? located : await lookUp();
      return shellFor(where).stream!(script, onData, signal);
    },
    async dispose() {
      await plain.dispose();
      await entered?.shell.dispose();
      entered = null;
    },
  };
}
