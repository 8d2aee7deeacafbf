/**
 * A trace's hops as the model subjects the topology draws (src/core/trace/tracePlaces.ts), and the
 * `tracePath` message the extension builds from them, on the recorded Engine 20.10 trace lab
 * (test/fixtures/trace/README.md). Names, ids and rule positions come from the recording itself.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { tracePacket } from '../../../src/core/trace';
import { decidingHop, hopSubjects, tracePlaces } from '../../../src/core/trace/tracePlaces';
import { hopFocusTarget, tracePathMessage } from '../../../src/extension/trace/traceView';
import { subjectKey, subjects } from '../../../src/protocol/subject';
import { isTopologyNotification, isTracePathNotification } from '../../../src/protocol/topologyProtocol';
import { FIXTURES } from '../../support/netfilterFixtures';

const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const ctr = (name: string) => LAB.containers.find((c) => c.name === name)!;
const net = (name: string) => LAB.networks.find((n) => n.name === name)!;
const key = subjectKey;
const A = net('nlt-a');
const A1 = ctr('nlt-a1');
const A2 = ctr('nlt-a2');
const keysOf = (topology: Topology, r: ReturnType<typeof tracePacket>) => tracePlaces(topology, r).hops.map((h) => h.subjects.map(key));

describe('a trace as places on the model (what the topology lights)', () => {
  it('the recording has what these cases name', () => {
    for (const c of [A1, A2]) assert.ok(c, 'nlt-a1 and nlt-a2 recorded');
    assert.ok(A?.bridge, 'nlt-a has its bridge');
    assert.ok(LAB.host?.namedNetns.some((n) => n.name === 'nlt-OUT'));
  });

  it('container to container on one bridge: the sender and its endpoint, the network, the receiver and its endpoint; delivered at the receiver', () => {
    const r = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered');
    const places = tracePlaces(LAB, r);
    const all = new Set(places.hops.flatMap((h) => h.subjects.map(key)));
    const ep = (c: { id: string }) => key(subjects.endpoint(A.id, c.id));
    for (const k of [key(subjects.container(A2.id)), ep(A2), key(subjects.network(A.id)), key(subjects.container(A1.id)), ep(A1)]) assert.ok(all.has(k), `${k} on the path`);
    // an interface is looked up in its own namespace: the containers' eth0 is never the host's NIC eth0
    assert.equal(all.has(key(subjects.hostInterface('eth0'))), false);
    // the first hop is in the sender, its namespace's owner first
    assert.deepEqual(places.hops[0]!.subjects.map(key), [key(subjects.container(A2.id)), ep(A2)]);
    // delivered: the hop that delivered decided, at the receiver
    const deliver = r.hops.find((h) => h.kind === 'deliver')!;
    assert.equal(places.decider?.step, deliver.step);
    assert.deepEqual(places.decider?.subjects.map(key), [key(subjects.container(A1.id)), ep(A1)]);
    // every hop, the reply's too, is placed in walking order
    assert.deepEqual(places.hops.map((h) => h.step), [...r.hops, ...(r.reply ?? [])].map((h) => h.step));
  });

  it('from the outside netns to a publish: the netns and its veth\'s host end, the publish whose DNAT rule it took, the bridge, the container', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    const hostEnd = LAB.host!.interfaces.find((i) => i.peerNetns === 'nlt-OUT')!;
    const publish = LAB.publishes.find((p) => p.containerId === A1.id && p.hostPort === 47180 && p.protocol === 'tcp')!;
    const dnat = r.hops.find((h) => h.rule?.table === 'nat' && /DNAT/.test(h.what))!;
    assert.deepEqual(dnat.rule && { t: dnat.rule.table, c: dnat.rule.chain, i: dnat.rule.index }, publish.dnatRule && { t: publish.dnatRule.table, c: publish.dnatRule.chain, i: publish.dnatRule.index }, 'the trace took the rule the model joined to the publish');
    const keys = keysOf(LAB, r);
    assert.deepEqual(keys[0], [key(subjects.netns('nlt-OUT')), key(subjects.hostInterface(hostEnd.name))]);
    assert.ok(keys.some((k) => k.includes(key(subjects.publish(publish)))), 'the publish is on the path');
    assert.ok(keys.some((k) => k.includes(key(subjects.network(A.id)))));
    assert.ok(keys.some((k) => k.includes(key(subjects.container(A1.id)))));
    // a hop at another nat rule names no publish
    assert.ok(r.hops.filter((h) => h !== dnat).every((h) => !hopSubjects(LAB, h).some((s) => s.kind === 'publish')));
  });

  it('dropped by a DOCKER-USER rule: the drop decided, where the packet was (the host end of the outside veth)', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
    assert.equal(r.verdict, 'dropped');
    const d = decidingHop(r)!;
    assert.equal(d.rule?.chain, 'DOCKER-USER');
    assert.equal(d, r.hops[r.hops.length - 1]);
    const hostEnd = LAB.host!.interfaces.find((i) => i.peerNetns === 'nlt-OUT')!;
    assert.deepEqual(tracePlaces(LAB, r).decider?.subjects.map(key), [key(subjects.hostInterface(hostEnd.name))]);
  });

  it('uncertain at a rule netlens cannot evaluate: that hop decided, on the bridge the packet came in by', () => {
    const r = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-b1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    const d = decidingHop(r)!;
    assert.ok(d.matchedRules?.some((m) => m.outcome === 'unknown'), 'the hop with the rule it could not evaluate');
    assert.deepEqual(tracePlaces(LAB, r).decider?.subjects.map(key), [key(subjects.network(A.id))]);
  });

  it('a hop outside the model, a container that is gone and an interface nobody has are placed nowhere; a host step without an interface is the host', () => {
    assert.deepEqual(hopSubjects(LAB, { namespace: 'outside', interface: 'eth0' }), []);
    assert.deepEqual(hopSubjects(LAB, { namespace: 'container nlt-gone', interface: 'eth0' }), []);
    assert.deepEqual(hopSubjects(LAB, { namespace: 'netns nope', interface: null }), []);
    assert.deepEqual(hopSubjects(LAB, { namespace: 'host', interface: 'nope0' }), [subjects.hostInterface('nope0')]);
    assert.deepEqual(hopSubjects(LAB, { namespace: 'host', interface: null }), [subjects.host()]);
    assert.deepEqual(hopSubjects(LAB, { namespace: 'host', interface: A.bridge }), [subjects.network(A.id)]);
  });

  it('the tracePath message carries subject keys the protocol guard accepts, and the hop focus is the namespace owner', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
    const m = tracePathMessage(3, LAB, r);
    assert.ok(isTracePathNotification(m) && isTopologyNotification(m));
    assert.equal(m.traceId, 3);
    assert.equal(m.verdict, 'dropped');
    assert.equal(m.decider?.text, r.decidedBy);
    assert.equal(m.hops.length, r.hops.length + (r.reply?.length ?? 0));
    // a key that is not a subject key, or a step that is not one, is refused
    assert.equal(isTracePathNotification({ ...m, hops: [{ step: 1, keys: ['nlt-a1'] }] }), false);
    assert.equal(isTracePathNotification({ ...m, hops: [{ step: -1, keys: [] }] }), false);
    assert.equal(isTracePathNotification({ ...m, decider: { step: 1, keys: ['ctr:x'] } }), false, 'the decider says what decided');
    assert.ok(isTracePathNotification({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' }), 'the clearing message');
    assert.equal(hopFocusTarget(LAB, { namespace: 'container nlt-a1', interface: 'eth0' }), key(subjects.container(A1.id)));
    assert.equal(hopFocusTarget(LAB, { namespace: 'netns nlt-OUT', interface: 'nlt-out0' }), key(subjects.netns('nlt-OUT')));
    assert.equal(hopFocusTarget(LAB, { namespace: 'host', interface: A.bridge }), key(subjects.network(A.id)));
    assert.equal(hopFocusTarget(LAB, { namespace: 'outside', interface: null }), null);
  });
});
