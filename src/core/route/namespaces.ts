/**
 * The network namespaces a trace walks through, read from the model: the host, each container's
 * own netns, the host's named netns. A namespace is its interfaces (with addresses and what is on
 * the other end) and its routes; where the model lacks them the trace says so. The model's joins
 * between hosts (model/hostLinks.ts) read the same namespaces: this module depends on neither.
 */
import type { ContainerNode, Endpoint, HostInterfaceNode, NetworkNode, Topology } from '../model/types';
import type { NetInterface, NetnsFacts, Route } from '../host/types';
import type { InterfaceKind } from '../host/types';
import type { Listener } from '../host/types';
import type { Known } from '../known';
import { inCidr } from '../netfilter/matchEval';
import type { Family } from '../netfilter/types';

/** A fact the trace needed and the model does not have: the verdict cannot rest on it. */
export interface MissingFact {
  /** what is missing, e.g. `the host firewall (iptables-save / nft)`, `routes of container web1` */
  readonly fact: string;
  /** why netlens does not have it */
  readonly why: string;
  /** what the walk took instead, so it could go on and show the rest of the path */
  readonly assumed: string;
}

export interface NsInterface {
  readonly name: string;
  readonly kind: InterfaceKind;
  /** addresses of the namespace's family (IPv4, or IPv6 with the link-local fe80:: ones), with prefix length */
  readonly addresses: readonly { readonly address: string; readonly prefixLen: number }[];
  /** veth: host-side peer name (container/netns side) ; macvlan: the parent */
  readonly hostPeer: string | null;
  /** bridge the host-side peer is enslaved to */
  readonly bridge: string | null;
  readonly mac: string | null;
}

