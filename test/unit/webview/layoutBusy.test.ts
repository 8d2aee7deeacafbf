import { strict as assert } from 'node:assert';
import { topologyIds } from '../../../src/protocol/topologyIds';
import type { LayoutNode, TopologyLayout } from '../../../webview/layout';
import { layoutTopology } from '../../../webview/layout';
import { itemFacts } from '../../../webview/itemFacts';
import { loadTopologyFixture } from '../../support/topologyFixtures';
import { assertNoOverlap } from '../../support/layoutAssertions';

const busy = loadTopologyFixture('busy-20.10');
const later = loadTopologyFixture('busy-20.10-plus-w3');
const ctrId = (name: string): string => {
  const c = busy.containers.find((x) => x.name === name);
  assert.ok(c, `fixture has ${name}`);
  return topologyIds.container(c.id);
};
const netId = (name: string): string => {
  const n = busy.networks.find((x) => x.name === name);
  assert.ok(n, `fixture has network ${name}`);
  return n.id;
};
const node = (l: TopologyLayout, id: string): LayoutNode => {
  const n = l.nodes.find((x) => x.id === id);
  assert.ok(n, `layout has ${id}`);
  return n;
};

describe('webview layout on a busy recorded engine (several labs at once)', () => {
  const layout = layoutTopology(busy);

  it('sits host-network containers in the host band beside the NIC', () => {
    const nic = node(layout, topologyIds.hostInterface('eth0'));
    for (const name of ['nlt-hostnet', 'nle-hostnet']) {
      const n = node(layout, ctrId(name));
      assert.equal(n.role, 'hostContainer');
      assert.equal(n.y, nic.y);
      assert.equal(n.column, null);
    }
  });

  it('marks ip_forward off on the host NIC, ICC off and internal on their networks, and draws no way out of an internal one', () => {
    assert.equal(busy.host?.ipForward, false);
    assert.deepEqual(node(layout, topologyIds.hostInterface('eth0')).marks.map((m) => m.label), ['ip_forward off']);
    assert.ok(node(layout, topologyIds.network(netId('nlt-noicc'))).marks.some((m) => m.id === topologyIds.mark('icc-off', netId('nlt-noicc'))));
    const internal = node(layout, topologyIds.network(netId('nlt-int')));
    assert.deepEqual(internal.marks.map((m) => m.label), ['internal']);
    assert.equal(layout.edges.some((e) => e.source === internal.id && e.role === 'uplink'), false);
    assert.equal(itemFacts(busy, topologyIds.mark('ip-forward-off', 'host'))?.heading, 'ip_forward is off');
  });

  it('draws a container on two networks once, with a veth edge from each', () => {
    const multi = ctrId('nlt-multi');
    assert.equal(layout.nodes.filter((n) => n.id === multi).length, 1);
    const vethEdges = layout.edges.filter((e) => e.target === multi && e.role === 'veth');
    assert.equal(vethEdges.length, 2);
    assert.deepEqual(vethEdges.map((e) => e.source).sort(), [topologyIds.endpoint(netId('nlt-a'), multi.slice(4)), topologyIds.endpoint(netId('nlt-b'), multi.slice(4))].sort());
  });

  it('links a container that shares another one\'s netns to it, standing apart', () => {
    const shared = node(layout, ctrId('nlt-shared'));
    assert.equal(node(layout, shared.column!).title, 'standalone');
    const edge = layout.edges.find((e) => e.role === 'sharesNetns' && e.source === shared.id);
    const owner = busy.containers.find((c) => c.name === 'nlt-shared')!.sharesNetnsWith!;
    assert.equal(edge?.target, topologyIds.container(owner));
  });

  it('never overlaps two nodes', () => {
    assertNoOverlap(layout.nodes);
  });

  it('keeps every node in place while three containers start elsewhere', () => {
    const after = layoutTopology(later, { memory: layout.memory });
    assert.equal(after.nodes.length, layout.nodes.length + 3 * 2, 'three containers, each with its veth');
    for (const n of layout.nodes) {
      const m = node(after, n.id);
      assert.deepEqual([m.x, m.y], [n.x, n.y], `${n.id} did not move`);
    }
  });
});
