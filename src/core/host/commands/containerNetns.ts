/**
 * Turns the per-container parts of the processes section into ContainerNetns records: the nsenter
 * JSON where it came back, else the /proc and /sys fallback, each fact known or unknown on its own.
 */
import type { BatchPart } from '../batch';
import type { ContainerNetns, NetnsFacts } from '../types';
import { unknown } from '../../known';
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

const PART = /^ctr:([0-9a-f]{64}):(\d+):(nsenter|nsenter-error|sys|proc:[a-z0-9_]+)$/;

interface Gathered {
  pid: number;
  nsenter?: string;
  nsenterError?: string;
  sys?: string;
  proc: Map<string, string>;
}

export function parseContainerNetns(parts: readonly BatchPart[]): Record<string, ContainerNetns> {
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
  // one grep read every container's socket tables; a recording made before that has no such part
  const socketPart = parts.find((p) => p.name === 'sockets');
  const sockets = socketPart ? attempt(() => socketTextByPid(socketPart.text)) : null;
  const out: Record<string, ContainerNetns> = {};
  for (const [containerId, g] of byId) {
    const facts = g.nsenterError === undefined ? parseNetnsBatch(g.nsenter ?? '', `nsenter -t ${g.pid} -n ip -json -d -batch`) : fromProc(g);
    const what = `/proc/${g.pid}/net/{tcp,tcp6,udp,udp6}`;
    const listeners = !sockets ? {} : { listeners: sockets.known ? attempt(() => listenersFromTables(sockets.value.get(g.pid) ?? '', what)) : unknown(`${what}: ${sockets.reason}`) };
    out[containerId] = { containerId, pid: g.pid, ...facts, ...listeners };
  }
  return out;
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
