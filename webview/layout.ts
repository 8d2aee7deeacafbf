/**
 * TopologyView → positioned nodes and edges. Pure (no DOM), so it runs in Node tests.
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
import type { TopologyView } from '../src/protocol/topologyView';
import { topologyIds } from '../src/protocol/topologyIds';
import type { Column, PortSpec } from './layoutColumns';
import { buildColumns, containerSpec, defaultRouteInterface, facets, globalAddresses, isHostBandInterface } from './layoutColumns';
import type { EdgeRole, LayoutEdge, LayoutFrame, LayoutMark, LayoutNode, LayoutOptions, TopologyLayout } from './layoutTypes';
import { emptyLayoutMemory } from './layoutTypes';

export type { EdgeRole, LayoutEdge, LayoutFrame, LayoutMark, LayoutMemory, LayoutNode, LayoutOptions, NodeFacets, NodeRole, TopologyLayout } from './layoutTypes';

// geometry, in SVG user units (1 unit = 1 CSS px at zoom 1; node text is 11–13 px)
const margin = 16;
const nicWidth = 200;
const nicHeight = 46;
const bandGap = 16;
const columnGap = 28;
/** room between the host band and the first heads: the uplink curves and their labels */
const hostToHeads = 48;
const headY = margin + nicHeight + hostToHeads;
const headHeight = 50;
/** a head is never narrower than this (its subnet line and marks need the room) */
const minHeadWidth = 300;
const headToRows = 14;
const bandGapY = 26;
/** columns side by side before the next band starts below, unless the caller picks (see bestColumnsPerBand) */
const defaultColumnsPerBand = 5;
const rowHeight = 60;
const endpointX = 28;
const endpointWidth = 150;
const nodeHeight = 46;
const containerWidth = 190;
const markHeight = 16;
/** edge labels are 11 px; a generous average glyph width, so an estimate never runs into a box */
const labelCharWidth = 6.4;
/** the least room between a veth and its container, label or not */
const minLinkGap = 40;
/** widths are rounded up to this, so a slightly longer label rarely widens a column */
const widthStep = 20;

/**
 * Spare rows a band reserves below its tallest column, so containers that start later move
 * nothing: few for a short column (a small lab stays compact, no wide empty bands), three for
 * three rows or more, half as many again for a tall one. A band that outgrows its reserve grows
 * once by that much.
 */
function spareRows(rows: number): number {
  return Math.min(Math.max(1, Math.ceil((rows * 3) / 4)), Math.max(3, Math.ceil(rows / 2)));
}

/** gap between the stacks of a wrapped column */
const stackGap = 24;

/**
 * Rows per stack before a column wraps into another stack beside it: a network with a hundred
 * containers becomes a block of stacks instead of one column far taller than any window. Ten rows
 * at least; more for a big column, so the block comes out roughly as wide as tall on screen.
 */
function rowsPerStack(rows: number): number {
  return Math.max(10, Math.ceil(Math.sqrt(rows * 6.4)));
}

const estimateLabelWidth = (label: string | null): number => (label ? Math.ceil(label.length * labelCharWidth) : 0);
const roundUp = (v: number): number => Math.ceil(v / widthStep) * widthStep;

/**
 * Where a column's leaves (containers, netns) start and how wide the column is, from what it
 * holds: a veth column needs its edge labels between veth and container; a macvlan column its
 * labels between bus and container; a column of stand-alone containers neither.
 */
