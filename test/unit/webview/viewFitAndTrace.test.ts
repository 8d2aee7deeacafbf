import { strict as assert } from 'node:assert';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { subjectKey, subjects } from '../../../src/protocol/subject';
import { isEnginesNotification, isSelectEngineCommand, isSelectTraceHopCommand, isTopologyCommand, isTopologyNotification, isTracePathNotification, type TracePathNotification } from '../../../src/protocol/topologyProtocol';
import { fitBox, fitTransform, maxFitScale } from '../../../webview/fitView';
import type { TopologyLayout } from '../../../webview/layout';
import { layoutTopology } from '../../../webview/layout';
import { drawnForKey, hopOfItem, noTracePath, tracePathItems } from '../../../webview/tracePath';
import { readUiState } from '../../../webview/uiState';
import { loadTopologyFixture } from '../../support/topologyFixtures';
import { assertNoOverlap } from '../../support/layoutAssertions';

const base = loadTopologyFixture('lab-20.10');
const plusW3 = loadTopologyFixture('lab-20.10-plus-w3');
const byName = (name: string) => {
  const c = base.containers.find((x) => x.name === name);
  assert.ok(c, `fixture has ${name}`);
  return c;
};
const net = (name: string) => {
  const n = base.networks.find((x) => x.name === name);
  assert.ok(n, `fixture has network ${name}`);
  return n;
};

describe('compact layout', () => {
  const layout = layoutTopology(base, { columnsPerBand: 3 });
  const heads = (l: TopologyLayout) => l.nodes.filter((n) => n.column === n.id);

  it('sizes columns by what they hold: a column is as wide as its veth, label and container need', () => {
    for (const h of heads(layout)) assert.ok(h.width <= 560, `${h.title} is ${h.width} wide`);
    // a veth column leaves room for its labels between veth and container, and no more than ~40 units spare
    const bridge = net('bridge');
    const w1 = byName('nlw-w1');
    const ep = layout.nodes.find((n) => n.id === topologyIds.endpoint(bridge.id, w1.id))!;
    const ctr = layout.nodes.find((n) => n.id === topologyIds.container(w1.id))!;
    const label = layout.edges.find((e) => e.id === topologyIds.edge('veth', ep.id))!.label!;
    const gap = ctr.x - (ep.x + ep.width);
    assert.ok(gap >= label.length * 6 + 8 && gap <= label.length * 6.4 + 40, `gap ${gap} for "${label}"`);
  });

  it('leaves no wide empty band: the next band starts at most three spare rows below the last row', () => {
    const sorted = heads(layout).sort((a, b) => a.y - b.y);
    const bandTops = [...new Set(sorted.map((h) => h.y))];
    assert.ok(bandTops.length >= 2, 'the lab wraps into bands');
    for (let b = 0; b + 1 < bandTops.length; b++) {
      const lowest = Math.max(...layout.nodes.filter((n) => n.y >= bandTops[b]! && n.y < bandTops[b + 1]!).map((n) => n.y + n.height));
      const empty = bandTops[b + 1]! - lowest;
      // rows are 60 units; the busiest column (6 rows) reserves 3 spare, plus the gap between bands
      assert.ok(empty <= 3 * 60 + 40, `band ${b}: ${empty} units empty below its last row`);
    }
  });

  it('still moves nothing when a container starts, and remembers widths through the saved UI state', () => {
    const saved = readUiState(JSON.parse(JSON.stringify({ version: 1, memory: layout.memory })));
    assert.deepEqual(saved.memory?.slotWidths, layout.memory.slotWidths);
    assert.deepEqual(saved.memory?.leafX, layout.memory.leafX);
    const after = layoutTopology(plusW3, { memory: saved.memory });
    for (const n of layout.nodes) {
      const m = after.nodes.find((x) => x.id === n.id)!;
      assert.deepEqual([m.x, m.y, m.width], [n.x, n.y, n.width], `${n.id} stayed`);
    }
  });
});

describe('a crowded network (120 containers on docker0, recorded)', () => {
  const crowd = loadTopologyFixture('crowd-20.10');
  const crowdPlus = loadTopologyFixture('crowd-20.10-plus-one');
  const layout = layoutTopology(crowd, { columnsPerBand: 2 });
  const bridge = crowd.networks.find((n) => n.name === 'bridge')!;

  it('wraps the network into stacks of rows side by side, each veth beside its container, none overlapping', () => {
    const veths = layout.nodes.filter((n) => n.column === topologyIds.network(bridge.id) && n.role === 'endpoint');
    assert.equal(veths.length, bridge.endpoints.length);
    const stacks = [...new Set(veths.map((n) => n.x))];
    assert.ok(stacks.length >= 3, `${stacks.length} stacks`);
    const perStack = layout.memory.stackRows![topologyIds.network(bridge.id)]!;
    assert.ok(Math.max(...veths.map((n) => n.y)) - Math.min(...veths.map((n) => n.y)) <= (perStack - 1) * 60, 'no stack taller than its rows');
    const aspect = (layout.width / layout.height);
    assert.ok(aspect > 0.6 && aspect < 3, `the drawing is ${Math.round(layout.width)}×${Math.round(layout.height)}, not one endless column`);
    assertNoOverlap(layout.nodes);
  });

  it('moves nothing when one more container starts on the crowded network', () => {
    const after = layoutTopology(crowdPlus, { memory: layout.memory });
    const extra = crowdPlus.containers.find((c) => c.name === 'nlp-extra')!;
    assert.ok(after.nodes.some((n) => n.id === topologyIds.container(extra.id)));
    for (const n of layout.nodes) {
      const m = after.nodes.find((x) => x.id === n.id)!;
      assert.deepEqual([m.x, m.y], [n.x, n.y], `${n.id} stayed`);
    }
  });
});

