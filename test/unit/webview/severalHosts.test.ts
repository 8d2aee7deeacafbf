/**
 * Several hosts side by side, on the recorded pair (test/fixtures/topology/two-hosts): the snapshot
 * the panel builds (src/extension/topology/topologySnapshot.ts), its guard (protocol 5), and the
 * placement of the hosts' layouts (webview/hostsLayout.ts).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { topologySnapshot, type EngineModel } from '../../../src/extension/topology/topologySnapshot';
import { splitHostItem, subjectOfItem, topologyIds } from '../../../src/protocol/topologyIds';
import { isSnapshotNotification, topologyProtocolVersion, type SeveralHosts } from '../../../src/protocol/topologyProtocol';
import { placeHosts, underlayOf } from '../../../webview/hostsLayout';
import { layoutTopology } from '../../../webview/layout';
import { assertNoOverlap } from '../../support/layoutAssertions';

const dir = join(__dirname, '../../../../test/fixtures/topology/two-hosts');
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Topology;
const here = load('here');
const node2 = load('node2');
const all = (second: Partial<EngineModel> = {}): EngineModel[] => [
  { key: 'local', label: 'this machine', topology: here, reason: null },
  { key: 'node2', label: 'node2', topology: node2, reason: null, ...second },
];

function placed(hosts: SeveralHosts, drawn: Topology = here) {
  const parts = hosts.sides.map((s) => {
    const view = s.key === hosts.self ? topologySnapshot(drawn, 'x').view : s.view;
    return { key: s.key, label: s.label, view, layout: view ? layoutTopology(view, { underlay: underlayOf(hosts, s.key) }) : null, reason: s.reason };
  });
  return placeHosts(parts, hosts);
}

describe('several hosts in the topology snapshot and layout (recorded pair)', () => {
  it('the snapshot carries the other host\'s view and the links keyed by engine, in the current protocol', () => {
    const m = topologySnapshot(here, 'initial', { self: 'local', all: all() });
    assert.equal(m.protocolVersion, topologyProtocolVersion);
    assert.ok(isSnapshotNotification(JSON.parse(JSON.stringify(m))));
    const h = m.hosts!;
    assert.deepEqual(h.sides.map((s) => [s.key, s.view === null, s.reason]), [['local', true, null], ['node2', false, null]], 'the drawn engine\'s view is the snapshot\'s own, not sent twice');
    assert.deepEqual(h.links.map((l) => [l.from, l.fromInterface, l.to, l.toInterface, l.address, l.direct]), [
      ['local', 'nlmhfx-h', 'node2', 'eth0', '10.213.87.2', true],
      ['node2', 'eth0', 'local', 'nlmhfx-h', '10.213.87.1', true],
    ]);
    assert.deepEqual(h.unknown, []);
    assert.equal(topologySnapshot(here, 'initial').hosts, null, 'one engine: no hosts');
    assert.equal(topologySnapshot(here, 'initial', { self: 'local', all: all().slice(0, 1) }).hosts, null);
  });

  it('a pair it cannot join is unknown with the reason, whichever side is missing', () => {
    const blind = topologySnapshot(here, 'x', { self: 'local', all: all({ topology: { ...node2, host: null } }) }).hosts!;
    assert.deepEqual(blind.links, []);
    assert.deepEqual(blind.unknown.map((u) => [u.from, u.to]), [['local', 'node2'], ['node2', 'local']]);
    assert.match(blind.unknown[0]!.reason, /^the host facts of vm \(unix:\/\/\/run\/nlmhfx\/docker\.sock\) were not read$/);
    const unread = topologySnapshot(here, 'x', { self: 'local', all: all({ topology: undefined, reason: 'connect ECONNREFUSED' }) }).hosts!;
    assert.deepEqual(unread.sides[1], { key: 'node2', label: 'node2', view: null, reason: 'connect ECONNREFUSED' });
    assert.deepEqual(unread.unknown, [{ from: 'local', to: 'node2', reason: 'the model of node2 was not read: connect ECONNREFUSED' }]);
  });

  it('the guard rejects a malformed hosts part', () => {
    const m = topologySnapshot(here, 'x', { self: 'local', all: all() });
    const h = m.hosts!;
    for (const bad of [
      { ...m, hosts: undefined },
      { ...m, hosts: { ...h, self: 'elsewhere' } },
      { ...m, hosts: { ...h, sides: [...h.sides, { key: 'x', label: 7, view: null, reason: null }] } },
      { ...m, hosts: { ...h, sides: [h.sides[0], { ...h.sides[1], view: { ...h.sides[1]!.view, networks: {} } }] } },
      { ...m, hosts: { ...h, links: [{ ...h.links[0], fromInterface: null }] } },
      { ...m, hosts: { ...h, unknown: [{ from: 'local', to: 'node2' }] } },
    ]) {
      assert.equal(isSnapshotNotification(bad), false, JSON.stringify(bad.hosts ?? null).slice(0, 120));
    }
  });

  it('places each host in its own frame, side by side, apart; the link joins nlmhfx-h here to eth0 on node2', () => {
    const hosts = topologySnapshot(here, 'x', { self: 'local', all: all() }).hosts!;
    const l = placed(hosts);
    const frames = l.frames.filter((f) => f.kind === 'host');
    assert.deepEqual(frames.map((f) => f.id), [topologyIds.hostFrame('local'), topologyIds.hostFrame('node2')]);
    assertNoOverlap(frames);
    assertNoOverlap(l.nodes);
    for (const n of l.nodes) {
      const f = splitHostItem(n.id) ? frames[1]! : frames[0]!;
      assert.ok(n.x >= f.x && n.y >= f.y && n.x + n.width <= f.x + f.width && n.y + n.height <= f.y + f.height, `${n.id} inside its host's frame`);
    }
    // the drawn engine keeps its own ids: focus, search and traces resolve as with one engine
    const own = layoutTopology(topologySnapshot(here, 'x').view!, { underlay: underlayOf(hosts, 'local') });
    assert.deepEqual(l.nodes.filter((n) => !splitHostItem(n.id)).map((n) => n.id), own.nodes.map((n) => n.id));
    const links = l.edges.filter((e) => e.role === 'hostLink');
    assert.deepEqual(links.map((e) => [e.source, e.target]), [[topologyIds.hostInterface('nlmhfx-h'), topologyIds.onHost('node2', topologyIds.hostInterface('eth0'))]]);
    assert.ok(l.width >= frames[1]!.x + frames[1]!.width);
  });

  it('with node2 picked in the toolbar, node2 keeps its ids and this machine\'s items carry their key; the order stays the configured one', () => {
    const hosts = topologySnapshot(node2, 'x', { self: 'node2', all: all() }).hosts!;
    assert.deepEqual(hosts.sides.map((s) => [s.key, s.view === null]), [['local', false], ['node2', true]]);
    const l = placed(hosts, node2);
    const frames = l.frames.filter((f) => f.kind === 'host');
    assert.deepEqual(frames.map((f) => f.id), [topologyIds.hostFrame('local'), topologyIds.hostFrame('node2')]);
    assert.ok(l.nodes.some((n) => n.id === topologyIds.container(node2.containers[0]!.id)), 'node2\'s container by its own id');
    assert.ok(l.nodes.every((n) => (splitHostItem(n.id)?.engineKey ?? 'node2') === (n.x < frames[1]!.x ? 'local' : 'node2')), 'left frame: this machine\'s keyed ids');
    const links = l.edges.filter((e) => e.role === 'hostLink');
    assert.deepEqual(links.map((e) => [e.source, e.target]), [[topologyIds.onHost('local', topologyIds.hostInterface('nlmhfx-h')), topologyIds.hostInterface('eth0')]]);
  });

  it('draws each overlay\'s VXLAN tunnel between two Swarm nodes as one lane between the interfaces it leaves by (recorded swarm)', () => {
    const swarm = (n: string) => (JSON.parse(readFileSync(join(dir, `../swarm-two-nodes/${n}.json`), 'utf8')) as { topology: Topology }).topology;
    const [n1, n2] = [swarm('nlswm1'), swarm('nlswm2')];
    const nodes: EngineModel[] = [
      { key: 'n1', label: 'nlswm1', topology: n1, reason: null },
      { key: 'n2', label: 'nlswm2', topology: n2, reason: null },
    ];
    const m = topologySnapshot(n1, 'x', { self: 'n1', all: nodes });
    assert.ok(isSnapshotNotification(JSON.parse(JSON.stringify(m))));
    const hosts = m.hosts!;
    // what the model joined, said in the snapshot: one tunnel per overlay and direction
    const overlays = n1.networks.filter((n) => n.driver === 'overlay').map((n) => n.name).sort();
    assert.deepEqual([...new Set(hosts.tunnels.map((t) => t.networkName))].sort(), overlays);
    for (const t of hosts.tunnels) {
      const far = (t.from === 'n1' ? n2 : n1).networks.find((n) => n.id === t.networkId)!;
      assert.ok(far, `${t.networkName} is on both nodes`);
      assert.equal(String(t.vni), far.options['com.docker.network.driver.overlay.vxlanid_list'], `${t.networkName}'s VNI is the engine's`);
    }
    const l = placed(hosts, n1);
    const lanes = l.edges.filter((e) => e.role === 'hostTunnel');
    assert.equal(lanes.length, overlays.length, 'both directions of a tunnel share one lane');
    const eth0 = topologyIds.hostInterface('eth0');
    for (const e of lanes) {
      assert.deepEqual([e.source, e.target], [eth0, topologyIds.onHost('n2', eth0)], "from nlswm1's eth0 to nlswm2's: the veth they are joined by");
      assert.match(e.label ?? '', /^overlay \S+ · VXLAN id \d+ udp\/4789 · 10\.213\.95\.1 ⇄ 10\.213\.95\.2$/);
    }
    // every lane apart from the others above the frames
    const ys = l.edges.filter((e) => e.role === 'hostLink' || e.role === 'hostTunnel').map((e) => e.points[1]![1]);
    assert.equal(new Set(ys).size, ys.length);
    const guarded = JSON.parse(JSON.stringify(m)) as typeof m;
    assert.equal(isSnapshotNotification({ ...guarded, hosts: { ...hosts, tunnels: [{ ...hosts.tunnels[0], vni: '4097' }] } }), false, 'the guard checks the tunnels');
  });

  it('another host\'s item id carries its engine key, and is never read as an item of the drawn engine', () => {
    const id = topologyIds.onHost('ssh://me@node2|x', topologyIds.container('abc'));
    assert.deepEqual(splitHostItem(id), { engineKey: 'ssh://me@node2|x', id: topologyIds.container('abc') });
    assert.equal(subjectOfItem(id), null, 'the panel strips the key first, then opens that engine\'s pane');
    assert.equal(splitHostItem(topologyIds.container('abc')), null);
  });

  it('the underlay interface is drawn in the host band only where a link uses it', () => {
    const plain = layoutTopology(topologySnapshot(node2, 'x').view!);
    assert.ok(!plain.nodes.some((n) => n.id === topologyIds.hostInterface('eth0')), 'node2\'s eth0 is a veth: no NIC of its own without a link');
    const hosts = topologySnapshot(here, 'x', { self: 'local', all: all() }).hosts!;
    assert.deepEqual([...underlayOf(hosts, 'node2')], ['eth0']);
    assert.deepEqual([...underlayOf(hosts, 'local')], ['nlmhfx-h']);
  });
});
