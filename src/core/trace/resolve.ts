/**
 * Turns the request's words into places: the source namespace (or an outside peer entering by a
 * host interface) and the destination address and port.
 */
import ipaddr from 'ipaddr.js';
import { NetlensError } from '../errors';
import type { ContainerNode, Topology } from '../model/types';
import type { Family } from '../netfilter/types';
import { containerNamespace, endpointAddress, hostNamespace, namedNamespace, type Namespace } from './namespaces';
import { isLinkLocal, lookupRoute } from './routeLookup';
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

function findContainer(topo: Topology, ref: string): ContainerNode | null {
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

/** An IPv6 literal, bare or in brackets (`fd00::2`, `[fd00::2]`), in the compressed form the kernel and the engine print; null otherwise. */
function ipv6Literal(s: string): string | null {
  const bare = /^\[([^\]]+)\]$/.exec(s)?.[1] ?? s;
  if (!bare.includes(':') || !ipaddr.IPv6.isValid(bare) || bare.includes('%')) return null;
  return ipaddr.IPv6.parse(bare).toRFC5952String();
}

/** `--to`'s address part and port: `[v6]:port`, `[v6]`, a bare IPv6 (never with a port), or `name|IPv4[:port]`. */
function splitTo(to: string): { what: string; port: number | null; v6: boolean } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(to);
  if (bracketed) {
    const ip = ipv6Literal(bracketed[1]!);
    if (!ip) throw new NetlensError('BAD_INPUT', `"${bracketed[1]}" is not an IPv6 address`, `trace --to ${to}`);
    return { what: ip, port: bracketed[2] === undefined ? null : Number(bracketed[2]), v6: true };
  }
  const bare = ipv6Literal(to);
  if (bare) return { what: bare, port: null, v6: true };
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(to)!;
  return { what: m[1]!, port: m[2] === undefined ? null : Number(m[2]), v6: false };
}

/**
 * The address family of a trace. An address given decides it (an IPv6 literal in --from or --to
 * makes an IPv6 trace, an IPv4 one an IPv4 trace); names (a container, `host`, `netns:NAME`) follow
 * `request.family`, IPv4 unless asked. A family asked for that contradicts an address is an error.
 */
export function traceFamily(req: TraceRequest): Family {
  const literal = (value: string, flag: '--from' | '--to'): Family | null => {
    if (flag === '--to') {
      const t = splitTo(value);
      return t.v6 ? 'ipv6' : isIPv4(t.what) ? 'ipv4' : null;
    }
    return ipv6Literal(value) ? 'ipv6' : isIPv4(value) ? 'ipv4' : null;
  };
  const from = literal(req.from, '--from');
  const to = literal(req.to, '--to');
  if (from && to && from !== to) throw new NetlensError('BAD_INPUT', `--from ${req.from} is ${famName(from)} and --to ${req.to} is ${famName(to)}: a packet has one address family`, `trace --from ${req.from} --to ${req.to}`);
  const byAddress = from ?? to;
  if (req.family !== undefined && req.family !== 'ipv4' && req.family !== 'ipv6') throw new NetlensError('BAD_INPUT', `family must be ipv4 or ipv6, got "${String(req.family)}"`, 'trace --family');
  if (byAddress && req.family && req.family !== byAddress) {
    throw new NetlensError('BAD_INPUT', `--family ${req.family} was asked, but ${from ? `--from ${req.from}` : `--to ${req.to}`} is an ${famName(byAddress)} address`, `trace --family ${req.family}`);
  }
  return byAddress ?? req.family ?? 'ipv4';
}

function famName(f: Family): string {
  return f === 'ipv6' ? 'IPv6' : 'IPv4';
}

export function resolveSource(topo: Topology, rawFrom: string, family: Family = 'ipv4'): Source {
  const v6 = ipv6Literal(rawFrom);
  const from = v6 ?? rawFrom;
  const host = hostNamespace(topo, family);
  if (from === 'host') {
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from host`);
    return { kind: 'ns', ns: host, notes: [] };
  }
  if (from.startsWith('netns:')) {
    const name = from.slice('netns:'.length);
    if (!NAME.test(name)) throw new NetlensError('BAD_INPUT', `"${name}" is not a netns name`, `trace --from ${from}`);
    const ns = namedNamespace(topo, name, family);
    if (!ns) throw new NetlensError('NOT_FOUND', `no named netns "${name}" on the host`, `trace --from ${from}`);
    return { kind: 'ns', ns, notes: [] };
  }
  if (isIPv4(from) || v6) {
    // an address of a container or a named netns on this host is that namespace, routes and all
    const ep = topo.networks.flatMap((n) => n.endpoints).find((e) => endpointAddress(e, family) === from);
    const owner = ep ? topo.containers.find((c) => c.id === ep.containerId) : undefined;
    if (owner) return { kind: 'ns', ...containerSource(topo, owner, host, family) };
    const named = topo.host?.namedNetns.find((n) => n.interfaces.known && n.interfaces.value.some((i) => i.addresses.some((a) => a.address === from)));
    const ns = named ? namedNamespace(topo, named.name, family) : null;
    if (ns) return { kind: 'ns', ns, notes: [] };
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from ${from}`);
    const choice = lookupRoute(host, from);
    if (choice.kind !== 'route') throw new NetlensError('NOT_FOUND', `the host has no route to ${from}, so packets from it cannot be placed on an interface`, `trace --from ${from}`);
    return { kind: 'peer', ip: from, ingress: choice.dev, route: choice.text };
  }
  const c = findContainer(topo, from);
  if (!c) throw new NetlensError('NOT_FOUND', `no container, netns or address "${from}"`, `trace --from ${from}`);
  requireRunning(c, `trace --from ${from}`);
  return { kind: 'ns', ...containerSource(topo, c, host, family) };
}

