/**
 * Topology → positioned nodes and edges. Pure (no DOM), so it runs in Node tests.
 *
 * Layered like the seeds draw it: the host's NICs (and host-network containers) across the top,
 * then one column per bridge/network with its head on top, a bus down the column and one row per
 * endpoint: the host-side veth, then the container it leads to. Macvlan/ipvlan and overlay columns
 * have no veth; a container hangs straight off the parent or VXLAN head.
 *
 * Stability: the caller passes back the `memory` of the previous layout. Columns, rows and host-band
 * slots keep their index while their key exists; a vanished key leaves a hole that a newcomer may
 * fill, so one container starting never moves another. An empty memory gives a tidy fresh layout.
 */
import type { ContainerNode, Endpoint, HostInterfaceNode, NetworkNode, Topology } from '../src/core/model/types';
import type { MarkKind, TopologyItemKind } from '../src/protocol/topologyIds';
import { topologyIds } from '../src/protocol/topologyIds';

export interface LayoutMark {
  readonly id: string;
  readonly kind: MarkKind;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

/** What search and filter look at (all lower case). */
export interface NodeFacets {
  readonly names: readonly string[];
  readonly networks: readonly string[];
  readonly ips: readonly string[];
  readonly ports: readonly string[];
}

export type NodeRole = 'nic' | 'hostContainer' | 'network' | 'foreignBridge' | 'group' | 'endpoint' | 'bridgePort' | 'container' | 'namedNetns';

export interface LayoutNode {
  readonly id: string;
  readonly kind: TopologyItemKind;
  readonly role: NodeRole;
  /** top-left corner */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly lines: readonly string[];
  /** the column this node sits in, null for the host band */
  readonly column: string | null;
  readonly marks: readonly LayoutMark[];
  readonly facets: NodeFacets;
  /** running / exited / … for containers, up/down for interfaces; drives a CSS class */
  readonly status: string | null;
  /** for a collapsed column head: how many rows are hidden */
  readonly hiddenRows: number;
}

export type EdgeRole = 'uplink' | 'bus' | 'veth' | 'macvlan' | 'vxlan' | 'publish' | 'sharesNetns' | 'parent';

export interface LayoutEdge {
  readonly id: string;
  readonly role: EdgeRole;
  readonly source: string;
  readonly target: string;
  /** `orthogonal`: polyline through the points; `curve`: vertical cubic from first to last point */
  readonly shape: 'orthogonal' | 'curve';
  readonly points: readonly (readonly [number, number])[];
  readonly label: string | null;
  readonly labelX: number;
  readonly labelY: number;
  /** which end of the label sits at (labelX, labelY) */
  readonly labelAnchor: 'start' | 'end';
}

export interface LayoutMemory {
  readonly columns: readonly (string | null)[];
  readonly rows: Readonly<Record<string, readonly (string | null)[]>>;
  readonly hostBand: readonly (string | null)[];
  /** container id → the column it was drawn in (a container on several networks sits in one) */
  readonly homes: Readonly<Record<string, string>>;
  /** rows reserved per band of columns; a band only grows (by a step, with room to spare) */
  readonly bandRows?: readonly number[];
  /** columns per band, chosen once for the window's shape and kept until a fresh layout */
  readonly columnsPerBand?: number;
}

export interface TopologyLayout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  readonly width: number;
  readonly height: number;
  /** node id → ids of the nodes and edges on its way to the host NIC (itself included) */
  readonly pathsToHost: Readonly<Record<string, readonly string[]>>;
  readonly memory: LayoutMemory;
}

export interface LayoutOptions {
  /** column keys (network head ids) drawn collapsed */
  readonly collapsed?: ReadonlySet<string>;
  readonly memory?: LayoutMemory | null;
  /** columns per band when the memory holds none (default 5) */
  readonly columnsPerBand?: number;
}

export const emptyLayoutMemory: LayoutMemory = { columns: [], rows: {}, hostBand: [], homes: {} };

// geometry, in SVG user units
const margin = 24;
const nicWidth = 200;
const nicHeight = 52;
const bandGap = 24;
const columnWidth = 500;
const columnGap = 40;
const headY = margin + nicHeight + 110;
const headWidth = 460;
const headHeight = 80;
const headToRows = 30;
const bandGapY = 70;
/** columns side by side before the next band starts below, unless the caller picks (see bestColumnsPerBand) */
const defaultColumnsPerBand = 5;
/**
 * a band reserves rows in steps of this many, with three (or half as many again) to spare: the
 * band below moves only when a column outgrows that reserve
 */