export interface Namespace {
  readonly kind: 'host' | 'container' | 'netns';
  /** one of Docker's own namespaces (ingress_sbox, lb_…, an overlay's): its file name */
  readonly dockerNetns?: string;
  /**
   * The address family this view of the namespace serves: its addresses and routes are that
   * family's only (a trace walks one family; IPv4 where absent).
   */
  readonly family?: Family;
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

/** `inet` / `inet6`, as `ip` and the model name a family */
export function inetOf(family: Family): 'inet' | 'inet6' {
  return family === 'ipv6' ? 'inet6' : 'inet';
}

/** An endpoint's address of one family (the engine's `IPAddress` or `GlobalIPv6Address`). */
export function endpointAddress(e: Endpoint, family: Family): string | null {
  return family === 'ipv6' ? e.ipv6 : e.ipv4;
}

function parseAddr(a: string, family: Family): { address: string; prefixLen: number } | null {
  const [address, len] = a.split('/') as [string, string | undefined];
  if (!address || address.includes(':') !== (family === 'ipv6')) return null;
  return { address, prefixLen: len === undefined ? (family === 'ipv6' ? 128 : 32) : Number(len) };
}

export function hostNamespace(topo: Topology, family: Family = 'ipv4'): Namespace | null {
  const host = topo.host;
  if (!host) return null;
  const inet = inetOf(family);
  const interfaces: NsInterface[] = host.interfaces.map((i) => ({
    name: i.name,
    kind: i.kind,
    addresses:
      i.addressDetails.length > 0
        ? i.addressDetails.filter((a) => a.family === inet).map((a) => ({ address: a.address, prefixLen: a.prefixLen }))
        : i.addresses.map((a) => parseAddr(a, family)).filter((a): a is { address: string; prefixLen: number } => a !== null),
    hostPeer: null,
    bridge: i.master,
    mac: i.mac,
  }));
  const missing: MissingFact[] = [];
  if (host.unknown?.interfaces) missing.push({ fact: 'the host\'s interfaces', why: host.unknown.interfaces, assumed: 'the host has only the interfaces the engine implies' });
  if (host.unknown?.routes) missing.push({ fact: 'the host\'s routes', why: host.unknown.routes, assumed: 'the host has no routes but its connected ones' });
  const routes = family === 'ipv4' ? host.routes : host.routes.filter((r) => r.family === inet);
  return { kind: 'host', label: 'host', family, container: null, interfaces, routes, missing, listeners: host.listeners ?? null };
}

/** The IPv6 subnet of a network an endpoint's address lies in, and its prefix length. */
function v6SubnetOf(n: NetworkNode, ip: string): { subnet: string; len: number } | null {
  for (const s of n.subnets) {
    if (!s.includes(':')) continue;
    if (inCidrLoose(ip, s)) return { subnet: s, len: Number(s.split('/')[1]) };
  }
  return null;
}

export function containerNamespace(topo: Topology, c: ContainerNode, family: Family = 'ipv4'): Namespace {
  const missing: MissingFact[] = [];
  const notRead = c.unknown?.netns ?? 'its namespace was not read';
  const inet = inetOf(family);
  let interfaces: NsInterface[] = c.interfaces
    .filter((i) => i.kind !== 'loopback')
    .map((i) => ({
      name: i.name,
      kind: i.kind,
      addresses: i.addresses.filter((a) => a.family === inet).map((a) => ({ address: a.address, prefixLen: a.prefixLen })),
      hostPeer: i.hostPeer,
      bridge: i.bridge,
      mac: i.mac,
    }));
  // routes of the other family do not count as "read" or "not read": the namespace's whole list decides
  const readRoutes = c.routes.length > 0;
  let routes: readonly Route[] = family === 'ipv4' ? c.routes : c.routes.filter((r) => r.family === inet);
  // endpoints that make an interface of their own (not `none`, not `host`)
  const endpoints = topo.networks.filter((n) => n.driver !== 'null' && n.driver !== 'host').flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id).map((e) => ({ e, n })));
  // a macvlan/ipvlan child's parent is its network's parent
  interfaces = interfaces.map((i) => {
    if ((i.kind !== 'macvlan' && i.kind !== 'ipvlan') || i.hostPeer) return i;
    const ep = endpoints.find(({ e }) => i.addresses.some((a) => a.address === endpointAddress(e, family)));
    return ep ? { ...i, hostPeer: ep.n.parent } : i;
  });
  if (interfaces.length === 0 && endpoints.length > 0) {
    interfaces = endpoints.map(({ e, n }) => {
      const ip = endpointAddress(e, family);
      const len = family === 'ipv4' ? (e.ipv4PrefixLen ?? 32) : ip ? (v6SubnetOf(n, ip)?.len ?? 128) : 128;
      return {
        name: e.containerInterface ?? `eth(${n.name})`,
        kind: n.driver === 'macvlan' ? 'macvlan' : n.driver === 'ipvlan' ? 'ipvlan' : 'veth',
        addresses: ip ? [{ address: ip, prefixLen: len }] : [],
        hostPeer: n.driver === 'bridge' ? e.hostVeth : n.parent,
        bridge: n.bridge,
        mac: e.mac,
      };
    });
    missing.push({ fact: `the interfaces of container ${c.name}`, why: notRead, assumed: "the interfaces the engine's endpoints describe" });
  }
  if (!readRoutes && interfaces.some((i) => i.addresses.length > 0)) {
    // Docker's own routes: each connected subnet, and a default via the gateway the engine reports
    const synth: Route[] = [];
    let gw: string | null = null;
    if (family === 'ipv4') {
      for (const { e, n } of endpoints) {
        if (!e.ipv4 || e.ipv4PrefixLen === null) continue;
        const dev = e.containerInterface ?? `eth(${n.name})`;
        const sub = n.subnets.find((s) => !s.includes(':'));
        if (sub) synth.push(route(sub, null, dev));
      }
      gw = c.defaultGateway ?? endpoints.find(({ e }) => e.gateway)?.e.gateway ?? null;
      const gwEp = endpoints.find(({ e }) => e.gateway === gw);
      if (gw && gwEp) synth.push(route('default', gw, gwEp.e.containerInterface ?? `eth(${gwEp.n.name})`));
    } else {
      // the engine's IPv6 gateway is the network's: the first endpoint with an IPv6 address on a network that has one
      for (const { e, n } of endpoints) {
        const sub = e.ipv6 ? v6SubnetOf(n, e.ipv6) : null;
        if (!sub) continue;
        const dev = e.containerInterface ?? `eth(${n.name})`;
        synth.push(route(sub.subnet, null, dev, 'inet6'));
        const netGw = n.gateways.find((g) => g.includes(':') && inCidrLoose(g, sub.subnet)) ?? null;
        if (!gw && netGw && !n.internal) {
          gw = netGw;
          synth.push(route('default', gw, dev, 'inet6'));
        }
      }
    }
    routes = synth;
    missing.push({ fact: `the routes of container ${c.name}`, why: notRead, assumed: `Docker's own: the connected subnets${gw ? ` and default via ${gw}` : ''}` });
  }
  return { kind: 'container', label: `container ${c.name}`, family, container: c, interfaces, routes, missing, listeners: c.listeners ?? null };
}

