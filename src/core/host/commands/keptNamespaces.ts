/**
 * A refresh after engine events re-reads only the container namespaces those events touched. The
 * others are kept from the earlier read when the kernel confirms that nothing replaced them: the
 * same process is still in the same namespace (its inode, `ls -l /proc/PID/ns/net`). The awk then
 * answers `K PID ID INODE` (netnsRead.ts) and this module puts the earlier read's records of that
 * namespace in its place, so the one parser reads a whole section as if it had all been read now.
 */
import type { BatchPart, BatchSection } from '../batch';
import type { KeptNamespace } from './containerNamespaces';
import { NETNS_SOCKET_FILES } from './netnsRead';
import { parseDockerProxies, parseProcesses } from './containerNamespaces';

const PID = /^\d+$/;
const HEADS = new Set(['N', 'I', 'E', 'F', 'S']);

/** The PID a record line of the `netns` part belongs to (`=` and `H` lines belong to the run that printed them). */
function pidOf(line: string): string | null {
  const f = line.split(' ', 3);
  if (PID.test(f[0] ?? '')) return f[0]!;
  return HEADS.has(f[0] ?? '') && PID.test(f[1] ?? '') ? f[1]! : null;
}

function isSocketRecord(line: string): boolean {
  const f = line.split(' ', 3);
  const table = PID.test(f[0] ?? '') ? f[1] : f[0] === 'E' ? f[2] : undefined;
  return table !== undefined && NETNS_SOCKET_FILES.includes(table);
}

function netnsText(s: BatchSection): string | undefined {
  return s.parts.find((p) => p.name === 'netns')?.text;
}

/**
 * The namespaces of an earlier `container-netns` section that may be kept: read to the end there
 * (`F`, or `S` with its nsenter read and no error), every file readable, and not of a container in
 * `reread` (one an engine event touched since), and whose netnsid (its `I` record, null without
 * one) `keepNsid` accepts when given (the kernel watcher heard no change there).
 */
/** What a section's records say of each namespace, worked out once per section (a refresh asks several times). */
interface Records {
  readonly read: ReadonlyMap<string, { id: string; inode: number }>;
  readonly done: ReadonlySet<string>;
  readonly spoiled: ReadonlySet<string>;
  readonly nsids: ReadonlyMap<string, number>;
}
const recordsMemo = new WeakMap<BatchSection, Records | null>();

function recordsOf(section: BatchSection): Records | null {
  if (recordsMemo.has(section)) return recordsMemo.get(section)!;
  const text = netnsText(section);
  let out: Records | null = null;
  if (text !== undefined) {
    const read = new Map<string, { id: string; inode: number }>();
    const done = new Set<string>();
    const spoiled = new Set<string>();
    const nsids = new Map<string, number>();
    const partNames = new Set(section.parts.map((p) => p.name));
    for (const line of text.split('\n')) {
      const f = line.split(' ');
      if (f[0] === 'I' && PID.test(f[1] ?? '') && PID.test(f[2] ?? '')) nsids.set(f[1]!, Number(f[2]));
      if (f[0] === 'N' && PID.test(f[1] ?? '') && PID.test(f[3] ?? '')) read.set(f[1]!, { id: f[2] ?? '', inode: Number(f[3]) });
      else if (f[0] === 'F' && PID.test(f[1] ?? '')) done.add(f[1]!);
      else if (f[0] === 'S' && PID.test(f[1] ?? '')) {
        const pid = f[1]!;
        if (partNames.has(`ctr:${f[2]}:${pid}:nsenter`) && !partNames.has(`ctr:${f[2]}:${pid}:nsenter-error`)) done.add(pid);
      } else if (f[0] === 'E' && PID.test(f[1] ?? '') && !NETNS_SOCKET_FILES.includes(f[2] ?? '')) spoiled.add(f[1]!);
    }
    out = { read, done, spoiled, nsids };
  }
  recordsMemo.set(section, out);
  return out;
}

export function keepableNamespaces(previous: BatchSection, reread: ReadonlySet<string>, keepNsid?: (nsid: number | null) => boolean): KeptNamespace[] {
  const r = recordsOf(previous);
  if (!r) return [];
  return [...r.read]
    .filter(([pid, n]) => r.done.has(pid) && !r.spoiled.has(pid) && !reread.has(n.id) && (!keepNsid || keepNsid(r.nsids.get(pid) ?? null)))
    .map(([pid, n]) => ({ pid: Number(pid), inode: n.inode }));
}

