import { strict as assert } from 'node:assert';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { nextNodeInDirection } from '../../../webview/keyboardNavigation';
import type { LayoutNode, TopologyLayout } from '../../../webview/layout';
import { assignSlots, bestColumnsPerBand, layoutTopology } from '../../../webview/layout';
import { loadTopologyFixture } from '../../support/topologyFixtures';
import { assertNoOverlap } from '../../support/layoutAssertions';

const base = loadTopologyFixture('lab-20.10');
const plusW3 = loadTopologyFixture('lab-20.10-plus-w3');

const container = (t: Topology, name: string) => {
  const c = t.containers.find((x) => x.name === name);
  assert.ok(c, `fixture has container ${name}`);
  return c;
};
const network = (t: Topology, name: string) => {
  const n = t.networks.find((x) => x.name === name);
  assert.ok(n, `fixture has network ${name}`);
  return n;
};
const node = (l: TopologyLayout, id: string): LayoutNode => {
  const n = l.nodes.find((x) => x.id === id);
  assert.ok(n, `layout has node ${id}`);
  return n;
};
const edgeInto = (l: TopologyLayout, target: string, role: string) => l.edges.filter((e) => e.target === target && e.role === role);

describe('webview layout on a recorded real topology', () => {
  const layout = layoutTopology(base);
  const bridge = network(base, 'bridge');
  const w1 = container(base, 'nlw-w1');
  const w1Endpoint = bridge.endpoints.find((e) => e.containerId === w1.id)!;

  it('puts the host NIC with its addresses in the top band', () => {
    const eth0 = node(layout, topologyIds.hostInterface('eth0'));
    assert.equal(eth0.role, 'nic');
    assert.match(eth0.lines[0]!, /192\.0\.2\.2\/24/);
    for (const n of layout.nodes.filter((x) => x.column !== null)) assert.ok(n.y > eth0.y + eth0.height, `${n.id} sits below the host band`);
  });

  it('draws docker0 with subnet and gateway, a veth per endpoint and the container beside it', () => {
    const head = node(layout, topologyIds.network(bridge.id));
    assert.equal(head.title, 'docker0');
    assert.match(head.lines.join(' '), /172\.17\.0\.0\/16 gw 172\.17\.0\.1/);
    const veth = node(layout, topologyIds.endpoint(bridge.id, w1.id));
    assert.equal(veth.title, w1Endpoint.hostVeth);
    assert.match(veth.title, /^veth[0-9a-f]{7}$/);
    const ctr = node(layout, topologyIds.container(w1.id));
    assert.equal(ctr.title, 'nlw-w1');
    assert.ok(head.y < veth.y && veth.x < ctr.x && Math.abs(veth.y - ctr.y) < 1, 'layers: bridge above, veth left of its container');
    const [vethEdge] = edgeInto(layout, ctr.id, 'veth');
    assert.equal(vethEdge?.label, `eth0 ${w1Endpoint.ipv4}/16`);
    assert.ok(layout.edges.some((e) => e.role === 'bus' && e.source === head.id && e.target === veth.id));
  });

  it('labels publishes hostIP:hostPort → containerPort/proto from the host NIC to the container', () => {
    const pubs = layout.edges.filter((e) => e.role === 'publish' && e.target === topologyIds.container(w1.id));
    assert.deepEqual(pubs.map((e) => e.id).sort(), [topologyIds.publish(w1.id, '0.0.0.0', 28080, 'tcp'), topologyIds.publish(w1.id, '::', 28080, 'tcp')].sort(), 'one edge per publish (IPv4 and IPv6)');
    assert.deepEqual(pubs.map((e) => e.label).filter((l) => l !== null), ['0.0.0.0:28080 · [::]:28080 → 80/tcp'], 'one label naming both host addresses');
    for (const e of pubs) assert.equal(e.source, topologyIds.hostInterface('eth0'));
  });

  it('draws the user bridge with both containers and a MASQUERADE mark on it and on docker0', () => {
    const net = network(base, 'nlw-net');
    const head = node(layout, topologyIds.network(net.id));
    assert.equal(head.title, net.bridge);
    for (const name of ['nlw-a', 'nlw-b']) assert.equal(node(layout, topologyIds.container(container(base, name).id)).column, head.id);
    assert.deepEqual(head.marks.map((m) => m.label), ['MASQUERADE']);
    assert.deepEqual(node(layout, topologyIds.network(bridge.id)).marks.map((m) => m.id), [topologyIds.mark('masquerade', bridge.id)]);
  });

  it('hangs the macvlan container off its parent with no bridge and no veth', () => {
    const mac = network(base, 'nlw-mac');
    const mv = container(base, 'nlw-mv');
    const head = node(layout, topologyIds.network(mac.id));
    assert.equal(head.title, 'nlw-mvp0');
    assert.match(head.lines[0]!, /macvlan parent of nlw-mac/);
    assert.equal(layout.nodes.some((n) => n.id === topologyIds.endpoint(mac.id, mv.id)), false, 'no veth node for macvlan');
    const [e] = edgeInto(layout, topologyIds.container(mv.id), 'macvlan');
    assert.equal(e?.source, head.id);
    assert.match(e!.label!, /^eth0 192\.168\.158\.\d+\/24 · macvlan$/);
  });

  it('draws br0 (not made by Docker) with its ports and the RED/BLUE namespaces and their addresses', () => {
    const head = node(layout, topologyIds.foreignBridge('nlw-br0'));
    assert.equal(head.role, 'foreignBridge');
    const red = node(layout, topologyIds.namedNetns('nlw-RED'));
    const blue = node(layout, topologyIds.namedNetns('nlw-BLUE'));
    assert.equal(red.column, head.id);
    assert.equal(blue.column, head.id);
    assert.equal(edgeInto(layout, red.id, 'veth')[0]?.label, 'reth0 10.201.0.2/24');
    assert.equal(edgeInto(layout, blue.id, 'veth')[0]?.source, topologyIds.bridgePort('nlw-beth1'));
    assert.equal(layout.edges.some((e) => e.source === head.id && e.role === 'uplink'), false, 'br0 has no address: nothing routes it to the host');
  });

  it('stands the none container alone, with no edge', () => {
    const none = container(base, 'nlw-none');
    const n = node(layout, topologyIds.container(none.id));
    assert.equal(layout.edges.filter((e) => e.target === n.id || e.source === n.id).length, 0);
    assert.equal(node(layout, n.column!).title, 'none');
  });

  it('never overlaps two nodes', () => {
    assertNoOverlap(layout.nodes);
  });

  it('gives the hover path from a container to the host NIC', () => {
    const path = layout.pathsToHost[topologyIds.container(w1.id)]!;
    for (const id of [topologyIds.container(w1.id), topologyIds.endpoint(bridge.id, w1.id), topologyIds.network(bridge.id), topologyIds.hostInterface('eth0')]) {
      assert.ok(path.includes(id), `path has ${id}`);
    }
    const drawn = new Set([...layout.nodes.map((n) => n.id), ...layout.edges.map((e) => e.id)]);
    for (const id of path) assert.ok(drawn.has(id), `path item ${id} is drawn`);
  });

  it('is deterministic: the same topology gives the same picture', () => {
    assert.deepEqual(layoutTopology(base), layout);
  });

  it('keeps every node in place when a container starts (and when it goes again)', () => {
    const after = layoutTopology(plusW3, { memory: layout.memory });
    const w3 = container(plusW3, 'nlw-w3');
    assert.ok(after.nodes.some((n) => n.id === topologyIds.container(w3.id)), 'the newcomer is drawn');
    for (const n of layout.nodes) {
      const m = node(after, n.id);
      assert.deepEqual([m.x, m.y], [n.x, n.y], `${n.id} did not move`);
    }
    const back = layoutTopology(base, { memory: after.memory });
    for (const n of layout.nodes) assert.deepEqual([node(back, n.id).x, node(back, n.id).y], [n.x, n.y], `${n.id} stays when nlw-w3 goes`);
    assert.equal(back.nodes.some((n) => n.id === topologyIds.container(w3.id)), false);
    assert.ok(topologyIds.container(w3.id) in after.memory.homes);
    assert.equal(topologyIds.container(w3.id) in back.memory.homes, false, 'the memory forgets a removed container (it is saved with the view)');
  });

  it('collapses a network to its head and says how many rows it hides', () => {
    const head = topologyIds.network(bridge.id);
    const collapsed = layoutTopology(base, { collapsed: new Set([head]), memory: layout.memory });
    assert.equal(node(collapsed, head).hiddenRows, bridge.endpoints.length);
    assert.equal(collapsed.nodes.some((n) => n.id === topologyIds.endpoint(bridge.id, w1.id)), false);
    assert.equal(collapsed.edges.some((e) => e.target === topologyIds.container(w1.id)), false);
    const other = topologyIds.container(container(base, 'nlw-a').id);
    assert.deepEqual([node(collapsed, other).x, node(collapsed, other).y], [node(layout, other).x, node(layout, other).y], 'other columns stay put');
  });

  it('moves keyboard focus to the nearest node in the arrow direction', () => {
    const from = topologyIds.endpoint(bridge.id, w1.id);
    assert.equal(nextNodeInDirection(layout.nodes, from, 'right'), topologyIds.container(w1.id));
    const up = nextNodeInDirection(layout.nodes, topologyIds.network(bridge.id), 'up');
    assert.equal(node(layout, up!).role, 'nic');
  });
});

