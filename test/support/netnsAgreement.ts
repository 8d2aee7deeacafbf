/**
 * Holds what the host-side read of a namespace (/proc and sysfs) made against what `ip -json`
 * says from inside the same namespace, fact by fact, and lists every disagreement. What /proc
 * cannot carry is left out on purpose, and only that: the container-side link_netnsid, IPv4 routes
 * of tables other than main (the local table's local/broadcast entries), route protocol, scope and
 * source, neighbour states beyond complete/permanent, and IPv6 neighbours.
 */
import type { NetInterface, NetnsFacts, Neighbour, Route } from '../../src/core/host/types';

const ifaceKey = (i: NetInterface): string =>
  [
    i.index,
    i.name,
    i.kind,
    i.rawKind,
    i.master,
    i.mac,
    i.mtu,
    i.state,
    i.flags.join(','),
    i.linkIndex,
    JSON.stringify(i.details),
    i.addresses.map((a) => `${a.family} ${a.address}/${a.prefixLen} ${a.scope} brd ${a.broadcast}`).join(' | '),
  ].join(' ');

const routeKey = (r: Route): string => `${r.family} ${r.table} ${r.type} ${r.dst} via ${r.gateway} dev ${r.dev} metric ${r.metric ?? 0}`;
const comparableRoute = (r: Route): boolean => r.family === 'inet6' || r.table === 'main';
const neighKey = (n: Neighbour): string => `${n.dst} ${n.dev} ${n.lladdr}`;
const comparableNeigh = (n: Neighbour): boolean => !n.dst.includes(':') && n.lladdr !== null;

function diff(what: string, ours: readonly string[], theirs: readonly string[]): string[] {
  const a = [...ours].sort();
  const b = [...theirs].sort();
  if (a.join('\n') === b.join('\n')) return [];
  return [`${what}:\n  host-side read: ${a.join('\n                  ')}\n  ip -json:       ${b.join('\n                  ')}`];
}

export function disagreements(fromProc: NetnsFacts, fromIp: NetnsFacts): string[] {
  const out: string[] = [];
  for (const k of ['interfaces', 'routes', 'neighbours'] as const) {
    if (!fromProc[k].known) out.push(`${k} unknown in the host-side read: ${fromProc[k].reason}`);
    if (!fromIp[k].known) out.push(`${k} unknown in ip -json: ${fromIp[k].reason}`);
  }
  if (out.length) return out;
  const v = <T>(k: { known: boolean; value?: T }) => k.value as T;
  out.push(...diff('interfaces', v<readonly NetInterface[]>(fromProc.interfaces).map(ifaceKey), v<readonly NetInterface[]>(fromIp.interfaces).map(ifaceKey)));
  out.push(...diff('routes', v<readonly Route[]>(fromProc.routes).filter(comparableRoute).map(routeKey), v<readonly Route[]>(fromIp.routes).filter(comparableRoute).map(routeKey)));
  out.push(...diff('neighbours', v<readonly Neighbour[]>(fromProc.neighbours).filter(comparableNeigh).map(neighKey), v<readonly Neighbour[]>(fromIp.neighbours).filter(comparableNeigh).map(neighKey)));
  return out;
}
