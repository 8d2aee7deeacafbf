/**
 * What the topology view draws, column by column, read from the model: a column per Docker network
 * (its bridge, macvlan parent or VXLAN side on top) or per bridge Docker did not make, one row per
 * endpoint or bridge port, and what each row leads to (a container, a named netns). No positions
 * here: layout.ts places these. Pure.
 */
import type { ContainerNode, Endpoint, HostInterfaceNode, NetworkNode } from '../src/core/model/types';
import type { TopologyView } from '../src/protocol/topologyView';
import type { MarkKind, TopologyItemKind } from '../src/protocol/topologyIds';
import { topologyIds } from '../src/protocol/topologyIds';
import { absentBridgeText, engineProductText } from '../src/protocol/facts/format';
import type { NodeFacets, NodeRole } from './layoutTypes';

export interface Row {
  readonly key: string;
  /** the host-side node of the row (veth / bridge port), absent for macvlan-style rows */
  readonly port: PortSpec | null;
  /** the container or netns reached from this row */
  readonly leaf: LeafSpec | null;
  /** label on the edge from the port (or the head) to the leaf */
  readonly leafEdgeLabel: string | null;
  /** null: the leaf stands alone (none, shared netns), no edge */
  readonly leafEdgeRole: 'veth' | 'macvlan' | null;
}

export interface PortSpec {
  readonly id: string;
  readonly kind: TopologyItemKind;
  readonly role: NodeRole;
  readonly title: string;
  readonly lines: readonly string[];
  readonly status: string | null;
  readonly facets: NodeFacets;
}

export interface LeafSpec {
  readonly id: string;
  /** container id, or null for a named netns */
  readonly containerId: string | null;
  readonly spec: PortSpec;
}

export interface Column {
  readonly key: string;
  readonly head: PortSpec;
  readonly marks: readonly { id: string; kind: MarkKind; label: string }[];
  readonly uplink: 'routed' | 'vxlan' | 'parent' | null;
  /** for macvlan/ipvlan whose parent is drawn in the host band */
  readonly parentNic: string | null;
  readonly rows: readonly Row[];
  readonly sortRank: number;
  readonly sortName: string;
}

const lower = (xs: readonly (string | null | undefined)[]): string[] =>
  xs.filter((x): x is string => typeof x === 'string' && x.length > 0).map((x) => x.toLowerCase());

export const facets = (names: readonly (string | null)[], networks: readonly (string | null)[], ips: readonly (string | null)[], ports: readonly string[] = []): NodeFacets => ({
  names: lower(names),
  networks: lower(networks),
  ips: lower(ips),
  ports: lower(ports),
});

function shortId(id: string): string {
  return id.slice(0, 12);
}

/** The interface the host's default IPv4 route leaves by, where the snapshot knows it. */
export function defaultRouteInterface(topology: TopologyView): string | null {
  const route = topology.host?.routes.find((r) => r.dst === 'default' && r.family === 'inet' && r.table === 'main' && r.dev);
  return route?.dev ?? null;
}

const hostBandKinds = new Set(['physical', 'bond', 'vlan', 'wireguard', 'tun']);

export function isHostBandInterface(i: HostInterfaceNode): boolean {
  return hostBandKinds.has(i.kind) && i.master === null && i.dockerNetworkId === null;
}

function networkKind(n: NetworkNode): 'bridge' | 'macvlan' | 'overlay' | 'host' | 'none' | 'other' {
  if (n.driver === 'bridge') return 'bridge';
  if (n.driver === 'macvlan' || n.driver === 'ipvlan') return 'macvlan';
  if (n.driver === 'overlay') return 'overlay';
  if (n.driver === 'host') return 'host';
  if (n.driver === 'null') return 'none';
  return 'other';
}

function containerSideLabel(c: ContainerNode | undefined, e: Endpoint): string {
  const iface = e.containerInterface ?? c?.interfaces.find((i) => i.mac !== null && i.mac === e.mac)?.name ?? 'eth?';
  const ip = e.ipv4 ? `${e.ipv4}${e.ipv4PrefixLen !== null ? `/${e.ipv4PrefixLen}` : ''}` : e.ipv6 ?? 'no IP';
  return `${iface} ${ip}`;
}