/**
 * A namespace the host reads whole (a named netns, one of Docker's own): its interfaces with the host
 * veth `peerOf` finds for each, its routes of the walk's family, and what of them is not known.
 */
function readNamespace(
  ns: NetnsFacts,
  what: string,
  family: Family,
  peerOf: (i: NetInterface) => HostInterfaceNode | undefined,
): Pick<Namespace, 'interfaces' | 'routes' | 'missing' | 'listeners'> {
  const missing: MissingFact[] = [];
  const interfaces: NsInterface[] = ns.interfaces.known
    ? ns.interfaces.value
        .filter((i) => i.kind !== 'loopback')
        .map((i) => {
          const peer = peerOf(i);
          return {
            name: i.name,
            kind: i.kind,
            addresses: i.addresses.filter((a) => a.family === inetOf(family)).map((a) => ({ address: a.address, prefixLen: a.prefixLen })),
            hostPeer: peer?.name ?? null,
            bridge: peer?.master ?? null,
            mac: i.mac,
          };
        })
    : [];
  if (!ns.interfaces.known) missing.push({ fact: `the interfaces of ${what}`, why: ns.interfaces.reason, assumed: 'none' });
  const all = ns.routes.known ? ns.routes.value : [];
  // an IPv4 walk reads the whole table (ip's IPv4 routes carry no family of their own in older recordings)
  const routes = family === 'ipv4' ? all : all.filter((r) => r.family === 'inet6');
  if (!ns.routes.known) missing.push({ fact: `the routes of ${what}`, why: ns.routes.reason, assumed: 'none' });
  return { interfaces, routes, missing, listeners: ns.listeners ?? null };
}

export function namedNamespace(topo: Topology, name: string, family: Family = 'ipv4'): Namespace | null {
  const ns = topo.host?.namedNetns.find((n) => n.name === name);
  if (!ns) return null;
  const hostIfs = topo.host?.interfaces ?? [];
  const peerOf = (i: NetInterface) =>
    hostIfs.find((h) => h.peerNetns === name && (h.peer ?? '').split(' ').includes(i.name)) ?? (i.linkIndex !== null ? hostIfs.find((h) => h.index === i.linkIndex && h.kind === 'veth' && h.peerNetns === name) : undefined);
  return { kind: 'netns', label: `netns ${name}`, family, container: null, ...readNamespace(ns, `netns ${name}`, family, peerOf) };
}

function route(dst: string, gateway: string | null, dev: string, family: 'inet' | 'inet6' = 'inet'): Route {
  return { dst, gateway, dev, protocol: null, scope: gateway ? null : 'link', prefsrc: null, metric: null, table: 'main', type: 'unicast', family, flags: [] };
}

function inCidrLoose(ip: string, cidr: string): boolean {
  return inCidr(ip, cidr) === true;
}

/**
 * One of Docker's own namespaces (HostNode.dockerNetns: ingress_sbox, lb_…), as a trace walks it;
 * a veth into it from the host (docker_gwbridge's port to ingress_sbox) is its interface's hostPeer.
 */
export function dockerNamespace(topo: Topology, name: string, family: Family = 'ipv4'): Namespace | null {
  const ns = topo.host?.dockerNetns?.find((n) => n.name === name);
  if (!ns) return null;
  const hostIfs = topo.host?.interfaces ?? [];
  const peerOf = (i: NetInterface) => (i.linkIndex !== null ? hostIfs.find((h) => h.index === i.linkIndex && h.kind === 'veth' && h.peerDockerNetns === name) : undefined);
  return { kind: 'netns', dockerNetns: name, label: `Docker namespace ${name}`, family, container: null, ...readNamespace(ns, name, family, peerOf) };
}
