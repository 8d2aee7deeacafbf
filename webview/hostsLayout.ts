/**
 * Several Docker hosts side by side (protocol 5, SeveralHosts): each host's own layout
 * (layout.ts) in a frame of its own, left to right in the configured order, and above the frames
 * one lane per link between two hosts' interfaces — the underlay each kernel routes the other's
 * address over (src/core/model/hostLinks.ts) — and one per overlay's VXLAN tunnel between them. A pair that could not be joined gets a dashed lane
 * between the frames that says why; a host whose model was not read is a frame that says so.
 *
 * The drawn engine's items keep their ids (search, trace, focus and the panes work on them as
 * before); another host's items are `topologyIds.onHost(key, id)`. Pure (no DOM).
 */
import type { HostLinkView, HostTunnelView, SeveralHosts } from '../src/protocol/topologyProtocol';
import type { TopologyView } from '../src/protocol/topologyView';
import { topologyIds } from '../src/protocol/topologyIds';
import type { LayoutEdge, LayoutFrame, LayoutNode, TopologyLayout } from './layoutTypes';

const margin = 16;
const framePad = 14;
const frameLabel = 22;
const hostGap = 90;
/** the first lane's height above the frames, and the step between lanes */
const laneTop = margin + 18;
const laneStep = 18;
const placeholderWidth = 300;

/** One host to place: its layout (null when its model was not read) and what its frame says. */
export interface HostPart {
  readonly key: string;
  readonly label: string;
  readonly view: TopologyView | null;
  readonly layout: TopologyLayout | null;
  readonly reason: string | null;
}

/** The interfaces of host `key` that links leave or reach by: drawn in its host band whatever their kind. */
export function underlayOf(hosts: SeveralHosts, key: string): Set<string> {
  const out = new Set<string>();
  for (const l of hosts.links) {
    if (l.from === key) out.add(l.fromInterface);
    if (l.to === key) out.add(l.toInterface);
  }
  return out;
}

function shifted(l: TopologyLayout, dx: number, dy: number, id: (s: string) => string): Pick<TopologyLayout, 'nodes' | 'edges' | 'frames' | 'pathsToHost'> {
  return {
    nodes: l.nodes.map((n) => ({ ...n, id: id(n.id), x: n.x + dx, y: n.y + dy, column: n.column === null ? null : id(n.column), marks: n.marks.map((m) => ({ ...m, id: id(m.id), x: m.x + dx, y: m.y + dy })) })),
    edges: l.edges.map((e) => ({ ...e, id: id(e.id), source: id(e.source), target: id(e.target), points: e.points.map(([x, y]) => [x + dx, y + dy] as const), labelX: e.labelX + dx, labelY: e.labelY + dy })),
    frames: l.frames.map((f) => ({ ...f, id: id(f.id), x: f.x + dx, y: f.y + dy, boxes: f.boxes.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy })), members: f.members.map(id) })),
    pathsToHost: Object.fromEntries(Object.entries(l.pathsToHost).map(([k, v]) => [id(k), v.map(id)])),
  };
}

const linkText = (l: HostLinkView | undefined): string => (!l ? '' : l.direct ? 'same link' : `via ${l.via ?? 'default route'}`);