describe('webview layout bands', () => {
  it('wraps columns into bands and picks more columns per band for a wider view', () => {
    const two = layoutTopology(base, { columnsPerBand: 2 });
    const heads = two.nodes.filter((n) => n.column === n.id).sort((a, b) => a.y - b.y || a.x - b.x);
    assert.equal(heads[0]!.y, heads[1]!.y);
    assert.ok(heads[2]!.y > heads[1]!.y && heads[2]!.x === heads[0]!.x, 'the third column starts the next band');
    assert.equal(two.memory.columnsPerBand, 2);
    assert.equal(layoutTopology(base, { columnsPerBand: 7, memory: two.memory }).memory.columnsPerBand, 2, 'the remembered choice wins');
    const wide = bestColumnsPerBand(base, 2400, 500);
    const tall = bestColumnsPerBand(base, 600, 1600);
    assert.ok(wide > tall, `wide ${wide} > tall ${tall}`);
  });
});

describe('webview layout slots', () => {
  it('keeps remembered slots, leaves holes and fills them with newcomers', () => {
    assert.deepEqual(assignSlots([], ['a', 'b']), ['a', 'b']);
    assert.deepEqual(assignSlots(['a', 'b', 'c'], ['a', 'c']), ['a', null, 'c']);
    assert.deepEqual(assignSlots(['a', null, 'c'], ['a', 'c', 'd', 'e']), ['a', 'd', 'c', 'e']);
    assert.deepEqual(assignSlots(['a', 'b'], ['a']), ['a']);
  });
});
