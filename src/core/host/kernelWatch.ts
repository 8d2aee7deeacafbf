/**
 * A session-long watcher of the kernel's network changes: `ip -o monitor all-nsid label`, run
 * through the host shell (HostShell.stream) for as long as the session lives. The kernel sends it
 * every link, address, route, neighbour, rule, netconf and nsid change of the shell's namespace
 * (`[nsid current]`) and of every namespace that has an nsid there (`[nsid N]`) — which every
 * container namespace joined by a veth to this one has: the kernel gives the peer's namespace an
 * nsid when it reports the veth.
 *
 * Beside it, where `nft` runs, `nft monitor` hears every change of the namespace's nftables ruleset
 * — iptables-nft's rules included, but not iptables-legacy's, which tell nobody — and each of its
 * lines counts as FIREWALL; without it (no nft, not root, ended, dropped messages) every window
 * counts the firewall as changed.
 *
 * A refresh asks it what changed since the last read began (a `WatchWindow` opened then) and reads
 * again only that; everything the watcher cannot vouch for is read every time. A window is
 * `spoiled` — read everything — when the watcher was not running and subscribed when it opened, when
 * the watcher ended or was restarted since, when it printed a line this parser does not know (the
 * kernel's ENOBUFS, "netlink receive error …", lands there: messages were lost), and when its
 * bounds were passed (a line longer than MAX_LINE, more than MAX_NSIDS namespaces changed).
 *
 * The shell script starts `ip monitor` in the background and prints `NLWATCH ready` only once the
 * kernel lists its netlink socket with multicast groups bound (/proc/net/netlink: Eth 0 is
 * NETLINK_ROUTE, Pid the port id, which the kernel gives the first socket of a process: its pid)
 * and, where /proc/PID/wchan tells, ip waits in recvmsg (past asking for all nsids): changes
 * before that point are not reported, so no window opened before it can be trusted.
 *
 * Before a refresh decides what to keep, `settle` makes sure the watcher has printed every change
 * the kernel had queued for it: a change made just before the refresh is in `ip monitor`'s socket
 * queue at once, but reaches us only once ip has been scheduled, read it and written it. Settled
 * means the socket's queue is empty (Rmem 0 in /proc/PID/net/netlink) and ip then waits in recvmsg
 * again (/proc/PID/wchan), so everything it took is in our pipe, which one turn of the event loop
 * then reads. The same row's Drops counter growing means the kernel dropped messages for it: every
 * window is spoiled. This reads /proc of this machine: only for a local shell, which shares it.
 */
import { readFileSync } from 'node:fs';
import type { HostShell } from './shell';
import { errorMessage } from '../errors';

/** What one `ip -o monitor all-nsid label` line says: whose namespace, and which kind of object. */
export interface MonitorEvent {
  /** `current`: the watcher's own namespace (the host's); a number: that nsid's namespace */
  readonly ns: 'current' | number;
  /** LINK, ADDR, ROUTE, NEIGH, RULE, NETCONF, NSID, PREFIX, MROUTE, NEXTHOP, STATS … as ip labels it */
  readonly kind: string;
  /** for NSID lines: the nsid the line is about (assigned or deleted) */
  readonly nsid?: number;
}

const LINE = /^\[nsid (current|\d+)\]\[([A-Z]+)\]/;

/**
 * What `nft monitor` prints for a ruleset change (nft's own words, iptables-nft's changes too): an
 * object added, created, deleted … (`add rule ip filter DOCKER …`), and after each transaction
 * `# new generation N by process P (iptables)`. Every such line counts as FIREWALL in the watcher's
 * namespace; nft's comments (`# …`) count too, whatever they say.
 */