/** Places each host's layout in its own frame, side by side, with the links between them on lanes above. `self` keeps its ids. */
export function placeHosts(parts: readonly HostPart[], hosts: SeveralHosts): TopologyLayout {
  const self = parts.find((p) => p.key === hosts.self);
  const idOf = (key: string) => (id: string): string => (key === hosts.self ? id : topologyIds.onHost(key, id));
  const index = new Map(parts.map((p, i) => [p.key, i] as const));

  // links between the same two interfaces (one each way) make one lane
  const pairs = new Map<string, { a: { key: string; iface: string }; b: { key: string; iface: string }; addresses: Map<string, string>; link: HostLinkView }>();
  for (const l of hosts.links) {
    if (!index.has(l.from) || !index.has(l.to)) continue;
    const ends = [{ key: l.from, iface: l.fromInterface }, { key: l.to, iface: l.toInterface }].sort((x, y) => index.get(x.key)! - index.get(y.key)!);
    const k = JSON.stringify(ends);
    const pair = pairs.get(k) ?? { a: ends[0]!, b: ends[1]!, addresses: new Map<string, string>(), link: l };
    pair.addresses.set(l.to, l.address);
    pairs.set(k, pair);
  }
  // an unjoined pair is said once, whichever way it was found
  const unknown = new Map<string, { a: string; b: string; reason: string }>();
  for (const u of hosts.unknown) {
    if (!index.has(u.from) || !index.has(u.to)) continue;
    const [a, b] = [u.from, u.to].sort((x, y) => index.get(x)! - index.get(y)!);
    const k = JSON.stringify([a, b]);
    if (!unknown.has(k)) unknown.set(k, { a: a!, b: b!, reason: u.reason });
  }
  // an overlay's tunnels between two hosts (one each way) make one lane, between the interfaces they leave by
  const tunnels = new Map<string, { a: string; b: string; ways: HostTunnelView[] }>();
  for (const t of hosts.tunnels) {
    if (!index.has(t.from) || !index.has(t.to)) continue;
    const [a, b] = [t.from, t.to].sort((x, y) => index.get(x)! - index.get(y)!);
    const k = JSON.stringify([a, b, t.networkId]);
    const entry = tunnels.get(k) ?? { a: a!, b: b!, ways: [] };
    entry.ways.push(t);
    tunnels.set(k, entry);
  }
  const lanes = pairs.size + tunnels.size + unknown.size;
  const top = lanes > 0 ? laneTop + lanes * laneStep + 10 : margin;

  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  const frames: LayoutFrame[] = [];
  const hostFrames: LayoutFrame[] = [];
  const pathsToHost: Record<string, readonly string[]> = {};
  let x = margin;
  for (const p of parts) {
    const id = idOf(p.key);
    const fx = x;
    const fy = top;
    let contentWidth: number;
    let contentHeight: number;
    const members: string[] = [];
    if (p.layout) {
      // a layout starts at (margin, margin) and ends a margin short of its width and height
      const dx = fx + framePad - margin;
      const dy = fy + framePad + frameLabel - margin;
      const s = shifted(p.layout, dx, dy, id);
      nodes.push(...s.nodes);
      edges.push(...s.edges);
      frames.push(...s.frames);
      Object.assign(pathsToHost, s.pathsToHost);
      members.push(...s.nodes.map((n) => n.id));
      contentWidth = p.layout.width - 2 * margin;
      contentHeight = p.layout.height - 2 * margin;
    } else {
      const n: LayoutNode = {
        id: id(topologyIds.group('host')),
        kind: 'group',
        role: 'group',
        x: fx + framePad,
        y: fy + framePad + frameLabel,
        width: placeholderWidth,
        height: 46,
        title: p.label,
        lines: ['model not read', p.reason ?? 'not read yet'],
        column: null,
        marks: [],
        facets: { names: [p.label.toLowerCase()], networks: [], ips: [], ports: [] },
        status: null,
        hiddenRows: 0,
      };
      nodes.push(n);
      members.push(n.id);
      contentWidth = placeholderWidth;
      contentHeight = 46;
    }
    const width = contentWidth + 2 * framePad;
    const height = contentHeight + 2 * framePad + frameLabel;
    const where = p.view ? ` — ${p.view.host?.hostname ?? 'host facts unknown'} · ${p.view.engine.endpoint.url}` : '';
    hostFrames.push({ kind: 'host', id: topologyIds.hostFrame(p.key), label: `${p.label}${where}`, x: fx, y: fy, width, height, boxes: [{ x: fx, y: fy, width, height }], members });
    x = fx + width + hostGap;
  }

  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  const frameOf = new Map(hostFrames.map((f, i) => [parts[i]!.key, f] as const));
  let lane = 0;
  const laneY = (): number => laneTop + lane++ * laneStep;
  for (const pair of pairs.values()) {
    const end = (e: { key: string; iface: string }): { id: string; x: number; y: number } => {
      const n = byId.get(idOf(e.key)(topologyIds.hostInterface(e.iface)));
      const f = frameOf.get(e.key)!;
      return n ? { id: n.id, x: n.x + n.width / 2, y: n.y } : { id: f.id, x: f.x + f.width / 2, y: f.y };
    };
    const s = end(pair.a);
    const t = end(pair.b);
    const y = laneY();
    const addresses = [pair.addresses.get(pair.a.key), pair.addresses.get(pair.b.key)].filter((v): v is string => v !== undefined);
    edges.push({
      id: topologyIds.edge('hostLink', `${pair.a.key}/${pair.a.iface}|${pair.b.key}/${pair.b.iface}`),
      role: 'hostLink',
      source: s.id,
      target: t.id,
      shape: 'orthogonal',
      points: [[s.x, s.y], [s.x, y], [t.x, y], [t.x, t.y]],
      label: `${pair.a.iface} ${addresses.join(' ⇄ ')} ${pair.b.iface} · ${linkText(pair.link)}`,
      labelX: Math.min(s.x, t.x) + 10,
      labelY: y - 4,
      labelAnchor: 'start',
    });
  }
  for (const t of tunnels.values()) {
    // each end is the interface that host sends the tunnel's packets out of; the far end of a one-way
    // tunnel is the interface holding the address it is sent to, as the links know it
    const ifaceOf = (key: string): string | null => {
      const out = t.ways.find((w) => w.from === key);
      if (out) return out.fromInterface;
      const into = t.ways.find((w) => w.to === key);
      return into ? (hosts.links.find((l) => l.to === key && l.address === into.remote)?.toInterface ?? null) : null;
    };
    const end = (key: string): { id: string; x: number; y: number } => {
      const iface = ifaceOf(key);
      const n = iface ? byId.get(idOf(key)(topologyIds.hostInterface(iface))) : undefined;
      const f = frameOf.get(key)!;
      return n ? { id: n.id, x: n.x + n.width / 2 + 12, y: n.y } : { id: f.id, x: f.x + f.width / 2 + 12, y: f.y };
    };
    const s = end(t.a);
    const e = end(t.b);
    const y = laneY();
    const w = t.ways[0]!;
    const ends = [...new Set(t.ways.flatMap((x) => [x.local, x.remote]).filter((v): v is string => v !== null))];
    edges.push({
      id: topologyIds.edge('hostTunnel', `${t.a}|${t.b}|${w.networkId}`),
      role: 'hostTunnel',
      source: s.id,
      target: e.id,
      shape: 'orthogonal',
      points: [[s.x, s.y], [s.x, y], [e.x, y], [e.x, e.y]],
      label: `overlay ${w.networkName} · VXLAN${w.vni !== null ? ` id ${w.vni}` : ''}${w.port !== null ? ` udp/${w.port}` : ''} · ${ends.join(' ⇄ ')}${t.ways.length < 2 ? ' (one way only)' : ''}`,
      labelX: Math.min(s.x, e.x) + 10,
      labelY: y - 4,
      labelAnchor: 'start',
    });
  }
  for (const u of unknown.values()) {
    const fa = frameOf.get(u.a)!;
    const fb = frameOf.get(u.b)!;
    const y = laneY();
    const sx = fa.x + fa.width / 2;
    const tx = fb.x + fb.width / 2;
    edges.push({
      id: topologyIds.edge('hostLinkUnknown', `${u.a}|${u.b}`),
      role: 'hostLinkUnknown',
      source: fa.id,
      target: fb.id,
      shape: 'orthogonal',
      points: [[sx, fa.y], [sx, y], [tx, y], [tx, fb.y]],
      label: `link unknown: ${u.reason}`,
      labelX: Math.min(sx, tx) + 10,
      labelY: y - 4,
      labelAnchor: 'start',
    });
  }

  let width = 0;
  let height = 0;
  for (const b of [...nodes, ...hostFrames]) {
    width = Math.max(width, b.x + b.width);
    height = Math.max(height, b.y + b.height);
  }
  return {
    nodes,
    edges,
    // host frames behind the projects' frames
    frames: [...hostFrames, ...frames],
    width: width + margin,
    height: height + margin,
    pathsToHost,
    memory: self?.layout?.memory ?? { columns: [], rows: {}, hostBand: [], homes: {} },
  };
}
