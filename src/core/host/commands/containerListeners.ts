/**
 * Who listens in chosen container namespaces, read when asked (a trace reaching a container, a
 * container's pane, `netlens topology --listeners`) rather than on every refresh: the kernel builds
 * /proc/PID/net/{tcp,tcp6} by scanning its whole established-connection hash (262144 buckets on a
 * 24 GB machine) and {udp,udp6} its whole UDP hash, once per namespace and table — several times what
 * reading everything else of a namespace costs. One awk reads the tables of every namespace asked
 * for, in one round trip.
 *
 * A PID can outlive its container and be reused: each target carries the namespace inode the
 * snapshot saw (`ls -l /proc/PID/ns/net`), and a PID now in another namespace gives no answer.
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { Listener } from '../types';
import type { Known } from '../../known';
import { unknown } from '../../known';
import { parseError } from '../ipJson';
import { attempt } from './netnsBatch';
import { listenersFromTables } from './procNetSockets';
import { NS_LINK_RULE, SOCKET_TABLE_FUNCTION } from './netnsRead';

/** The reason a snapshot gives for the listeners it left out, a container's or the host's own (see above). */
export const LISTENERS_NOT_READ =
  "not read in this refresh: each namespace's socket tables cost the kernel a scan of its whole TCP and UDP hashes, so netlens reads them when a trace or its pane asks (netlens topology --listeners reads them all)";

/** Whose listeners to read now (Session.readListeners): containers by id, and the host's own. */
export interface ListenersAsked {
  readonly containers: readonly string[];
  readonly host?: boolean;
}

export function listenersNotRead(k: Known<unknown> | undefined): boolean {
  return !!k && !k.known && k.reason === LISTENERS_NOT_READ;
}

export interface ListenerTarget {
  readonly containerId: string;
  readonly pid: number;
  /** the namespace inode the snapshot saw; null where it was not known (then the PID is trusted) */
  readonly netnsInode: number | null;
}

export const CONTAINER_LISTENERS_AWK = String.raw`
${SOCKET_TABLE_FUNCTION}
$0 == "@ns" || $0 == "@t" { sec = $0; next }
${NS_LINK_RULE}
sec == "@t" { if ($1 ~ /^[0-9]+$/) { n++; tp[n] = $1; ti[n] = $2 } next }
END {
  for (c = 1; c <= n; c++) {
    p = tp[c]
    if (ti[c] != "-" && ino[p] != ti[c]) { print "X", p; continue }
    sockets_of(p)
  }
}`;

/** `PID INODE` (or `PID -`) per target, for a script to read: numbers only reach it. */
export function targetLines(targets: readonly ListenerTarget[]): string[] {
  return targets
    .filter((t) => Number.isSafeInteger(t.pid) && t.pid > 0)
    .map((t) => `${t.pid} ${t.netnsInode !== null && Number.isSafeInteger(t.netnsInode) ? t.netnsInode : '-'}`);
}

export function containerListenersCommand(targets: readonly ListenerTarget[]): BatchCommand {
  const lines = targetLines(targets);
  return {
    name: 'container-listeners',
    requires: ['awk'],
    script: `NL_T='${lines.join('\n')}'
[ -n "$NL_T" ] || exit 0
set -f
{ echo @ns; ls -l $(printf '%s\\n' "$NL_T" | awk '{ print "/proc/" $1 "/ns/net" }') 2>/dev/null; echo @t; printf '%s\\n' "$NL_T"; } | awk '${CONTAINER_LISTENERS_AWK}'`,
  };
}

const WHAT = 'the read of container socket tables (/proc/PID/net/{tcp,tcp6,udp,udp6})';

/** Each target's listeners, known or unknown with the reason. */
export function parseContainerListeners(section: BatchSection, targets: readonly ListenerTarget[]): Record<string, Known<readonly Listener[]>> {
  const text = new Map<number, string[]>();
  const moved = new Set<number>();
  for (const line of section.stdout.split('\n')) {
    if (line === '') continue;
    const m = /^(\d+) (tcp|tcp6|udp|udp6) (.*)$/.exec(line);
    if (m) {
      const pid = Number(m[1]);
      text.set(pid, [...(text.get(pid) ?? []), m[3] ?? '']);
      continue;
    }
    const x = /^X (\d+)$/.exec(line);
    if (x) {
      moved.add(Number(x[1]));
      continue;
    }
    // an unreadable table: listenersFromTables names the missing ones
    if (/^E \d+ (tcp|tcp6|udp|udp6)$/.test(line)) continue;
    throw parseError(WHAT, 'unrecognised line', line);
  }
  const out: Record<string, Known<readonly Listener[]>> = {};
  for (const t of targets) {
    const what = `/proc/${t.pid}/net/{tcp,tcp6,udp,udp6}`;
    if (moved.has(t.pid)) out[t.containerId] = unknown(`${what}: PID ${t.pid} is no longer in the namespace the snapshot read (the container stopped or restarted)`);
    else out[t.containerId] = attempt(() => listenersFromTables(`${(text.get(t.pid) ?? []).join('\n')}\n`, what));
  }
  return out;
}
