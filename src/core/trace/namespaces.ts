/**
 * The network namespaces a trace walks through, read from the model: the host, each container's
 * own netns, the host's named netns. A namespace is its interfaces (with addresses and what is on
 * the other end) and its routes; where the model lacks them the trace says so.
 */
import type { ContainerNode, Topology } from '../model/types';
import type { Route } from '../host/types';
import type { InterfaceKind } from '../host/types';
import type { Listener } from '../host/types';
import type { Known } from '../known';
import type { MissingFact } from './types';

export interface NsInterface {
  readonly name: string;
  readonly kind: InterfaceKind;
  /** IPv4 addresses with prefix length */
  readonly addresses: readonly { readonly address: string; readonly prefixLen: number }[];
  /** veth: host-side peer name (container/netns side) ; macvlan: the parent */
  readonly hostPeer: string | null;
  /** bridge the host-side peer is enslaved to */
  readonly bridge: string | null;
  readonly mac: string | null;
}

export interface Namespace {
  readonly kind: 'host' | 'container' | 'netns';
  /** as hops show it: `host`, `container web1`, `netns RED` */
  readonly label: string;
  readonly container: ContainerNode | null;
  readonly interfaces: readonly NsInterface[];
  readonly routes: readonly Route[];
  /** what the model does not know about this namespace; a walk through it records these */
  readonly missing: readonly MissingFact[];
  /** its listening sockets; null where the model has none (built from older facts) */
  readonly listeners: Known<readonly Listener[]> | null;
}

function parseAddr(a: string): { address: string; prefixLen: number } | null {
  const [address, len] = a.split('/') as [string, string | undefined];
  if (!address || address.includes(':')) return null;
  return { address, prefixLen: len === undefined ? 32 : Number(len) };
}

export function hostNamespace(topo: Topology): Namespace | null {
  const host = topo.host;
  if (!host) return null;
  const interfaces: NsInterface[] = host.interfaces.map((i) => ({
    name: i.name,
    kind: i.kind,
    addresses:
      i.addressDetails.length > 0
        ? i.addressDetails.filter((a) => a.family === 'inet').map((a) => ({ address: a.address, prefixLen: a.prefixLen }))
        : i.addresses.map(parseAddr).filter((a): a is { address: string; prefixLen: number } => a !== null),
    hostPeer: null,
    bridge: i.master,
    mac: i.mac,
  }));
  const missing: MissingFact[] = [];
  if (host.unknown?.interfaces) missing.push({ fact: 'the host\'s interfaces', why: host.unknown.interfaces, assumed: 'the host has only the interfaces the engine implies' });
  if (host.unknown?.routes) missing.push({ fact: 'the host\'s routes', why: host.unknown.routes, assumed: 'the host has no routes but its connected ones' });
  return { kind: 'host', label: 'host', container: null, interfaces, routes: host.routes, missing, listeners: host.listeners ?? null };
}