export function containerSpec(c: ContainerNode, topology: TopologyView): PortSpec {
  const endpoints = topology.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id));
  const ports = c.ports.flatMap((p) => [`${p.containerPort}`, `${p.containerPort}/${p.protocol}`, ...(p.hostPort !== null ? [`${p.hostPort}`] : [])]);
  // a Compose project's container by its service name, the container's name on the line below
  const service = topology.projects?.flatMap((p) => p.services).find((s) => s.containerIds.includes(c.id))?.name;
  const third = c.networkMode === 'none' ? 'network: none' : c.sharesNetnsWith ? 'shares a netns' : `${shortId(c.id)}`;
  return {
    id: topologyIds.container(c.id),
    kind: 'container',
    role: 'container',
    title: service ?? c.name,
    lines: service ? [c.name, `${c.state} · ${c.image}`] : [`${c.state} · ${c.image}`, third],
    status: c.state,
    facets: facets([c.name, c.id, shortId(c.id), c.image, ...(service ? [service] : [])], [...c.networks, ...endpoints.map((e) => e.networkName)], [...endpoints.flatMap((e) => [e.ipv4, e.ipv6]), ...c.interfaces.flatMap((i) => i.addresses.map((a) => a.address))], ports),
  };
}

/** Global addresses with their prefix, e.g. `192.0.2.2/24` (link-local ones say nothing about routing). */
export function globalAddresses(i: HostInterfaceNode): string[] {
  return i.addressDetails.filter((a) => a.scope === 'global').map((a) => `${a.address}/${a.prefixLen}`);
}

function networkHead(n: NetworkNode, topology: TopologyView): PortSpec {
  const kind = networkKind(n);
  // the default bridge's IPAM lists no gateway on 20.10: the bridge's own address is the gateway
  const bridgeIf = n.bridge ? topology.host?.interfaces.find((i) => i.name === n.bridge) : undefined;
  const gateways = n.gateways.length > 0 ? n.gateways : bridgeIf ? bridgeIf.addressDetails.filter((a) => a.scope === 'global' && a.family === 'inet').map((a) => a.address) : [];
  const subnetLine = n.subnets.length > 0 ? `${n.subnets.join(', ')}${gateways.length > 0 ? ` gw ${gateways.join(', ')}` : ''}` : 'no subnet';
  let title = n.name;
  let first = `${n.driver} network`;
  if (kind === 'bridge') {
    title = n.bridge ?? n.name;
    first = `network ${n.name} · bridge${n.bridgePresent === false ? ` (${absentBridgeText(topology.engine)})` : ''}`;
  } else if (kind === 'macvlan') {
    title = n.parent ?? `${n.name} (no parent)`;
    first = `${n.driver} parent of ${n.name}`;
  } else if (kind === 'overlay') {
    // the kernel's VXLAN device in the overlay's own namespace when it was read, else the engine's VNI
    const vx = n.overlay?.vxlan;
    const vni = vx?.vni ?? n.options['com.docker.network.driver.overlay.vxlanid_list'];
    const device = vx ? ` ${vx.name}${vx.port !== null ? ` udp/${vx.port}` : ''}` : '';
    const where = n.overlay?.namespacePresent ? ` · netns ${n.overlay.namespace}` : '';
    first = `overlay · VXLAN${device}${vni ? ` id ${vni}` : ''}${where}${n.ingress ? ' · ingress' : ''}`;
  } else if (kind === 'none') {
    first = 'no network (none)';
  }
  return {
    id: topologyIds.network(n.id),
    kind: 'network',
    role: 'network',
    title,
    lines: [first, kind === 'none' ? 'containers stand alone' : subnetLine],
    status: n.bridgePresent === false ? 'missing' : null,
    facets: facets([n.name, n.bridge, n.parent, n.id, shortId(n.id), n.overlay?.namespace ?? null, n.overlay?.vxlan?.name ?? null], [n.name, n.bridge], [...n.subnets, ...n.gateways]),
  };
}

function networkMarks(n: NetworkNode): { id: string; kind: MarkKind; label: string }[] {
  const marks: { id: string; kind: MarkKind; label: string }[] = [];
  if (networkKind(n) === 'bridge' && (n.natRules.length > 0 || (n.masquerade && !n.internal))) {
    marks.push({ id: topologyIds.mark('masquerade', n.id), kind: 'masquerade', label: n.natRules.length > 0 ? 'MASQUERADE' : 'MASQUERADE?' });
  }
  if (networkKind(n) === 'bridge' && !n.icc) marks.push({ id: topologyIds.mark('icc-off', n.id), kind: 'icc-off', label: 'ICC off' });
  if (n.internal) marks.push({ id: topologyIds.mark('internal', n.id), kind: 'internal', label: 'internal' });
  return marks;
}