describe('fit', () => {
  const layout = layoutTopology(base, { columnsPerBand: 3 });

  it('frames the whole drawing, or only the matches with some room around them', () => {
    assert.deepEqual(fitBox(layout, null), { x: 0, y: 0, width: layout.width, height: layout.height });
    assert.deepEqual(fitBox(layout, new Set(['ctr:not-drawn'])), fitBox(layout, null), 'no drawn match: the whole drawing');
    const w1 = layout.nodes.find((n) => n.id === topologyIds.container(byName('nlw-w1').id))!;
    const box = fitBox(layout, new Set([w1.id]));
    assert.deepEqual(box, { x: w1.x - 32, y: w1.y - 32, width: w1.width + 64, height: w1.height + 64 });
  });

  it('caps the scale so a small drawing keeps ~12 px text, and fits a large one whole, centred across', () => {
    const small = fitTransform({ x: 100, y: 50, width: 200, height: 100 }, { width: 1000, height: 700 });
    assert.equal(small.k, maxFitScale);
    assert.equal(small.x + 100 * small.k, (1000 - 200 * small.k) / 2, 'centred across');
    assert.equal(small.y + 50 * small.k, 8, 'from the top');
    const big = fitTransform(fitBox(layout, null), { width: 1000, height: 740 });
    assert.ok(big.k < maxFitScale);
    assert.ok(layout.width * big.k <= 1000 - 16 + 1e-9 && layout.height * big.k <= 740 - 16 + 1e-9, 'the whole drawing is in view');
  });
});

describe('trace path on the drawing (subject keys → drawn items)', () => {
  const layout = layoutTopology(base);
  const bridge = net('bridge');
  const userNet = net('nlw-net');
  const w1 = byName('nlw-w1');
  const a = byName('nlw-a');
  const mv = byName('nlw-mv');
  const epW1 = topologyIds.endpoint(bridge.id, w1.id);
  const epA = topologyIds.endpoint(userNet.id, a.id);
  const path = (hops: { step: number; keys: string[] }[], decider: { step: number; keys: string[] } | null = null): TracePathNotification => ({
    type: 'tracePath',
    traceId: 1,
    hops,
    decider: decider ? { ...decider, text: 'x' } : null,
    verdict: 'delivered',
    label: '',
  });

  it('lights what was drawn for each key, the veth edge with its endpoint, each item once in hop order', () => {
    const p = path(
      [
        { step: 1, keys: [topologyIds.container(a.id), epA] },
        { step: 2, keys: [topologyIds.network(userNet.id)] },
        { step: 3, keys: [topologyIds.network(bridge.id)] },
        { step: 4, keys: [topologyIds.network(bridge.id)] },
        { step: 5, keys: [topologyIds.container(w1.id), epW1] },
      ],
      { step: 5, keys: [topologyIds.container(w1.id), epW1] },
    );
    const lit = tracePathItems(layout, p);
    assert.deepEqual(lit.items, [topologyIds.container(a.id), epA, topologyIds.edge('veth', epA), topologyIds.network(userNet.id), topologyIds.network(bridge.id), topologyIds.container(w1.id), epW1, topologyIds.edge('veth', epW1)]);
    assert.deepEqual(lit.decider, [topologyIds.container(w1.id), epW1, topologyIds.edge('veth', epW1)]);
    assert.equal(lit.items.includes(topologyIds.hostInterface('eth0')), false, 'the host NIC eth0 stays dark');
    // a click: on the decider it is the deciding hop; elsewhere the first hop there; off the path nothing
    assert.equal(hopOfItem(p, lit, topologyIds.container(w1.id)), 5);
    assert.equal(hopOfItem(p, lit, topologyIds.network(bridge.id)), 3);
    assert.equal(hopOfItem(p, lit, topologyIds.hostInterface('eth0')), null);
  });

  it('a publish the trace took to a container it never reached is drawn as taken, not arrived; reached, it is a plain trace edge', () => {
    const pub = base.publishes.find((x) => x.hostIp === '0.0.0.0' && x.protocol === 'tcp')!;
    assert.ok(pub, 'the recording has a publish on every address');
    const key = subjectKey(subjects.publish(pub));
    const edge = topologyIds.publish(pub.containerId, pub.hostIp, pub.hostPort, pub.protocol);
    assert.ok(layout.edges.some((e) => e.id === edge && e.role === 'publish'), 'the publish is drawn as its own edge');
    const eth0 = topologyIds.hostInterface('eth0');
    // DNAT in PREROUTING, then a drop in FORWARD: the container is never reached
    const dropped = tracePathItems(layout, path([{ step: 1, keys: [eth0, key] }, { step: 2, keys: ['host'] }]));
    assert.ok(dropped.items.includes(edge));
    assert.deepEqual(dropped.partial, [edge]);
    const delivered = tracePathItems(layout, path([{ step: 1, keys: [eth0, key] }, { step: 2, keys: [topologyIds.container(pub.containerId)] }]));
    assert.ok(delivered.items.includes(edge));
    assert.deepEqual(delivered.partial, []);
  });

  it('a host interface is found however it is drawn (a foreign bridge, a bridge port with its veth), a macvlan endpoint by its edge, the host by its NIC column', () => {
    const lit = tracePathItems(layout, path([
      { step: 1, keys: [topologyIds.namedNetns('nlw-RED'), topologyIds.hostInterface('nlw-reth1')] },
      { step: 2, keys: [topologyIds.hostInterface('nlw-br0')] },
    ]));
    assert.deepEqual(lit.items, [topologyIds.namedNetns('nlw-RED'), topologyIds.bridgePort('nlw-reth1'), topologyIds.edge('veth', topologyIds.bridgePort('nlw-reth1')), topologyIds.foreignBridge('nlw-br0')]);
    const macnet = base.networks.find((n) => n.driver === 'macvlan' && n.endpoints.some((e) => e.containerId === mv.id))!;
    const macEp = topologyIds.endpoint(macnet.id, mv.id);
    assert.deepEqual(tracePathItems(layout, path([{ step: 1, keys: [topologyIds.container(mv.id), macEp] }])).items, [topologyIds.container(mv.id), topologyIds.edge('macvlan', macEp)]);
    assert.deepEqual(tracePathItems(layout, path([{ step: 1, keys: ['ctr:gone', 'nic:nope0'] }])).items, [], 'nothing drawn, nothing lit');
    assert.deepEqual(tracePathItems(layout, path([])), noTracePath);
    assert.deepEqual(drawnForKey(new Set([topologyIds.group('host')]), 'host'), [topologyIds.group('host')]);
  });
});