/**
 * What to check for an earlier `container-netns` section to stand whole (containerNetnsUnchangedCommand):
 * each namespace it read, by its process and inode, and each docker-proxy with its namespace. Null
 * when that read is not whole — a namespace not read to the end or with an unreadable file, a
 * proxy whose namespace it could not read — or had no container at all (a read that found none
 * says nothing about what runs now; reading again is cheap then).
 */
export function unchangedCheck(previous: BatchSection): KeptNamespace[] | null {
  if (!checkMemo.has(previous)) checkMemo.set(previous, computeUnchangedCheck(previous));
  return checkMemo.get(previous)!;
}
const checkMemo = new WeakMap<BatchSection, KeptNamespace[] | null>();

function computeUnchangedCheck(previous: BatchSection): KeptNamespace[] | null {
  const records = recordsOf(previous);
  const keep = keepableNamespaces(previous, new Set());
  if (!records || records.read.size === 0 || keep.length !== records.read.size) return null;
  let proxies: number[];
  try {
    proxies = parseDockerProxies(parseProcesses(previous.stdout)).map((p) => p.pid);
  } catch {
    return null;
  }
  const proxyNetns = new Map<number, number>();
  for (const line of (previous.parts.find((p) => p.name === 'proxy-netns')?.text ?? '').split('\n')) {
    const m = /^(\d+) net:\[(\d+)\]$/.exec(line.trim());
    if (m) proxyNetns.set(Number(m[1]), Number(m[2]));
  }
  if (proxies.some((pid) => !proxyNetns.has(pid))) return null;
  return [...keep, ...proxies.map((pid) => ({ pid, inode: proxyNetns.get(pid)! }))];
}

/**
 * The earlier section as a read without socket tables keeps it (spliceKeptNamespaces' rule): the
 * same object when it has none, so what was parsed of it can be used again.
 */
export function withoutSocketRecords(previous: BatchSection): BatchSection {
  let out = withoutMemo.get(previous);
  if (!out) {
    const text = netnsText(previous);
    const lines = text?.split('\n') ?? [];
    out = text === undefined || !lines.some(isSocketRecord) ? previous : { ...previous, parts: previous.parts.map((p) => (p.name === 'netns' ? { name: 'netns', text: lines.filter((l) => !isSocketRecord(l)).join('\n') } : p)) };
    withoutMemo.set(previous, out);
    // what is kept next time is this one: it needs no filtering
    withoutMemo.set(out, out);
  }
  return out;
}
const withoutMemo = new WeakMap<BatchSection, BatchSection>();

/** The netnsids the host gave the namespaces of a `container-netns` section (their `I` records). */
export function namespaceNsids(section: BatchSection): Set<number> {
  return new Set(recordsOf(section)?.nsids.values() ?? []);
}

/**
 * `current` with each `K` line replaced by what `previous` read of that namespace (and its nsenter
 * parts). Without `sockets`, socket-table records of the earlier read are left out: who listens is
 * then unknown for that namespace, as for one read now without them, not an old answer.
 */
export function spliceKeptNamespaces(current: BatchSection, previous: BatchSection, sockets: boolean): BatchSection {
  const text = netnsText(current);
  if (text === undefined || !/^K /m.test(text)) return current;
  const before = new Map<string, string[]>();
  for (const line of (netnsText(previous) ?? '').split('\n')) {
    const pid = pidOf(line);
    if (pid === null || (!sockets && isSocketRecord(line))) continue;
    const list = before.get(pid) ?? [];
    list.push(line);
    before.set(pid, list);
  }
  const keptPids = new Set<string>();
  const lines = text.split('\n').flatMap((line) => {
    const f = line.split(' ');
    if (f[0] !== 'K') return [line];
    const pid = f[1] ?? '';
    const earlier = before.get(pid);
    // the awk keeps only what the caller offered, so an earlier read is always there; if it were
    // not, the K line stays and the parser says so
    if (!earlier) return [line];
    keptPids.add(pid);
    return earlier;
  });
  const parts: BatchPart[] = current.parts.map((p) => (p.name === 'netns' ? { name: 'netns', text: lines.join('\n') } : p));
  for (const p of previous.parts) {
    const m = /^ctr:[0-9a-f]+:(\d+):nsenter$/.exec(p.name);
    if (m && keptPids.has(m[1]!)) parts.push(p);
  }
  return { ...current, parts };
}

/** How many namespaces a spliced section kept (its `K` lines before splicing). */
export function keptCount(current: BatchSection): number {
  return (netnsText(current)?.match(/^K /gm) ?? []).length;
}