function containerSource(topo: Topology, c: ContainerNode, host: Namespace | null, family: Family): { ns: Namespace; notes: string[] } {
  if (c.networkMode === 'host') {
    if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model (no host shell)', `trace --from ${c.name}`);
    return { ns: host, notes: [`${c.name} uses --network host: its packets are the host's own`] };
  }
  if (c.sharesNetnsWith || c.networkMode.startsWith('container:')) {
    const other = c.sharesNetnsWith ? topo.containers.find((x) => x.id === c.sharesNetnsWith) : findContainer(topo, c.networkMode.slice('container:'.length));
    if (!other) throw new NetlensError('NOT_FOUND', `${c.name} shares the netns of a container not in the model`, `trace --from ${c.name}`);
    const inner = containerSource(topo, other, host, family);
    return { ns: inner.ns, notes: [...inner.notes, `${c.name} uses --network container:${other.name}: it sends from ${other.name}'s namespace`] };
  }
  return { ns: containerNamespace(topo, c, family), notes: c.networkMode === 'none' ? [`${c.name} uses --network none: only its loopback exists`] : [] };
}

export function resolveDestination(topo: Topology, req: TraceRequest, source: Source, family: Family = 'ipv4'): Destination {
  const { what, port: inlinePort } = splitTo(req.to);
  if (inlinePort !== null && (inlinePort < 1 || inlinePort > 65535)) throw new NetlensError('BAD_INPUT', `port ${inlinePort} is out of range`, `trace --to ${req.to}`);
  const port = inlinePort ?? req.port ?? null;
  if (req.proto !== 'icmp' && port === null) throw new NetlensError('BAD_INPUT', `a ${req.proto} trace needs a port (--to ${what.includes(':') ? `[${what}]` : what}:PORT)`, `trace --to ${req.to}`);
  const p = req.proto === 'icmp' ? null : port;
  if (isIPv4(what) || what.includes(':')) return { ip: what, port: p, label: what, notes: [] };
  if (what === 'host') return { ip: hostAddressFor(topo, source, family), port: p, label: 'the host', notes: [] };
  const c = findContainer(topo, what);
  if (!c) throw new NetlensError('NOT_FOUND', `no container or address "${what}"`, `trace --to ${req.to}`);
  requireRunning(c, `trace --to ${req.to}`);
  // a container in another's namespace (--network container:<id>, a Podman pod's member) is reached at that one's addresses
  const owner = c.sharesNetnsWith ? topo.containers.find((x) => x.id === c.sharesNetnsWith) : undefined;
  const target = owner ?? c;
  const ownerNotes = owner ? [`${c.name} uses --network ${c.networkMode.startsWith('container:') ? `container:${owner.name}` : c.networkMode}: it is reached at ${owner.name}'s address`] : [];
  const eps = topo.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === target.id && endpointAddress(e, family)).map((e) => ({ e, n, ip: endpointAddress(e, family)! })));
  if (eps.length === 0) {
    throw new NetlensError('NOT_FOUND', `container ${c.name} has no ${famName(family)} address (network mode ${c.networkMode}${family === 'ipv6' ? '; its networks are not IPv6-enabled' : ''})`, `trace --to ${req.to}`);
  }
  const srcNets = source.kind === 'ns' && source.ns.container ? new Set(topo.networks.filter((n) => n.endpoints.some((e) => e.containerId === source.ns.container!.id)).map((n) => n.id)) : new Set<string>();
  const shared = eps.find(({ n }) => srcNets.has(n.id));
  const pick = shared ?? eps[0]!;
  const notes = [...ownerNotes, ...(eps.length > 1 ? [`${target.name} has ${eps.length} addresses; tracing to ${pick.ip} on ${pick.n.name}${shared ? ' (a network the source shares)' : ''}`] : [])];
  return { ip: pick.ip, port: p, label: `${c.name} (${pick.ip})`, notes };
}

/** The host address a source would use to reach "the host": its gateway, or the host end of its link. */
function hostAddressFor(topo: Topology, source: Source, family: Family): string {
  const host = hostNamespace(topo, family);
  if (!host) throw new NetlensError('NOT_FOUND', 'the host namespace is not in the model', 'trace --to host');
  // an IPv6 peer reaches the host at a global address: a link-local fe80:: one needs the link named
  const usable = (addrs: readonly { address: string }[]) => addrs.find((a) => family === 'ipv4' || !isLinkLocal(a.address));
  if (source.kind === 'peer') {
    const a = usable(host.interfaces.find((i) => i.name === source.ingress)?.addresses ?? []);
    if (a) return a.address;
  } else if (source.ns.kind === 'host') {
    return family === 'ipv6' ? '::1' : '127.0.0.1';
  } else {
    const hostAddrs = new Set(host.interfaces.flatMap((i) => i.addresses.map((a) => a.address)));
    const gw = source.ns.routes.find((r) => r.dst === 'default' && r.gateway && hostAddrs.has(r.gateway))?.gateway;
    if (gw) return gw;
    for (const i of source.ns.interfaces) {
      const peer = usable(host.interfaces.find((h) => h.name === (i.bridge ?? i.hostPeer))?.addresses ?? []);
      if (peer) return peer.address;
    }
  }
  // nothing on the source's own links is the host (macvlan, a foreign gateway): its main address then
  const main = host.interfaces.filter((i) => i.kind !== 'loopback' && i.kind !== 'bridge').map((i) => usable(i.addresses)).find((a) => a !== undefined);
  if (main) return main.address;
  throw new NetlensError('NOT_FOUND', `no host ${family === 'ipv6' ? 'IPv6 ' : ''}address is reachable from this source in the model`, 'trace --to host');
}
