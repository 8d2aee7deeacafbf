/**
 * Turns the container-netns section's parts into ContainerNetns records. The `netns` part is
 * the one host-side read of every namespace (netnsRead.ts); a namespace it could not fully describe
 * has `ctr:ID:PID:nsenter` parts with `ip -json` output, used instead where they came back. Each
 * fact is known or unknown on its own. Recordings made before the host-side read (per-container
 * `proc:FILE` / `sys` parts and one `sockets` grep) still parse.
 */
import type { BatchPart } from '../batch';
import type { ContainerNetns, NetnsFacts } from '../types';
import type { Known } from '../../known';
import { unknown } from '../../known';
import { errorMessage } from '../../errors';
import { attempt, parseNetnsBatch } from './netnsBatch';
import { listenersFromTables, socketTextByPid } from './procNetSockets';
import {
  interfacesFromProc,
  parseFibTrie,
  parseIfInet6,
  parseProcNetArp,
  parseProcNetIpv6Route,
  parseProcNetRoute,
  parseSysClassNet,
} from './procNet';
import { NETNS_SOCKET_FILES, parseNetnsRead } from './netnsRead';
import { LISTENERS_NOT_READ } from './containerListeners';
import type { NetnsRead } from './netnsRead';

const PART = /^ctr:([0-9a-f]{64}):(\d+):(nsenter|nsenter-error|sys|proc:[a-z0-9_]+)$/;

interface Gathered {
  pid: number;
  nsenter?: string;
  nsenterError?: string;
  sys?: string;
  proc: Map<string, string>;
}

/** The host's own facts, for containers on `--network host` (their namespace is the host's). */
export type HostNetnsFacts = NetnsFacts;

export function parseContainerNetns(parts: readonly BatchPart[], host?: HostNetnsFacts): Record<string, ContainerNetns> {
  return joinHostNetns(readContainerNetns(parts), host);
}

/**
 * The section's parts alone, without the host's facts: a container on `--network host` has its
 * facts unknown here, until joinHostNetns gives it the host's. Apart so that the costly part can
 * be parsed as soon as the section arrives, while the host's own sections are still being read.
 */
export function readContainerNetns(parts: readonly BatchPart[]): Record<string, ContainerNetns> {
  const byId = new Map<string, Gathered>();
  for (const p of parts) {
    const m = PART.exec(p.name);
    if (!m) continue;
    const [, id, pid, kind] = m as unknown as [string, string, string, string];
    const g = byId.get(id) ?? { pid: Number(pid), proc: new Map<string, string>() };
    byId.set(id, g);
    if (kind === 'nsenter') g.nsenter = p.text;
    else if (kind === 'nsenter-error') g.nsenterError = p.text.trim();
    else if (kind === 'sys') g.sys = p.text;
    else g.proc.set(kind.slice('proc:'.length), p.text);
  }
  const readPart = parts.find((p) => p.name === 'netns');
  if (readPart) return fromHostSideRead(readPart.text, byId);

  // one grep read every container's socket tables; a recording made before that has no such part
  const socketPart = parts.find((p) => p.name === 'sockets');
  const sockets = socketPart ? attempt(() => socketTextByPid(socketPart.text)) : null;
  const out: Record<string, ContainerNetns> = {};
  for (const [containerId, g] of byId) {
    const facts = g.nsenterError === undefined ? parseNetnsBatch(g.nsenter ?? '', nsenterWhat(g.pid)) : fromProc(g);
    const what = `/proc/${g.pid}/net/{tcp,tcp6,udp,udp6}`;
    const listeners = !sockets ? {} : { listeners: sockets.known ? attempt(() => listenersFromTables(sockets.value.get(g.pid) ?? '', what)) : unknown(`${what}: ${sockets.reason}`) };
    out[containerId] = { containerId, pid: g.pid, ...facts, ...listeners };
  }
  return out;
}

const nsenterWhat = (pid: number) => `nsenter -t ${pid} -n ip -json -d -batch`;

/** What readContainerNetns gave, with the host's facts for the containers whose namespace is the host's. */
export function joinHostNetns(read: Record<string, ContainerNetns>, host: HostNetnsFacts | undefined): Record<string, ContainerNetns> {
  if (!host) return read;
  const out: Record<string, ContainerNetns> = {};
  for (const [id, c] of Object.entries(read)) {
    out[id] = c.source !== 'host' ? c : { ...c, interfaces: host.interfaces, routes: host.routes, neighbours: host.neighbours, ...(host.listeners ? { listeners: host.listeners } : {}) };
  }
  return out;
}