const bandRowStep = 2;
const rowHeight = 74;
const endpointX = 28;
const endpointWidth = 140;
const nodeHeight = 52;
const containerX = 305;
const containerWidth = 190;
const markHeight = 16;

interface Row {
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

interface PortSpec {
  readonly id: string;
  readonly kind: TopologyItemKind;
  readonly role: NodeRole;
  readonly title: string;
  readonly lines: readonly string[];
  readonly status: string | null;
  readonly facets: NodeFacets;
}

interface LeafSpec {
  readonly id: string;
  /** container id, or null for a named netns */
  readonly containerId: string | null;
  readonly spec: PortSpec;
}

interface Column {
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

const facets = (names: readonly (string | null)[], networks: readonly (string | null)[], ips: readonly (string | null)[], ports: readonly string[] = []): NodeFacets => ({
  names: lower(names),
  networks: lower(networks),
  ips: lower(ips),
  ports: lower(ports),
});

function shortId(id: string): string {
  return id.slice(0, 12);
}

/** The interface the host's default IPv4 route leaves by, where the snapshot knows it. */
export function defaultRouteInterface(topology: Topology): string | null {
  const route = topology.host?.routes.find((r) => r.dst === 'default' && r.family === 'inet' && r.table === 'main' && r.dev);
  return route?.dev ?? null;
}

const hostBandKinds = new Set(['physical', 'bond', 'vlan', 'wireguard', 'tun']);

function isHostBandInterface(i: HostInterfaceNode): boolean {
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

function containerSpec(c: ContainerNode, topology: Topology): PortSpec {
  const endpoints = topology.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id));
  const ports = c.ports.flatMap((p) => [`${p.containerPort}`, `${p.containerPort}/${p.protocol}`, ...(p.hostPort !== null ? [`${p.hostPort}`] : [])]);
  return {
    id: topologyIds.container(c.id),
    kind: 'container',
    role: 'container',
    title: c.name,
    lines: [`${c.state} · ${c.image}`, c.networkMode === 'none' ? 'network: none' : c.sharesNetnsWith ? 'shares a netns' : `${shortId(c.id)}`],
    status: c.state,
    facets: facets([c.name, c.id, shortId(c.id), c.image], [...c.networks, ...endpoints.map((e) => e.networkName)], [...endpoints.flatMap((e) => [e.ipv4, e.ipv6]), ...c.interfaces.flatMap((i) => i.addresses.map((a) => a.address))], ports),
  };
}

/** Global addresses with their prefix, e.g. `192.0.2.2/24` (link-local ones say nothing about routing). */
function globalAddresses(i: HostInterfaceNode): string[] {
  return i.addressDetails.filter((a) => a.scope === 'global').map((a) => `${a.address}/${a.prefixLen}`);
}

function networkHead(n: NetworkNode, topology: Topology): PortSpec {
  const kind = networkKind(n);
  // the default bridge's IPAM lists no gateway on 20.10: the bridge's own address is the gateway
  const bridgeIf = n.bridge ? topology.host?.interfaces.find((i) => i.name === n.bridge) : undefined;
  const gateways = n.gateways.length > 0 ? n.gateways : bridgeIf ? bridgeIf.addressDetails.filter((a) => a.scope === 'global' && a.family === 'inet').map((a) => a.address) : [];
  const subnetLine = n.subnets.length > 0 ? `${n.subnets.join(', ')}${gateways.length > 0 ? ` gw ${gateways.join(', ')}` : ''}` : 'no subnet';
  let title = n.name;
  let first = `${n.driver} network`;
  if (kind === 'bridge') {
    title = n.bridge ?? n.name;
    first = `network ${n.name} · bridge${n.bridgePresent === false ? ' (missing on host)' : ''}`;
  } else if (kind === 'macvlan') {
    title = n.parent ?? `${n.name} (no parent)`;
    first = `${n.driver} parent of ${n.name}`;
  } else if (kind === 'overlay') {
    const vni = n.options['com.docker.network.driver.overlay.vxlanid_list'];
    first = `overlay · VXLAN${vni ? ` id ${vni}` : ''}${n.ingress ? ' · ingress' : ''}`;
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
    facets: facets([n.name, n.bridge, n.parent, n.id, shortId(n.id)], [n.name, n.bridge], [...n.subnets, ...n.gateways]),
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
function buildColumns(topology: Topology, containersById: ReadonlyMap<string, ContainerNode>): Column[] {
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
          lines: ['bridge not made by Docker', globalAddresses(br).join(', ') || 'no address'],
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

function netnsLeaf(topology: Topology, name: string): LeafSpec {
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

function netnsSideLabel(topology: Topology, netns: string, hostIndex: number): string | null {
  const ns = topology.host?.namedNetns.find((n) => n.name === netns);
  if (!ns || !ns.interfaces.known) return null;
  const inner = ns.interfaces.value.find((i) => i.linkIndex === hostIndex);
  if (!inner) return null;
  const a = inner.addresses.find((x) => x.family === 'inet') ?? inner.addresses[0];
  return a ? `${inner.name} ${a.address}/${a.prefixLen}` : inner.name;
}

/** Keep remembered slots, leave holes for vanished keys, put newcomers in the first hole or at the end. */
export function assignSlots(previous: readonly (string | null)[], keys: readonly string[]): (string | null)[] {
  const present = new Set(keys);
  const slots = previous.map((k) => (k !== null && present.has(k) ? k : null));
  const placed = new Set(slots.filter((k): k is string => k !== null));
  for (const k of keys) {
    if (placed.has(k)) continue;
    const hole = slots.indexOf(null);
    if (hole >= 0) slots[hole] = k;
    else slots.push(k);
    placed.add(k);
  }
  while (slots.length > 0 && slots[slots.length - 1] === null) slots.pop();
  return slots;
}

function curvePoint(x1: number, y1: number, x2: number, y2: number, t: number): [number, number] {
  const my = (y1 + y2) / 2;
  const u = 1 - t;
  const x = u * u * u * x1 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x2;
  const y = u * u * u * y1 + 3 * u * u * t * my + 3 * u * t * t * my + t * t * t * y2;
  return [x, y];
}

export function layoutTopology(topology: Topology, options: LayoutOptions = {}): TopologyLayout {
  const memory = options.memory ?? emptyLayoutMemory;
  const collapsed = options.collapsed ?? new Set<string>();
  const containersById = new Map(topology.containers.map((c) => [c.id, c]));
  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  const nodeById = new Map<string, LayoutNode>();
  const addNode = (n: LayoutNode): void => {
    nodes.push(n);
    nodeById.set(n.id, n);
  };

  // ---- host band: NICs, then host-network containers
  const host = topology.host;
  const defaultDev = defaultRouteInterface(topology);
  const bandSpecs = new Map<string, PortSpec>();
  if (host) {
    for (const i of host.interfaces.filter(isHostBandInterface)) {
      bandSpecs.set(topologyIds.hostInterface(i.name), {
        id: topologyIds.hostInterface(i.name),
        kind: 'hostInterface',
        role: 'nic',
        title: i.name,
        lines: [globalAddresses(i).slice(0, 2).join(', ') || 'no address', `${i.kind} · ${i.state.toLowerCase()}${i.name === defaultDev ? ' · default route' : ''}`],
        status: i.state.toLowerCase(),
        facets: facets([i.name, i.mac], [], i.addresses.map((a) => a.split('/')[0] ?? a)),
      });
    }
  }
  if (bandSpecs.size === 0) {
    const id = topologyIds.group('host');
    bandSpecs.set(id, { id, kind: 'group', role: 'nic', title: host?.hostname ?? 'host', lines: [host ? 'no NIC found' : 'host facts unknown', topology.engine.endpoint.url], status: null, facets: facets(['host'], [], []) });
  }
  for (const c of topology.containers.filter((x) => x.networkMode === 'host')) {
    const spec = containerSpec(c, topology);
    bandSpecs.set(spec.id, { ...spec, role: 'hostContainer', lines: [`${c.state} · ${c.image}`, 'network: host'] });
  }
  const bandKeys = [...bandSpecs.keys()].sort((a, b) => {
    const rank = (k: string): number => (k === topologyIds.hostInterface(defaultDev ?? '') ? 0 : k.startsWith('ctr:') ? 2 : 1);
    return rank(a) - rank(b) || (bandSpecs.get(a)!.title.localeCompare(bandSpecs.get(b)!.title));
  });
  const hostBand = assignSlots(memory.hostBand, bandKeys);
  hostBand.forEach((key, i) => {
    if (key === null) return;
    const s = bandSpecs.get(key)!;
    addNode({ ...s, x: margin + i * (nicWidth + bandGap), y: margin, width: nicWidth, height: nicHeight, column: null, marks: [], hiddenRows: 0 });
  });
  const anchorId = defaultDev && bandSpecs.has(topologyIds.hostInterface(defaultDev)) ? topologyIds.hostInterface(defaultDev) : bandKeys.find((k) => !k.startsWith('ctr:'))!;
  const anchor = nodeById.get(anchorId)!;
  if (host?.ipForward === false) {
    const marks = [{ id: topologyIds.mark('ip-forward-off', 'host'), kind: 'ip-forward-off' as const, label: 'ip_forward off', x: anchor.x + 6, y: anchor.y + anchor.height + 4, width: 96 }];
    const withMark = { ...anchor, marks };
    nodes[nodes.indexOf(anchor)] = withMark;
    nodeById.set(anchorId, withMark);
  }

  // ---- columns
  const columns = buildColumns(topology, containersById);
  const defaultOrder = [...columns].sort((a, b) => a.sortRank - b.sortRank || a.sortName.localeCompare(b.sortName)).map((c) => c.key);
  const columnSlots = assignSlots(memory.columns, defaultOrder);
  const columnIndex = new Map(columnSlots.map((k, i) => [k, i] as const).filter((e): e is [string, number] => e[0] !== null));

  // a container on several networks is drawn once, in its remembered column or its first one
  const homes: Record<string, string> = {};
  const attachments = new Map<string, string[]>();
  for (const col of columns) for (const r of col.rows) if (r.leaf) attachments.set(r.leaf.id, [...(attachments.get(r.leaf.id) ?? []), col.key]);
  for (const [leafId, cols] of attachments) {
    const remembered = memory.homes[leafId];
    homes[leafId] = remembered && cols.includes(remembered) ? remembered : [...cols].sort((a, b) => columnIndex.get(a)! - columnIndex.get(b)!)[0]!;
  }

  const rowSlots: Record<string, (string | null)[]> = {};
  const leafEdges: { from: string; leaf: string; label: string | null; role: 'veth' | 'macvlan'; key: string }[] = [];
  const pathsToHost: Record<string, string[]> = {};
  const uplinkPath = new Map<string, string[]>();

  for (const col of columns) rowSlots[col.key] = assignSlots(memory.rows[col.key] ?? [], col.rows.map((r) => r.key));
  const columnsPerBand = Math.max(1, Math.floor(memory.columnsPerBand ?? options.columnsPerBand ?? defaultColumnsPerBand));
  const bandCount = Math.ceil(columnSlots.length / columnsPerBand);
  const bandTops: number[] = [];
  const bandRows: number[] = [];
  for (let b = 0, top = headY; b < bandCount; b++) {
    bandTops.push(top);
    let rows = 0;
    for (const col of columns) {
      const ci = columnIndex.get(col.key)!;
      if (Math.floor(ci / columnsPerBand) === b && !collapsed.has(col.key)) rows = Math.max(rows, rowSlots[col.key]!.length);
    }
    const remembered = memory.bandRows?.[b] ?? 0;
    const spare = Math.max(3, Math.ceil(rows / 2));
    const reserved = rows <= remembered ? remembered : Math.ceil((rows + spare) / bandRowStep) * bandRowStep;
    bandRows.push(reserved);
    top += headHeight + headToRows + reserved * rowHeight + bandGapY;
  }

  for (const col of columns) {
    const ci = columnIndex.get(col.key)!;
    const x0 = margin + (ci % columnsPerBand) * (columnWidth + columnGap);
    const headY = bandTops[Math.floor(ci / columnsPerBand)]!;
    const firstRowY = headY + headHeight + headToRows;
    const isCollapsed = collapsed.has(col.key);
    const slots = rowSlots[col.key]!;
    const marks: LayoutMark[] = [];
    let mx = x0 + headWidth - 6;
    for (const m of [...col.marks].reverse()) {
      const width = 12 + m.label.length * 6.4;
      mx -= width;
      marks.push({ ...m, x: mx, y: headY + headHeight - markHeight - 5, width });
      mx -= 4;
    }
    const head: LayoutNode = { ...col.head, x: x0, y: headY, width: headWidth, height: headHeight, column: col.key, marks: marks.reverse(), hiddenRows: isCollapsed ? col.rows.length : 0 };
    addNode(head);

    const up: string[] = [head.id];
    const uplinkTarget = col.uplink === 'parent' && col.parentNic && nodeById.has(col.parentNic) ? col.parentNic : col.uplink ? anchorId : null;
    if (uplinkTarget) {
      const t = nodeById.get(uplinkTarget)!;
      const role: EdgeRole = col.uplink === 'vxlan' ? 'vxlan' : col.uplink === 'parent' ? 'parent' : 'uplink';
      const id = topologyIds.edge(role, col.key);
      const x1 = x0 + headWidth / 2;
      const x2 = t.x + t.width / 2;
      const [lx, ly] = curvePoint(x1, headY, x2, t.y + t.height, 0.35);
      edges.push({ id, role, source: head.id, target: t.id, shape: 'curve', points: [[x1, headY], [x2, t.y + t.height]], label: role === 'vxlan' ? 'VXLAN udp/4789' : role === 'parent' ? 'parent' : 'routed', labelX: lx, labelY: ly, labelAnchor: 'start' });
      up.push(id, t.id);
    }
    uplinkPath.set(col.key, up);
    pathsToHost[head.id] = up;
    if (isCollapsed) continue;

    slots.forEach((key, ri) => {
      if (key === null) return;
      const row = col.rows.find((r) => r.key === key)!;
      const y = firstRowY + ri * rowHeight;
      let from = head.id;
      let fromPath = up;
      if (row.port) {
        const port: LayoutNode = { ...row.port, x: x0 + endpointX, y, width: endpointWidth, height: nodeHeight, column: col.key, marks: [], hiddenRows: 0 };
        addNode(port);
        const busId = topologyIds.edge('bus', port.id);
        edges.push({ id: busId, role: 'bus', source: head.id, target: port.id, shape: 'orthogonal', points: [[x0 + 12, headY + headHeight], [x0 + 12, y + nodeHeight / 2], [x0 + endpointX, y + nodeHeight / 2]], label: null, labelX: 0, labelY: 0, labelAnchor: 'start' });
        from = port.id;
        fromPath = [port.id, busId, ...up];
        pathsToHost[port.id] = fromPath;
      }
      if (row.leaf) {
        if (homes[row.leaf.id] === col.key) {
          addNode({ ...row.leaf.spec, x: x0 + containerX, y, width: containerWidth, height: nodeHeight, column: col.key, marks: [], hiddenRows: 0 });
        }
        if (row.leafEdgeRole !== null) {
          leafEdges.push({ from, leaf: row.leaf.id, label: row.leafEdgeLabel, role: row.leafEdgeRole, key: row.key });
          const eid = topologyIds.edge(row.leafEdgeRole, row.key);
          pathsToHost[row.leaf.id] = [...(pathsToHost[row.leaf.id] ?? [row.leaf.id]), eid, ...fromPath];
        } else {
          pathsToHost[row.leaf.id] ??= [row.leaf.id];
        }
      }
    });
  }

  // ---- edges into containers/netns (drawn once the leaves have positions)
  for (const le of leafEdges) {
    const from = nodeById.get(le.from);
    const leaf = nodeById.get(le.leaf);
    if (!from || !leaf) continue;
    const id = topologyIds.edge(le.role, le.key);
    const sameRowY = leaf.y + leaf.height / 2;
    if (from.role === 'network' || from.role === 'group') {
      const bx = from.x + 12;
      edges.push({ id, role: le.role, source: from.id, target: leaf.id, shape: 'orthogonal', points: [[bx, from.y + from.height], [bx, sameRowY], [leaf.x, sameRowY]], label: le.label, labelX: bx + 10, labelY: sameRowY - 6, labelAnchor: 'start' });
    } else if (Math.abs(from.y - leaf.y) < 1 && leaf.x > from.x) {
      edges.push({ id, role: le.role, source: from.id, target: leaf.id, shape: 'orthogonal', points: [[from.x + from.width, sameRowY], [leaf.x, sameRowY]], label: le.label, labelX: from.x + from.width + 4, labelY: sameRowY - 6, labelAnchor: 'start' });
    } else {
      // a second attachment: the container sits in another column
      const sx = from.x + from.width;
      const sy = from.y + from.height / 2;
      const tx = leaf.x + leaf.width / 2;
      const ty = leaf.y + (leaf.y > sy ? 0 : leaf.height);
      const [lx, ly] = curvePoint(sx, sy, tx, ty, 0.15);
      edges.push({ id, role: le.role, source: from.id, target: leaf.id, shape: 'curve', points: [[sx, sy], [tx, ty]], label: le.label, labelX: lx + 4, labelY: ly - 6, labelAnchor: 'start' });
    }
  }
  for (const c of topology.containers) {
    if (!c.sharesNetnsWith) continue;
    const a = nodeById.get(topologyIds.container(c.id));
    const b = nodeById.get(topologyIds.container(c.sharesNetnsWith));
    if (!a || !b) continue;
    const [lx, ly] = curvePoint(a.x, a.y + a.height / 2, b.x + b.width, b.y + b.height / 2, 0.5);
    edges.push({ id: topologyIds.edge('sharesNetns', topologyIds.container(c.id)), role: 'sharesNetns', source: a.id, target: b.id, shape: 'curve', points: [[a.x, a.y + a.height / 2], [b.x + b.width, b.y + b.height / 2]], label: 'shares netns', labelX: lx, labelY: ly, labelAnchor: 'start' });
  }

  // ---- publishes: host address:port → container port
  // one edge per publish (each opens its own DNAT rule); one label per container and port, naming
  // every host address it is published on, placed over the container's top right corner
  const labelled = new Map<string, { index: number; addresses: string[] }>();
  const perContainer = new Map<string, number>();
  const bandInterfaces = host?.interfaces.filter(isHostBandInterface) ?? [];
  const publishEdges: { edge: LayoutEdge; group: string }[] = [];
  for (const p of topology.publishes) {
    const target = nodeById.get(topologyIds.container(p.containerId));
    if (!target) continue;
    const sourceId = bandInterfaces.find((i) => i.addresses.some((a) => a.split('/')[0] === p.hostIp))?.name;
    const source = nodeById.get(sourceId ? topologyIds.hostInterface(sourceId) : anchorId) ?? anchor;
    const group = `${p.containerId}/${p.hostPort}/${p.containerPort}/${p.protocol}`;
    const hostIp = p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp;
    let g = labelled.get(group);
    if (!g) {
      const index = perContainer.get(p.containerId) ?? 0;
      perContainer.set(p.containerId, index + 1);
      g = { index, addresses: [] };
      labelled.set(group, g);
    }
    g.addresses.push(`${hostIp}:${p.hostPort}`);
    const sx = source.x + source.width - 16 - (g.index % 4) * 10;
    const sy = source.y + source.height;
    const tx = target.x + target.width - 14 - g.index * 12;
    const ty = target.y;
    const edge: LayoutEdge = {
      id: topologyIds.publish(p.containerId, p.hostIp, p.hostPort, p.protocol),
      role: 'publish',
      source: source.id,
      target: target.id,
      shape: 'curve',
      points: [[sx, sy], [tx, ty]],
      label: null,
      labelX: target.x + target.width,
      labelY: target.y - 5 - g.index * 13,
      labelAnchor: 'end',
    };
    publishEdges.push({ edge, group });
  }
  const seen = new Set<string>();
  for (const { edge, group } of publishEdges) {
    const g = labelled.get(group)!;
    const [, , containerPort, protocol] = group.split('/');
    edges.push(seen.has(group) ? edge : { ...edge, label: `${g.addresses.join(' · ')} → ${containerPort}/${protocol}` });
    seen.add(group);
  }

  let width = 0;
  let height = 0;
  for (const n of nodes) {
    width = Math.max(width, n.x + n.width);
    height = Math.max(height, n.y + n.height);
  }
  return {
    nodes,
    edges,
    width: width + margin + columnGap,
    height: height + margin,
    pathsToHost,
    memory: { columns: columnSlots, rows: rowSlots, hostBand, homes: { ...memory.homes, ...homes }, bandRows, columnsPerBand },
  };
}

/**
 * The columns-per-band that shows a fresh layout largest in a view of this size (tries 1–8 bands'
 * widths on a dry run). Big topologies skip the trial and take the default: they are zoomed out anyway.
 */
export function bestColumnsPerBand(topology: Topology, viewWidth: number, viewHeight: number, collapsed?: ReadonlySet<string>): number {
  if (viewWidth <= 0 || viewHeight <= 0 || topology.containers.length > 150) return defaultColumnsPerBand;
  let best = defaultColumnsPerBand;
  let bestScale = 0;
  for (let n = 1; n <= 8; n++) {
    const l = layoutTopology(topology, { columnsPerBand: n, ...(collapsed ? { collapsed } : {}) });
    const scale = Math.min(viewWidth / l.width, viewHeight / l.height);
    if (scale > bestScale + 1e-9) {
      bestScale = scale;
      best = n;
    }
    if ((l.memory.columns.length ?? 0) <= n) break;
  }
  return best;
}

/** Column heads, which the renderer lets the user collapse. */
export function columnHeads(layout: TopologyLayout): LayoutNode[] {
  return layout.nodes.filter((n) => n.column !== null && n.id === n.column);
}