const NFT_LINE = /^(?:(?:add|create|insert|replace|delete|destroy|flush|reset|rename|update) [a-z]|# )/;

/** The kind an `nft monitor` line is counted as (WATCHED_SECTIONS in collect.ts: the firewall's sections). */
export const FIREWALL = 'FIREWALL';

/**
 * One line of the watcher's output: an event, `ready`, `exit`, or null for a line this parser does
 * not know (which spoils every window: it may be the kernel saying messages were lost).
 */
export function parseMonitorLine(line: string): MonitorEvent | { readonly control: 'ready' | 'not-ready' | 'exit'; readonly detail: string } | null {
  if (line.startsWith('NLWATCH ')) {
    const [word = '', ...rest] = line.slice('NLWATCH '.length).split(' ');
    return word === 'ready' || word === 'not-ready' || word === 'exit' ? { control: word, detail: rest.join(' ') } : null;
  }
  const m = LINE.exec(line);
  if (!m) return NFT_LINE.test(line) ? { ns: 'current', kind: FIREWALL } : null;
  const ns = m[1] === 'current' ? 'current' : Number(m[1]);
  if (m[2] === 'NSID') {
    const id = /^(?:Deleted )?nsid (\d+)/.exec(line.slice(m[0].length).trim());
    // an nsid line without its number cannot be placed
    return id ? { ns, kind: 'NSID', nsid: Number(id[1]) } : null;
  }
  return { ns, kind: m[2]! };
}

/** What changed in the kernel since a window opened. */
export interface WatchWindow {
  /** why nothing can be vouched for (read everything), or null */
  readonly spoiled: string | null;
  /** kinds (LINK, ADDR, ROUTE …) changed in the watcher's own namespace */
  readonly host: ReadonlySet<string>;
  /** nsids of other namespaces with any change (an NSID line counts for the nsid it names) */
  readonly nsids: ReadonlySet<number>;
  /** stops collecting (the window is no longer needed) */
  close(): void;
}

/** A line longer than this is not ip monitor's (its longest, a link with all details, is a few KiB). */
export const MAX_LINE = 64 << 10;
/** A window that saw more namespaces change than this just says "read everything". */
export const MAX_NSIDS = 4096;
/** Backoff between restarts of a watcher that ended: doubles from the first to the last. */
export const RESTART_BACKOFF_MS = [1000, 60_000] as const;
/** A watcher that was ready this long before it ended restarts after the shortest backoff again. */
const STEADY_MS = 60_000;
/** How long a refresh waits at most for the watcher to print what the kernel queued for it. */
export const SETTLE_MS = 250;
/** How long the script waits for `ip monitor` to subscribe (100 × 50 ms). */
const READY_TRIES = 100;
/** How long it waits for `nft monitor` before watching without it (60 × 50 ms). */
const NFT_READY_TRIES = 60;

export const WATCH_SCRIPT = `command -v ip >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
ip -o monitor all-nsid label 2>&1 &
NL_W=$!
# nftables' own monitor, where nft runs here: every ruleset change (iptables-nft's too) is a line
NL_N=-
if command -v nft >/dev/null 2>&1; then nft monitor 2>&1 & NL_N=$!; fi
n=0
while :; do
  # subscribed, and (where the kernel tells) waiting in recvmsg: past setting all-nsid too
  if awk -v p="$NL_W" '$2 == 0 && $3 == p && $4 != "00000000" { f = 1 } END { exit !f }' /proc/net/netlink 2>/dev/null; then
    w=$(cat "/proc/$NL_W/wchan" 2>/dev/null)
    case "$w" in ''|0|*wait_for_more_packets*)
      # nft monitor: subscribed to NETLINK_NETFILTER (12), or gone (not root, an nft that cannot): without it
      case "$NL_N" in
        -) echo "NLWATCH ready $NL_W -"; break ;;
        *) if ! kill -0 "$NL_N" 2>/dev/null; then echo "NLWATCH ready $NL_W -"; NL_N=-; break; fi
           if awk -v p="$NL_N" '$2 == 12 && $3 == p && $4 != "00000000" { f = 1 } END { exit !f }' /proc/net/netlink 2>/dev/null; then echo "NLWATCH ready $NL_W $NL_N"; break; fi
           # not subscribed in 3 s: watch without it (the firewall is then read every time)
           if [ "$n" -ge ${NFT_READY_TRIES} ]; then kill "$NL_N" 2>/dev/null; NL_N=-; echo "NLWATCH ready $NL_W -"; break; fi ;;
      esac ;;
    esac
  fi
  n=$((n + 1))
  if [ "$n" -ge ${READY_TRIES} ]; then echo 'NLWATCH not-ready ip monitor did not subscribe within 5 s'; kill "$NL_W" 2>/dev/null; break; fi
  sleep 0.05
done
wait "$NL_W"
s=$?
# the watch ends with ip monitor: nft monitor must not hold the output open
case "$NL_N" in -) ;; *) kill "$NL_N" 2>/dev/null ;; esac
echo "NLWATCH exit $s"
`;

/**
 * The NETLINK_ROUTE socket of process `pid` in /proc/PID/net/netlink (its namespace's table):
 * `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`, the row whose port id is the pid (the
 * kernel gives a process's first socket its pid) and whose groups are bound. Null when unreadable.
 */
export function netlinkRow(table: string, pid: number, protocol = 0): { rmem: number; drops: number } | null {
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === String(protocol) && f[2] === String(pid) && f[3] !== '00000000' && /^\d+$/.test(f[4] ?? '') && /^\d+$/.test(f[8] ?? '')) return { rmem: Number(f[4]), drops: Number(f[8]) };
  }
  return null;
}