describe('protocol: engine picker and trace steps', () => {
  it('accepts the new messages and rejects malformed ones', () => {
    assert.ok(isSelectEngineCommand({ type: 'selectEngine', engineKey: 'ssh://lab' }));
    assert.ok(isTopologyCommand({ type: 'selectEngine', engineKey: 'local' }));
    for (const bad of [{ type: 'selectEngine' }, { type: 'selectEngine', engineKey: '' }, { type: 'selectEngine', engineKey: 3 }]) assert.equal(isTopologyCommand(bad), false, JSON.stringify(bad));
    const engines = { type: 'engines', engines: [{ key: 'local', label: 'local' }, { key: 'lab', label: 'lab over ssh' }], selected: 'lab' };
    assert.ok(isEnginesNotification(engines) && isTopologyNotification(engines));
    assert.ok(isEnginesNotification({ type: 'engines', engines: [], selected: null }));
    for (const bad of [{ ...engines, selected: 'other' }, { ...engines, engines: [{ key: 'x' }] }, { ...engines, engines: 'local' }, { type: 'engines', engines: [{ key: '', label: '' }], selected: null }]) assert.equal(isTopologyNotification(bad), false, JSON.stringify(bad));
    const trace = { type: 'tracePath', traceId: 2, hops: [{ step: 1, keys: ['ctr:abc', 'ep:n1/abc'] }, { step: 2, keys: ['host'] }], decider: { step: 2, keys: ['host'], text: 'filter FORWARD policy DROP' }, verdict: 'dropped', label: 'x' };
    assert.ok(isTracePathNotification(trace));
    assert.equal(isTracePathNotification({ ...trace, hops: [{ step: 1, keys: ['nlw-w1'] }] }), false, 'names are not subject keys');
    assert.equal(isTracePathNotification({ ...trace, hops: ['ctr:abc'] }), false);
    assert.equal(isTracePathNotification({ ...trace, traceId: 'x' }), false);
    assert.equal(isTracePathNotification({ ...trace, decider: { step: 2, keys: ['host'] } }), false);
    assert.ok(isSelectTraceHopCommand({ type: 'selectTraceHop', traceId: 2, step: 5 }) && isTopologyCommand({ type: 'selectTraceHop', traceId: 2, step: 5 }));
    for (const bad of [{ type: 'selectTraceHop', traceId: 2 }, { type: 'selectTraceHop', traceId: 2, step: 1.5 }, { type: 'selectTraceHop', traceId: -1, step: 1 }]) assert.equal(isTopologyCommand(bad), false, JSON.stringify(bad));
  });
});
