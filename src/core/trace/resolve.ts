/**
 * Turns the request's words into places: the source namespace (or an outside peer entering by a
 * host interface) and the destination address and port.
 */
import ipaddr from 'ipaddr.js';
import { NetlensError } from '../errors';
import type { ContainerNode, Topology } from '../model/types';
import { containerNamespace, hostNamespace, namedNamespace, type Namespace } from './namespaces';
import { lookupRoute } from './routeLookup';
import type { TraceRequest } from './types';

export type Source =
  | { readonly kind: 'ns'; readonly ns: Namespace; readonly notes: readonly string[] }
  | { readonly kind: 'peer'; readonly ip: string; readonly ingress: string; readonly route: string };

export interface Destination {
  readonly ip: string;
  readonly port: number | null;
  readonly label: string;
  readonly notes: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function findContainer(topo: Topology, ref: string): ContainerNode | null {
  const name = ref.replace(/^\//, '');
  return (
    topo.containers.find((c) => c.name === name || c.name === `/${name}`) ??
    (/^[0-9a-f]{4,64}$/.test(name) ? topo.containers.filter((c) => c.id.startsWith(name)).sort((a, b) => a.id.localeCompare(b.id))[0] ?? null : null)
  );
}

/** A stopped container has no network namespace: nothing to trace through, and saying "no route" would mislead. */
function requireRunning(c: ContainerNode, tried: string): void {
  if (c.state !== 'running') throw new NetlensError('BAD_INPUT', `container ${c.name} is ${c.state}, not running: it has no network namespace to trace`, tried);
}

function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

export function resolveSource(topo: Topology, from: string): Source {
  rejectIPv6(from, '--from');
  const host = hostNamespace(topo);
  if (from === 'host') {
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from host`);
    return { kind: 'ns', ns: host, notes: [] };
  }
  if (from.startsWith('netns:')) {
    const name = from.slice('netns:'.length);
    if (!NAME.test(name)) throw new NetlensError('BAD_INPUT', `"${name}" is not a netns name`, `trace --from ${from}`);
    const ns = namedNamespace(topo, name);
    if (!ns) throw new NetlensError('NOT_FOUND', `no named netns "${name}" on the host`, `trace --from ${from}`);
    return { kind: 'ns', ns, notes: [] };
  }
  if (isIPv4(from)) {
    // an address of a container or a named netns on this host is that namespace, routes and all
    const ep = topo.networks.flatMap((n) => n.endpoints).find((e) => e.ipv4 === from);
    const owner = ep ? topo.containers.find((c) => c.id === ep.containerId) : undefined;
    if (owner) return { kind: 'ns', ...containerSource(topo, owner, host) };
    const named = topo.host?.namedNetns.find((n) => n.interfaces.known && n.interfaces.value.some((i) => i.addresses.some((a) => a.address === from)));
    const ns = named ? namedNamespace(topo, named.name) : null;
    if (ns) return { kind: 'ns', ns, notes: [] };
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from ${from}`);
    const choice = lookupRoute(host, from);
    if (choice.kind !== 'route') throw new NetlensError('NOT_FOUND', `the host has no route to ${from}, so packets from it cannot be placed on an interface`, `trace --from ${from}`);
    return { kind: 'peer', ip: from, ingress: choice.dev, route: choice.text };
  }
  const c = findContainer(topo, from);
  if (!c) throw new NetlensError('NOT_FOUND', `no container, netns or address "${from}"`, `trace --from ${from}`);
  requireRunning(c, `trace --from ${from}`);
  return { kind: 'ns', ...containerSource(topo, c, host) };
}

function containerSource(topo: Topology, c: ContainerNode, host: Namespace | null): { ns: Namespace; notes: string[] } {
  if (c.networkMode === 'host') {
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from ${c.name}`);
    return { ns: host, notes: [`${c.name} uses --network host: its packets are the host's own`] };
  }
  if (c.sharesNetnsWith || c.networkMode.startsWith('container:')) {
    const other = c.sharesNetnsWith ? topo.containers.find((x) => x.id === c.sharesNetnsWith) : findContainer(topo, c.networkMode.slice('container:'.length));
    if (!other) throw new NetlensError('NOT_FOUND', `${c.name} shares the netns of a container not in the model`, `trace --from ${c.name}`);
    const inner = containerSource(topo, other, host);
    return { ns: inner.ns, notes: [...inner.notes, `${c.name} uses --network container:${other.name}: it sends from ${other.name}'s namespace`] };
  }
  return { ns: containerNamespace(topo, c), notes: c.networkMode === 'none' ? [`${c.name} uses --network none: only its loopback exists`] : [] };
}

function rejectIPv6(value: string, flag: string): void {
  if (value.includes(':') && ipaddr.IPv6.isValid(value.replace(/^\[|\](:\d+)?$/g, ''))) {
    throw new NetlensError('BAD_INPUT', `IPv6 traces are not supported yet (${value}); give an IPv4 address or a container name`, `trace ${flag} ${value}`);
  }
}

function splitPort(to: string): [string, number | null] {
  rejectIPv6(to, '--to');
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(to)!;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new NetlensError('BAD_INPUT', `port ${port} is out of range`, `trace --to ${to}`);
  return [m[1]!, port];
}

export function resolveDestination(topo: Topology, req: TraceRequest, source: Source): Destination {
  const [what, inlinePort] = splitPort(req.to);
  const port = inlinePort ?? req.port ?? null;
  if (req.proto !== 'icmp' && port === null) throw new NetlensError('BAD_INPUT', `a ${req.proto} trace needs a port (--to ${what}:PORT)`, `trace --to ${req.to}`);
  const p = req.proto === 'icmp' ? null : port;
  if (isIPv4(what)) return { ip: what, port: p, label: what, notes: [] };
  if (what === 'host') return { ip: hostAddressFor(topo, source), port: p, label: 'the host', notes: [] };
  const c = findContainer(topo, what);
  if (!c) throw new NetlensError('NOT_FOUND', `no container or address "${what}"`, `trace --to ${req.to}`);
  requireRunning(c, `trace --to ${req.to}`);
  const eps = topo.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id && e.ipv4).map((e) => ({ e, n })));
  if (eps.length === 0) throw new NetlensError('NOT_FOUND', `container ${c.name} has no IPv4 address (network mode ${c.networkMode})`, `trace --to ${req.to}`);
  const srcNets = source.kind === 'ns' && source.ns.container ? new Set(topo.networks.filter((n) => n.endpoints.some((e) => e.containerId === source.ns.container!.id)).map((n) => n.id)) : new Set<string>();
  const shared = eps.find(({ n }) => srcNets.has(n.id));
  const pick = shared ?? eps[0]!;
  const notes = eps.length > 1 ? [`${c.name} has ${eps.length} addresses; tracing to ${pick.e.ipv4} on ${pick.n.name}${shared ? ' (a network the source shares)' : ''}`] : [];
  return { ip: pick.e.ipv4!, port: p, label: `${c.name} (${pick.e.ipv4})`, notes };
}