/** netlink protocols in /proc/net/netlink's Eth column */
const ROUTE = 0;
const NETFILTER = 12;

// Read synchronously, not through libuv's thread pool: a few hundred bytes of /proc each, while the
// engine's answers keep the event loop busy (each await there cost a refresh milliseconds).
function netlinkSocket(pid: number, protocol: number): { rmem: number; drops: number } | null {
  try {
    return netlinkRow(readFileSync(`/proc/${pid}/net/netlink`, 'utf8'), pid, protocol);
  } catch {
    return null;
  }
}

function wchan(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

class Window implements WatchWindow {
  spoiled: string | null;
  readonly host = new Set<string>();
  readonly nsids = new Set<number>();
  constructor(
    spoiled: string | null,
    private readonly onClose: (w: Window) => void,
  ) {
    this.spoiled = spoiled;
  }
  add(e: MonitorEvent): void {
    if (this.spoiled) return;
    if (e.ns === 'current') this.host.add(e.kind);
    else this.nsids.add(e.ns);
    // an nsid line of this namespace names one of its nsids; another namespace's names its own, not ours
    if (e.nsid !== undefined && e.ns === 'current') this.nsids.add(e.nsid);
    if (this.nsids.size > MAX_NSIDS) this.spoil(`more than ${MAX_NSIDS} namespaces changed`);
  }
  spoil(why: string): void {
    if (this.spoiled) return;
    this.spoiled = why;
    this.host.clear();
    this.nsids.clear();
  }
  close(): void {
    this.onClose(this);
  }
}

export type WatchState = 'starting' | 'ready' | 'down' | 'disposed';

/**
 * The watcher of one host shell. `start` is idempotent; `open` gives a window; `dispose` kills the
 * watcher's whole process group (the shell's stream run) and ends restarts.
 */
export class KernelWatch {
  private state: WatchState = 'down';
  private readonly windows = new Set<Window>();
  private run: { readonly abort: AbortController; readonly prefixKey: string } | null = null;
  private pending = '';
  private readyAt = 0;
  private backoff: number = RESTART_BACKOFF_MS[0];
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters = new Set<() => void>();
  /**
   * ip monitor's pid (the script's `NLWATCH ready PID NFTPID`) and its socket's Drops when it
   * subscribed; nft monitor's alike, null when it does not run (then the firewall is never vouched for)
   */
  private monitor: { pid: number; drops: number | null; nft: { pid: number; drops: number | null } | null } | null = null;

  constructor(
    private readonly shell: HostShell,
    private readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void,
  ) {}

  get status(): WatchState {
    return this.state;
  }

  /** Starts the watcher unless it runs or is waiting to restart. */
  start(): void {
    if (this.state === 'disposed' || this.run || this.restartTimer || !this.shell.stream) return;
    const abort = new AbortController();
    const prefixKey = this.prefixKey();
    this.run = { abort, prefixKey };
    this.state = 'starting';
    this.pending = '';
    this.log('debug', `kernel watcher: starting ip monitor (${this.shell.target})`);
    this.shell
      .stream(WATCH_SCRIPT, (chunk) => this.onData(chunk), abort.signal)
      .then(
        (r) => this.ended(abort, `ended with status ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`),
        (e: unknown) => this.ended(abort, errorMessage(e)),
      );
  }

  /** Resolves when the watcher is subscribed, or after `ms`, whichever is first. */
  whenReady(ms: number): Promise<void> {
    if (this.state === 'ready' || this.state === 'disposed' || !this.shell.stream) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.readyWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.readyWaiters.add(done);
    });
  }

  /**
   * A window collecting every change from now on. It is spoiled at once when the watcher is not
   * subscribed now, or runs where the shell no longer does (the engine's namespace moved): that
   * watcher is then restarted.
   */
  open(): WatchWindow {
    let why: string | null = null;
    if (this.state !== 'ready') why = `the kernel watcher is ${this.state === 'starting' ? 'still starting' : 'not running'}`;
    else if (this.run && this.run.prefixKey !== this.prefixKey()) {
      why = 'the host shell moved to another namespace than the kernel watcher watches';
      this.restartNow(why);
    }
    const w = new Window(why, (x) => this.windows.delete(x));
    if (!why) this.windows.add(w);
    // without nft monitor nobody hears the firewall: as if it changed
    if (!why && !this.monitor?.nft) w.add({ ns: 'current', kind: FIREWALL });
    return w;
  }

  /**
   * Waits until the watcher has printed all the kernel queued for it (see the top of this file) and
   * what it printed is taken in, for at most `ms`. False when that cannot be told (no /proc to read,
   * not subscribed) or did not happen in time: the caller then cannot rule out a change it has not
   * heard of yet.
   */
  async settle(ms = SETTLE_MS): Promise<boolean> {
    const end = Date.now() + ms;
    let firewallSettled = false;
    for (;;) {
      const monitor = this.monitor;
      if (this.state !== 'ready' || !monitor || this.shell.transport !== 'local') {
        this.firewallUnheard('the kernel watcher cannot tell that nft monitor printed all it was sent');
        return false;
      }
      const socket = netlinkSocket(monitor.pid, ROUTE);
      if (socket && monitor.drops === null) monitor.drops = socket.drops;
      if (socket && monitor.drops !== null && socket.drops > monitor.drops) {
        this.spoilAll(`the kernel dropped ${socket.drops - monitor.drops} messages for the watcher (netlink Drops)`);
        monitor.drops = socket.drops;
      }
      const waiting = socket !== null && socket.rmem === 0 && /wait_for_more_packets/.test(wchan(monitor.pid));
      if (!firewallSettled) firewallSettled = this.firewallSettled(monitor);
      // What ip (and nft) wrote before going back to waiting is in the pipe: the event loop reads it
      // in its poll phase. Two immediates span one whole turn, poll phase included, from any phase
      // this runs in (the /proc reads above are synchronous and give the loop no turn of their own).
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (waiting && firewallSettled) return this.state === 'ready' && this.monitor === monitor;
      if (socket === null || Date.now() >= end) {
        if (!firewallSettled) this.firewallUnheard('nft monitor did not settle in time');
        return waiting && this.state === 'ready' && this.monitor === monitor;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Whether nft monitor has printed all the kernel sent it: its NETLINK_NETFILTER socket's queue is
   * empty and it polls again. Its socket gone (nft ended) or Drops grown means ruleset changes may
   * have gone unheard: every window counts the firewall as changed, and the firewall is no longer
   * watched. True also when nft monitor does not run (the windows count the firewall changed).
   */
  private firewallSettled(monitor: NonNullable<KernelWatch['monitor']>): boolean {
    const nft = monitor.nft;
    if (!nft) return true;
    const socket = netlinkSocket(nft.pid, NETFILTER);
    if (socket === null) {
      monitor.nft = null;
      this.firewallUnheard('nft monitor ended');
      this.log('warn', 'kernel watcher: nft monitor ended; the firewall is read on every refresh');
      return true;
    }
    if (nft.drops === null) nft.drops = socket.drops;
    if (socket.drops > nft.drops) {
      this.firewallUnheard(`the kernel dropped ${socket.drops - nft.drops} messages for nft monitor (netlink Drops)`);
      nft.drops = socket.drops;
    }
    return socket.rmem === 0 && /poll_schedule_timeout|do_select|ep_poll|wait_for_more_packets/.test(wchan(nft.pid));
  }

  /** Every open window counts the firewall as changed (`why` is for the log). */
  private firewallUnheard(why: string): void {
    if (this.windows.size) this.log('debug', `kernel watcher: firewall read again: ${why}`);
    for (const w of this.windows) w.add({ ns: 'current', kind: FIREWALL });
  }

  async dispose(): Promise<void> {
    this.state = 'disposed';
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.spoilAll('the session ended');
    this.run?.abort.abort();
    this.run = null;
    for (const done of [...this.readyWaiters]) done();
  }

  private prefixKey(): string {
    return (this.shell.prefix ?? []).join(' ');
  }

  private restartNow(why: string): void {
    this.spoilAll(why);
    const run = this.run;
    this.run = null;
    this.monitor = null;
    this.state = 'down';
    run?.abort.abort();
    this.start();
  }

  private spoilAll(why: string): void {
    for (const w of this.windows) w.spoil(why);
    this.windows.clear();
  }

  private onData(chunk: Buffer): void {
    this.pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.onLine(line);
    }
    if (this.pending.length > MAX_LINE) {
      this.pending = '';
      this.spoilAll(`the kernel watcher printed a line longer than ${MAX_LINE} bytes`);
    }
  }

  private onLine(line: string): void {
    if (!line) return;
    const parsed = parseMonitorLine(line);
    if (parsed === null) {
      this.log('warn', `kernel watcher: not understood, every window read in full: ${line.slice(0, 200)}`);
      this.spoilAll(`the kernel watcher said: ${line.slice(0, 200)}`);
      return;
    }
    if ('control' in parsed) {
      if (parsed.control === 'ready') {
        this.state = 'ready';
        this.readyAt = Date.now();
        const [ip, nft] = parsed.detail.split(' ').map((x) => (/^\d+$/.test(x) ? Number(x) : null));
        this.monitor = ip && ip > 1 ? { pid: ip, drops: null, nft: nft && nft > 1 ? { pid: nft, drops: null } : null } : null;
        this.log('info', `kernel watcher: ip monitor subscribed (${this.shell.target})${this.monitor?.nft ? ', nft monitor too' : '; no nft monitor: the firewall is read on every refresh'}`);
        for (const done of [...this.readyWaiters]) done();
      } else this.log('warn', `kernel watcher: ${parsed.control} ${parsed.detail}`);
      // `exit` is followed by the end of the run (ended below)
      return;
    }
    for (const w of this.windows) w.add(parsed);
  }

  private ended(abort: AbortController, why: string): void {
    // a run we replaced or disposed: its end is already accounted for
    if (this.run?.abort !== abort) return;
    this.run = null;
    this.monitor = null;
    this.spoilAll(`the kernel watcher ended (${why})`);
    if (this.state === 'disposed') return;
    const steady = this.state === 'ready' && Date.now() - this.readyAt >= STEADY_MS;
    this.state = 'down';
    if (steady) this.backoff = RESTART_BACKOFF_MS[0];
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RESTART_BACKOFF_MS[1]);
    this.log('warn', `kernel watcher ended (${why}); refreshes read everything until it runs again; restarting in ${wait / 1000} s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, wait);
    this.restartTimer.unref?.();
  }
}