function columnGeometry(col: Column): { leafX: number; width: number } {
  const labelled = col.rows.filter((r) => r.leafEdgeRole !== null);
  const label = Math.max(0, ...labelled.map((r) => estimateLabelWidth(r.leafEdgeLabel)));
  const hasPorts = col.rows.some((r) => r.port !== null);
  const leafX = hasPorts ? endpointX + endpointWidth + Math.max(minLinkGap, label + 14) : labelled.length > 0 ? Math.max(endpointX + minLinkGap, 22 + label + 12) : endpointX;
  const marks = col.marks.reduce((w, m) => w + 18 + m.label.length * 7, 0);
  const head = Math.max(minHeadWidth, ...col.head.lines.map((l) => estimateLabelWidth(l) + marks + 40));
  return { leafX: roundUp(leafX), width: roundUp(Math.max(head, leafX + containerWidth)) };
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

export function layoutTopology(topology: TopologyView, options: LayoutOptions = {}): TopologyLayout {
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
    // besides the NICs: the interfaces another host is reached by (a veth that is the link itself)
    const underlay = options.underlay ?? new Set<string>();
    for (const i of host.interfaces.filter((x) => isHostBandInterface(x) || (underlay.has(x.name) && x.kind !== 'loopback'))) {
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
  // a Compose project's own networks sit side by side, after what belongs to no project (which stays
  // where it was drawn without projects), so its frame holds them and little else
  const projects = topology.projects ?? [];
  const projectOfColumn = new Map<string, number>();
  projects.forEach((p, i) => {
    for (const n of p.networks) if (!n.external) projectOfColumn.set(topologyIds.network(n.id), i + 1);
  });
  const projectOfContainer = new Map<string, number>();
  projects.forEach((p, i) => {
    for (const s of p.services) for (const id of s.containerIds) projectOfContainer.set(topologyIds.container(id), i + 1);
  });
  const group = (key: string): number => projectOfColumn.get(key) ?? 0;
  const defaultOrder = [...columns].sort((a, b) => group(a.key) - group(b.key) || a.sortRank - b.sortRank || a.sortName.localeCompare(b.sortName)).map((c) => c.key);
  const columnSlots = assignSlots(memory.columns, defaultOrder);
  const columnIndex = new Map(columnSlots.map((k, i) => [k, i] as const).filter((e): e is [string, number] => e[0] !== null));

  // a container on several networks is drawn once, in its remembered column or its first one
  const homes: Record<string, string> = {};
  const attachments = new Map<string, string[]>();
  for (const col of columns) for (const r of col.rows) if (r.leaf) attachments.set(r.leaf.id, [...(attachments.get(r.leaf.id) ?? []), col.key]);
  for (const [leafId, cols] of attachments) {
    const remembered = memory.homes[leafId];
    // a project's container lives in one of its project's columns where it has one (inside the frame)
    const own = projectOfContainer.get(leafId);
    const inProject = own ? cols.filter((c) => projectOfColumn.get(c) === own) : [];
    const candidates = inProject.length ? inProject : cols;
    homes[leafId] = remembered && candidates.includes(remembered) ? remembered : [...candidates].sort((a, b) => columnIndex.get(a)! - columnIndex.get(b)!)[0]!;
  }

  const rowSlots: Record<string, (string | null)[]> = {};
  const leafEdges: { from: string; leaf: string; label: string | null; role: 'veth' | 'macvlan'; key: string; busX: number }[] = [];
  const pathsToHost: Record<string, string[]> = {};
  const uplinkPath = new Map<string, string[]>();

  for (const col of columns) rowSlots[col.key] = assignSlots(memory.rows[col.key] ?? [], col.rows.map((r) => r.key));
  // rows per stack, kept once chosen: a newcomer opens a new stack rather than re-flowing the others
  const stackRows: Record<string, number> = {};
  for (const col of columns) stackRows[col.key] = memory.stackRows?.[col.key] ?? rowsPerStack(rowSlots[col.key]!.length);
  const shownRows = (key: string): number => Math.min(rowSlots[key]!.length, stackRows[key]!);
  const stackCount = (key: string): number => Math.max(1, Math.ceil(rowSlots[key]!.length / stackRows[key]!));
  const columnsPerBand = Math.max(1, Math.floor(memory.columnsPerBand ?? options.columnsPerBand ?? defaultColumnsPerBand));
  const bandCount = Math.ceil(columnSlots.length / columnsPerBand);
  const bandTops: number[] = [];
  const bandRows: number[] = [];
  for (let b = 0, top = headY; b < bandCount; b++) {
    bandTops.push(top);
    let rows = 0;
    let wanted = 0;
    for (const col of columns) {
      const ci = columnIndex.get(col.key)!;
      if (Math.floor(ci / columnsPerBand) !== b || collapsed.has(col.key)) continue;
      const shown = shownRows(col.key);
      rows = Math.max(rows, shown);
      // a column that wraps grows sideways: it needs no spare rows below its full stack
      wanted = Math.max(wanted, Math.min(stackRows[col.key]!, shown + spareRows(shown)));
    }
    const remembered = memory.bandRows?.[b] ?? 0;
    const reserved = rows <= remembered ? remembered : Math.max(rows, wanted);
    bandRows.push(reserved);
    top += headHeight + headToRows + reserved * rowHeight + bandGapY;
  }

  // widths: each column's from its content; each position in a band as wide as its widest column.
  // Both only grow while remembered, so a newcomer with a longer label moves nothing it need not.
  const leafXs: Record<string, number> = {};
  const widths = new Map<string, number>();
  const slotWidths: number[] = [...(memory.slotWidths ?? [])].slice(0, columnsPerBand);
  for (const col of columns) {
    const g = columnGeometry(col);
    const leafX = Math.max(g.leafX, memory.leafX?.[col.key] ?? 0);
    leafXs[col.key] = leafX;
    const stackWidth = Math.max(g.width, roundUp(leafX + containerWidth));
    const width = stackWidth + (stackCount(col.key) - 1) * (roundUp(leafX + containerWidth) + stackGap);
    widths.set(col.key, width);
    const p = columnIndex.get(col.key)! % columnsPerBand;
    slotWidths[p] = Math.max(slotWidths[p] ?? 0, width);
  }
  const slotX: number[] = [];
  for (let p = 0, x = margin; p < columnsPerBand; p++) {
    slotX.push(x);
    x += (slotWidths[p] ?? minHeadWidth) + columnGap;
  }

  for (const col of columns) {
    const ci = columnIndex.get(col.key)!;
    const x0 = slotX[ci % columnsPerBand]!;
    const headWidth = widths.get(col.key)!;
    const containerX = leafXs[col.key]!;
    const perStack = stackRows[col.key]!;
    const stackStep = roundUp(containerX + containerWidth) + stackGap;
    const headY = bandTops[Math.floor(ci / columnsPerBand)]!;
    const firstRowY = headY + headHeight + headToRows;
    const isCollapsed = collapsed.has(col.key);
    const slots = rowSlots[col.key]!;
    const marks: LayoutMark[] = [];
    let mx = x0 + headWidth - 6;
    for (const m of [...col.marks].reverse()) {
      const width = 14 + m.label.length * 7;
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
      // stack by stack, each with its own bus dropping from the head
      const sx = x0 + Math.floor(ri / perStack) * stackStep;
      const y = firstRowY + (ri % perStack) * rowHeight;
      let from = head.id;
      let fromPath = up;
      if (row.port) {
        const port: LayoutNode = { ...row.port, x: sx + endpointX, y, width: endpointWidth, height: nodeHeight, column: col.key, marks: [], hiddenRows: 0 };
        addNode(port);
        const busId = topologyIds.edge('bus', port.id);
        edges.push({ id: busId, role: 'bus', source: head.id, target: port.id, shape: 'orthogonal', points: [[sx + 12, headY + headHeight], [sx + 12, y + nodeHeight / 2], [sx + endpointX, y + nodeHeight / 2]], label: null, labelX: 0, labelY: 0, labelAnchor: 'start' });
        from = port.id;
        fromPath = [port.id, busId, ...up];
        pathsToHost[port.id] = fromPath;
      }
      if (row.leaf) {
        if (homes[row.leaf.id] === col.key) {
          addNode({ ...row.leaf.spec, x: sx + containerX, y, width: containerWidth, height: nodeHeight, column: col.key, marks: [], hiddenRows: 0 });
        }
        if (row.leafEdgeRole !== null) {
          leafEdges.push({ from, leaf: row.leaf.id, label: row.leafEdgeLabel, role: row.leafEdgeRole, key: row.key, busX: sx + 12 });
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
      const bx = le.busX;
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

  // ---- depends_on (where the labels say it): from a service's containers to those it depends on
  const dependsLanes = new Map<string, number>();
  for (const p of projects) {
    for (const svc of p.services) {
      if (!svc.dependsOn.known) continue;
      for (const dep of svc.dependsOn.value) {
        const target = p.services.find((x) => x.name === dep);
        if (!target) continue;
        for (const fromId of svc.containerIds) {
          for (const toId of target.containerIds) {
            const a = nodeById.get(topologyIds.container(fromId));
            const b = nodeById.get(topologyIds.container(toId));
            if (!a || !b || a === b) continue;
            // out of the dependent's right side, down or across beside the boxes, into the dependency's
            // right side: clear of the buses and veths, which come in from the left
            const sy = a.y + a.height / 2;
            const ty = b.y + b.height / 2 + 6;
            const lane = Math.max(a.x + a.width, b.x + b.width) + 14 + (dependsLanes.get(b.id) ?? 0) * 6;
            dependsLanes.set(b.id, (dependsLanes.get(b.id) ?? 0) + 1);
            edges.push({
              id: topologyIds.edge('dependsOn', `${a.id}>${b.id}`),
              role: 'dependsOn',
              source: a.id,
              target: b.id,
              shape: 'orthogonal',
              points: [[a.x + a.width, sy], [lane, sy], [lane, ty], [b.x + b.width, ty]],
              label: 'depends on',
              labelX: lane + 4,
              labelY: (sy + ty) / 2,
              labelAnchor: 'start',
            });
          }
        }
      }
    }
  }

  // ---- Compose project frames: around the project's own network columns and its containers
  const framePad = 10;
  const frameLabel = 18;
  const frames: LayoutFrame[] = [];
  projects.forEach((p, i) => {
    const members = nodes.filter((n) => (n.column !== null && projectOfColumn.get(n.column) === i + 1) || projectOfContainer.get(n.id) === i + 1);
    if (!members.length) return;
    // one box per band: a member's band is its column's
    const bandOf = (n: LayoutNode): number => (n.column !== null && columnIndex.has(n.column) ? Math.floor(columnIndex.get(n.column)! / columnsPerBand) : -1);
    const bands = [...new Set(members.map(bandOf))].sort((a, b) => a - b);
    const boxes = bands.map((b) => {
      const inBand = members.filter((n) => bandOf(n) === b);
      const x0 = Math.min(...inBand.map((n) => n.x)) - framePad;
      const y0 = Math.min(...inBand.map((n) => n.y)) - framePad - frameLabel;
      const x1 = Math.max(...inBand.map((n) => n.x + n.width)) + framePad;
      const y1 = Math.max(...inBand.map((n) => n.y + n.height)) + framePad;
      return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    });
    frames.push({ id: topologyIds.project(p.name), label: p.name, ...boxes[0]!, boxes, members: members.map((n) => n.id) });
  });

  let width = 0;
  let height = 0;
  for (const n of [...nodes, ...frames.flatMap((f) => f.boxes)]) {
    width = Math.max(width, n.x + n.width);
    height = Math.max(height, n.y + n.height);
  }
  return {
    nodes,
    edges,
    frames,
    width: width + margin,
    height: height + margin,
    pathsToHost,
    // Remembered per leaf and per column only while they exist: what belonged to removed containers
    // and networks is not carried on (the memory is saved with the view's state).
    memory: { columns: columnSlots, rows: rowSlots, hostBand, homes, bandRows, columnsPerBand, slotWidths, leafX: leafXs, stackRows },
  };
}

/**
 * The columns-per-band that shows a fresh layout largest in a view of this size (tries 1–8 bands'
 * widths on a dry run). Big topologies skip the trial and take the default: they are zoomed out anyway.
 */
export function bestColumnsPerBand(topology: TopologyView, viewWidth: number, viewHeight: number, collapsed?: ReadonlySet<string>): number {
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