/** The host address a source would use to reach "the host": its gateway, or the host end of its link. */
function hostAddressFor(topo: Topology, source: Source): string {
  const host = hostNamespace(topo);
  if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model', 'trace --to host');
  if (source.kind === 'peer') {
    const a = host.interfaces.find((i) => i.name === source.ingress)?.addresses[0];
    if (a) return a.address;
  } else if (source.ns.kind === 'host') {
    return '127.0.0.1';
  } else {
    const hostAddrs = new Set(host.interfaces.flatMap((i) => i.addresses.map((a) => a.address)));
    const gw = source.ns.routes.find((r) => r.dst === 'default' && r.gateway && hostAddrs.has(r.gateway))?.gateway;
    if (gw) return gw;
    for (const i of source.ns.interfaces) {
      const peer = host.interfaces.find((h) => h.name === (i.bridge ?? i.hostPeer));
      if (peer?.addresses[0]) return peer.addresses[0].address;
    }
  }
  // nothing on the source's own links is the host (macvlan, a foreign gateway): its main address then
  const main = host.interfaces.find((i) => i.kind !== 'loopback' && i.kind !== 'bridge' && i.addresses.length > 0)?.addresses[0];
  if (main) return main.address;
  throw new NetlensError('NOT_FOUND', 'no host address is reachable from this source in the model', 'trace --to host');
}