export function containerNamespace(topo: Topology, c: ContainerNode): Namespace {
  const missing: MissingFact[] = [];
  const notRead = c.unknown?.netns ?? 'its namespace was not read';
  let interfaces: NsInterface[] = c.interfaces
    .filter((i) => i.kind !== 'loopback')
    .map((i) => ({
      name: i.name,
      kind: i.kind,
      addresses: i.addresses.filter((a) => a.family === 'inet').map((a) => ({ address: a.address, prefixLen: a.prefixLen })),
      hostPeer: i.hostPeer,
      bridge: i.bridge,
      mac: i.mac,
    }));
  let routes: readonly Route[] = c.routes;
  // endpoints that make an interface of their own (not `none`, not `host`)
  const endpoints = topo.networks.filter((n) => n.driver !== 'null' && n.driver !== 'host').flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id).map((e) => ({ e, n })));
  // a macvlan/ipvlan child's parent is its network's parent
  interfaces = interfaces.map((i) => {
    if ((i.kind !== 'macvlan' && i.kind !== 'ipvlan') || i.hostPeer) return i;
    const ep = endpoints.find(({ e }) => i.addresses.some((a) => a.address === e.ipv4));
    return ep ? { ...i, hostPeer: ep.n.parent } : i;
  });
  if (interfaces.length === 0 && endpoints.length > 0) {
    interfaces = endpoints.map(({ e, n }) => ({
      name: e.containerInterface ?? `eth(${n.name})`,
      kind: n.driver === 'macvlan' ? 'macvlan' : n.driver === 'ipvlan' ? 'ipvlan' : 'veth',
      addresses: e.ipv4 ? [{ address: e.ipv4, prefixLen: e.ipv4PrefixLen ?? 32 }] : [],
      hostPeer: n.driver === 'bridge' ? e.hostVeth : n.parent,
      bridge: n.bridge,
      mac: e.mac,
    }));
    missing.push({ fact: `the interfaces of container ${c.name}`, why: notRead, assumed: "the interfaces the engine's endpoints describe" });
  }
  if (routes.length === 0 && interfaces.some((i) => i.addresses.length > 0)) {
    // Docker's own routes: each connected subnet, and a default via the gateway the engine reports
    const synth: Route[] = [];
    for (const { e, n } of endpoints) {
      if (!e.ipv4 || e.ipv4PrefixLen === null) continue;
      const dev = e.containerInterface ?? `eth(${n.name})`;
      const sub = n.subnets.find((s) => !s.includes(':'));
      if (sub) synth.push(route(sub, null, dev));
    }
    const gw = c.defaultGateway ?? endpoints.find(({ e }) => e.gateway)?.e.gateway ?? null;
    const gwEp = endpoints.find(({ e }) => e.gateway === gw);
    if (gw && gwEp) synth.push(route('default', gw, gwEp.e.containerInterface ?? `eth(${gwEp.n.name})`));
    routes = synth;
    missing.push({ fact: `the routes of container ${c.name}`, why: notRead, assumed: `Docker's own: the connected subnets${gw ? ` and default via ${gw}` : ''}` });
  }
  return { kind: 'container', label: `container ${c.name}`, container: c, interfaces, routes, missing, listeners: c.listeners ?? null };
}

export function namedNamespace(topo: Topology, name: string): Namespace | null {
  const ns = topo.host?.namedNetns.find((n) => n.name === name);
  if (!ns) return null;
  const missing: MissingFact[] = [];
  const hostIfs = topo.host?.interfaces ?? [];
  const interfaces: NsInterface[] = ns.interfaces.known
    ? ns.interfaces.value
        .filter((i) => i.kind !== 'loopback')
        .map((i) => {
          const peer = hostIfs.find((h) => h.peerNetns === name && (h.peer ?? '').split(' ').includes(i.name)) ?? (i.linkIndex !== null ? hostIfs.find((h) => h.index === i.linkIndex && h.kind === 'veth' && h.peerNetns === name) : undefined);
          return {
            name: i.name,
            kind: i.kind,
            addresses: i.addresses.filter((a) => a.family === 'inet').map((a) => ({ address: a.address, prefixLen: a.prefixLen })),
            hostPeer: peer?.name ?? null,
            bridge: peer?.master ?? null,
            mac: i.mac,
          };
        })
    : [];
  if (!ns.interfaces.known) missing.push({ fact: `the interfaces of netns ${name}`, why: ns.interfaces.reason, assumed: 'none' });
  const routes = ns.routes.known ? ns.routes.value : [];
  if (!ns.routes.known) missing.push({ fact: `the routes of netns ${name}`, why: ns.routes.reason, assumed: 'none' });
  return { kind: 'netns', label: `netns ${name}`, container: null, interfaces, routes, missing, listeners: ns.listeners ?? null };
}

function route(dst: string, gateway: string | null, dev: string): Route {
  return { dst, gateway, dev, protocol: null, scope: gateway ? null : 'link', prefsrc: null, metric: null, table: 'main', type: 'unicast', family: 'inet', flags: [] };
}