/** Build every column (unordered) and the host band, from the model alone. */
export function buildColumns(topology: TopologyView, containersById: ReadonlyMap<string, ContainerNode>): Column[] {
  const columns: Column[] = [];
  const host = topology.host;
  const placedNetns = new Set<string>();
  for (const n of topology.networks) {
    const kind = networkKind(n);
    if (kind === 'host') continue;
    const rows: Row[] = [];
    for (const e of n.endpoints) {
      const c = containersById.get(e.containerId);
      if (c && (c.networkMode === 'host' || c.networkMode.startsWith('container:'))) continue;
      const leaf: LeafSpec | null = c ? { id: topologyIds.container(c.id), containerId: c.id, spec: containerSpec(c, topology) } : null;
      if (kind === 'bridge') {
        const vethIf = e.hostVeth ? host?.interfaces.find((i) => i.name === e.hostVeth) : undefined;
        rows.push({
          key: topologyIds.endpoint(n.id, e.containerId),
          port: {
            id: topologyIds.endpoint(n.id, e.containerId),
            kind: 'endpoint',
            role: 'endpoint',
            title: e.hostVeth ?? 'veth (unknown)',
            lines: [e.hostVethIndex !== null ? `veth · ifindex ${e.hostVethIndex}` : 'veth · host side', `→ ${e.containerName}`],
            status: vethIf ? vethIf.state.toLowerCase() : null,
            facets: facets([e.hostVeth, e.containerName], [n.name, n.bridge], [e.ipv4, e.ipv6]),
          },
          leaf,
          leafEdgeLabel: containerSideLabel(c, e),
          leafEdgeRole: 'veth',
        });
      } else if (kind === 'none') {
        rows.push({ key: topologyIds.endpoint(n.id, e.containerId), port: null, leaf, leafEdgeLabel: null, leafEdgeRole: null });
      } else {
        rows.push({
          key: topologyIds.endpoint(n.id, e.containerId),
          port: null,
          leaf,
          leafEdgeLabel: `${containerSideLabel(c, e)}${kind === 'macvlan' ? ` · ${n.driver}` : ''}`,
          leafEdgeRole: 'macvlan',
        });
      }
    }
    const parentNic = kind === 'macvlan' && n.parent && host?.interfaces.some((i) => i.name === n.parent && isHostBandInterface(i)) ? topologyIds.hostInterface(n.parent) : null;
    columns.push({
      key: topologyIds.network(n.id),
      head: networkHead(n, topology),
      marks: networkMarks(n),
      uplink: kind === 'bridge' ? (n.internal ? null : 'routed') : kind === 'overlay' ? 'vxlan' : parentNic ? 'parent' : null,
      parentNic,
      rows,
      sortRank: kind === 'bridge' ? (n.name === 'bridge' ? 0 : 1) : kind === 'macvlan' ? 3 : kind === 'overlay' ? 4 : kind === 'other' ? 5 : 7,
      sortName: n.name,
    });
  }
  if (host) {
    const dockerBridges = new Set(topology.networks.map((n) => n.bridge).filter((b): b is string => b !== null));
    for (const br of host.interfaces.filter((i) => i.kind === 'bridge' && i.dockerNetworkId === null && !dockerBridges.has(i.name))) {
      const rows: Row[] = [];
      for (const port of host.interfaces.filter((i) => i.master === br.name).sort((a, b) => a.name.localeCompare(b.name))) {
        const leaf = port.peerNetns ? netnsLeaf(topology, port.peerNetns) : port.peerContainerId && containersById.get(port.peerContainerId)
          ? { id: topologyIds.container(port.peerContainerId), containerId: port.peerContainerId, spec: containerSpec(containersById.get(port.peerContainerId)!, topology) }
          : null;
        if (port.peerNetns) placedNetns.add(port.peerNetns);
        rows.push({
          key: topologyIds.bridgePort(port.name),
          port: {
            id: topologyIds.bridgePort(port.name),
            kind: 'bridgePort',
            role: 'bridgePort',
            title: port.name,
            lines: [`${port.kind} · ifindex ${port.index}`, port.peer ? `→ ${port.peer}` : 'peer unknown'],
            status: port.state.toLowerCase(),
            facets: facets([port.name, port.peer, port.peerNetns], [br.name], port.addresses),
          },
          leaf,
          leafEdgeLabel: port.peerNetns ? netnsSideLabel(topology, port.peerNetns, port.index) : null,
          leafEdgeRole: 'veth',
        });
      }
      columns.push({
        key: topologyIds.foreignBridge(br.name),
        head: {
          id: topologyIds.foreignBridge(br.name),
          kind: 'foreignBridge',
          role: 'foreignBridge',
          title: br.name,
          lines: [`bridge not made by ${engineProductText(topology.engine)}`, globalAddresses(br).join(', ') || 'no address'],
          status: br.state.toLowerCase(),
          facets: facets([br.name], [br.name], br.addresses),
        },
        marks: [],
        uplink: globalAddresses(br).length > 0 ? 'routed' : null,
        parentNic: null,
        rows,
        sortRank: 2,
        sortName: br.name,
      });
    }
    const loneNetns = host.namedNetns.filter((ns) => !placedNetns.has(ns.name));
    if (loneNetns.length > 0) {
      const rows: Row[] = loneNetns.map((ns) => {
        const hostVeth = host.interfaces.find((i) => i.peerNetns === ns.name && i.master === null);
        return {
          key: topologyIds.namedNetns(ns.name),
          port: hostVeth
            ? { id: topologyIds.bridgePort(hostVeth.name), kind: 'bridgePort', role: 'bridgePort', title: hostVeth.name, lines: [`${hostVeth.kind} · ifindex ${hostVeth.index}`, globalAddresses(hostVeth).join(', ') || 'no address'], status: hostVeth.state.toLowerCase(), facets: facets([hostVeth.name], [], hostVeth.addresses) }
            : null,
          leaf: netnsLeaf(topology, ns.name),
          leafEdgeLabel: hostVeth ? netnsSideLabel(topology, ns.name, hostVeth.index) : null,
          leafEdgeRole: 'veth',
        };
      });
      columns.push({
        key: topologyIds.group('netns'),
        head: { id: topologyIds.group('netns'), kind: 'group', role: 'group', title: 'named namespaces', lines: ['ip netns, not on a bridge', ''], status: null, facets: facets(['netns'], [], []) },
        marks: [],
        uplink: null,
        parentNic: null,
        rows,
        sortRank: 6,
        sortName: 'netns',
      });
    }
  }
  // containers no network column holds: shared netns (container:<id>), or known to no network at all
  const inColumns = new Set(columns.flatMap((c) => c.rows.map((r) => r.leaf?.containerId).filter((x): x is string => !!x)));
  const standalone = topology.containers.filter((c) => !inColumns.has(c.id) && c.networkMode !== 'host');
  if (standalone.length > 0) {
    columns.push({
      key: topologyIds.group('standalone'),
      head: { id: topologyIds.group('standalone'), kind: 'group', role: 'group', title: 'standalone', lines: ['shared or no network namespace', ''], status: null, facets: facets(['standalone'], [], []) },
      marks: [],
      uplink: null,
      parentNic: null,
      rows: standalone.map((c) => ({ key: topologyIds.container(c.id), port: null, leaf: { id: topologyIds.container(c.id), containerId: c.id, spec: containerSpec(c, topology) }, leafEdgeLabel: null, leafEdgeRole: null })),
      sortRank: 8,
      sortName: 'standalone',
    });
  }
  return columns;
}

function netnsLeaf(topology: TopologyView, name: string): LeafSpec {
  const ns = topology.host?.namedNetns.find((n) => n.name === name);
  const addrs = ns && ns.interfaces.known ? ns.interfaces.value.flatMap((i) => i.addresses.map((a) => a.address)) : [];
  return {
    id: topologyIds.namedNetns(name),
    containerId: null,
    spec: {
      id: topologyIds.namedNetns(name),
      kind: 'namedNetns',
      role: 'namedNetns',
      title: name,
      lines: ['named netns', ns?.id !== null && ns?.id !== undefined ? `netnsid ${ns.id}` : ''],
      status: null,
      facets: facets([name, 'netns'], [], addrs),
    },
  };
}

function netnsSideLabel(topology: TopologyView, netns: string, hostIndex: number): string | null {
  const ns = topology.host?.namedNetns.find((n) => n.name === netns);
  if (!ns || !ns.interfaces.known) return null;
  const inner = ns.interfaces.value.find((i) => i.linkIndex === hostIndex);
  if (!inner) return null;
  const a = inner.addresses.find((x) => x.family === 'inet') ?? inner.addresses[0];
  return a ? `${inner.name} ${a.address}/${a.prefixLen}` : inner.name;
}