function fromHostSideRead(text: string, nsenter: ReadonlyMap<string, Gathered>): Record<string, ContainerNetns> {
  let reads: NetnsRead[];
  try {
    reads = parseNetnsRead(text);
  } catch (e) {
    // the read as a whole is unusable: the namespaces nsenter read still stand
    const reason = errorMessage(e);
    const out: Record<string, ContainerNetns> = {};
    for (const [containerId, g] of nsenter) {
      const facts: NetnsFacts = g.nsenterError === undefined ? parseNetnsBatch(g.nsenter ?? '', nsenterWhat(g.pid)) : { interfaces: unknown(reason), routes: unknown(reason), neighbours: unknown(reason) };
      out[containerId] = { containerId, pid: g.pid, ...facts, listeners: unknown(reason) };
    }
    return out;
  }
  const out: Record<string, ContainerNetns> = {};
  const byPid = new Map<number, ContainerNetns>();
  for (const r of reads) {
    if (r.kind !== 'read') continue;
    const g = nsenter.get(r.containerId);
    let facts: NetnsFacts;
    let source: ContainerNetns['source'];
    if (g && g.nsenterError === undefined && g.nsenter !== undefined) {
      facts = parseNetnsBatch(g.nsenter, nsenterWhat(r.pid));
      source = 'nsenter';
    } else if (r.incomplete === null) {
      facts = procFacts(r, null);
      source = 'proc';
    } else {
      facts = procFacts(r, `${r.incomplete}, and nsenter failed (${g?.nsenterError || 'it did not run'}); read /proc/${r.pid}/net and its sysfs instead`);
      source = 'proc-fallback';
    }
    const rec: ContainerNetns = {
      containerId: r.containerId,
      pid: r.pid,
      ...facts,
      listeners: r.socketsRead ? socketListeners(r) : unknown(LISTENERS_NOT_READ),
      source,
      ...(r.inode !== null ? { netnsInode: r.inode } : {}),
    };
    out[r.containerId] = rec;
    byPid.set(r.pid, rec);
  }
  for (const r of reads) {
    if (r.kind === 'host') {
      // joinHostNetns gives it the host's facts
      const why = unknown("its namespace is the host's, and the host's facts were not given");
      out[r.containerId] = { containerId: r.containerId, pid: r.pid, interfaces: why, routes: why, neighbours: why, source: 'host' };
    } else if (r.kind === 'shared') {
      const owner = r.ownerPid === null ? undefined : byPid.get(r.ownerPid);
      const why: Known<never> = unknown(`its namespace is that of PID ${r.ownerPid}, which was not read`);
      out[r.containerId] = owner
        ? { ...owner, containerId: r.containerId, pid: r.pid, source: 'shared' }
        : { containerId: r.containerId, pid: r.pid, interfaces: why, routes: why, neighbours: why, source: 'shared' };
    }
  }
  return out;
}

/** Interfaces, routes and neighbours from what the host-side read found; `fallbackWhy` marks a degraded read. */
function procFacts(r: NetnsRead, fallbackWhy: string | null): NetnsFacts {
  const file = (f: string) => r.files.get(f) ?? '';
  const prefix = fallbackWhy ? `${fallbackWhy}: ` : '';
  const missing = (f: string) => (r.unreadable.has(f) || !r.files.has(f) ? unknown<never>(`${prefix}/proc/${r.pid}/net/${f} could not be read`) : null);
  const v4 = missing('route') ?? attempt(() => parseProcNetRoute(file('route')));
  // a kernel without IPv6 has no ipv6_route: no IPv6 routes, not unknown ones
  const v6 = r.unreadable.has('ipv6_route') ? attempt(() => []) : attempt(() => parseProcNetIpv6Route(file('ipv6_route')));
  const routes = v4.known && v6.known ? { known: true as const, value: [...v4.value, ...v6.value] } : unknown(`${prefix}${!v4.known ? v4.reason : !v6.known ? v6.reason : ''}`);
  const sysComplete = r.sys.size > 0 && r.devs.every((d) => r.sys.get(d)?.has('ifindex'));
  const interfaces = !sysComplete
    ? unknown(`${prefix}/proc/${r.pid}/root/sys/class/net is not readable`)
    : missing('fib_trie') ??
      attempt(() =>
        interfacesFromProc(r.sys, v4.known ? v4.value : parseProcNetRoute(file('route')), parseFibTrie(file('fib_trie')), r.unreadable.has('if_inet6') ? [] : parseIfInet6(file('if_inet6')), {
          kinds: r.kinds,
          ...(fallbackWhy ? {} : { details: {} }),
        }),
      );
  const neighbours = missing('arp') ?? attempt(() => parseProcNetArp(file('arp')));
  return { interfaces, routes, neighbours };
}

function socketListeners(r: NetnsRead) {
  const what = `/proc/${r.pid}/net/{tcp,tcp6,udp,udp6}`;
  return attempt(() => listenersFromTables(NETNS_SOCKET_FILES.map((f) => r.files.get(f) ?? '').join(''), what));
}

function fromProc(g: Gathered): NetnsFacts {
  const why = `nsenter failed (${g.nsenterError || 'no message'}); read /proc/${g.pid}/net instead`;
  const routeText = g.proc.get('route') ?? '';
  const v4 = attempt(() => parseProcNetRoute(routeText));
  const v6 = attempt(() => parseProcNetIpv6Route(g.proc.get('ipv6_route') ?? ''));
  const routes = v4.known && v6.known ? { known: true as const, value: [...v4.value, ...v6.value] } : unknown(`${why}: ${!v4.known ? v4.reason : !v6.known ? v6.reason : ''}`);
  const sysText = g.sys ?? '';
  const interfaces = sysText.trim() === ''
    ? unknown(`${why}: /proc/${g.pid}/root/sys/class/net is not readable`)
    : attempt(() => interfacesFromProc(parseSysClassNet(sysText), v4.known ? v4.value : parseProcNetRoute(routeText), parseFibTrie(g.proc.get('fib_trie') ?? ''), parseIfInet6(g.proc.get('if_inet6') ?? '')));
  const neighbours = attempt(() => parseProcNetArp(g.proc.get('arp') ?? ''));
  return { interfaces, routes, neighbours };
}
