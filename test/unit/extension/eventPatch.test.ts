/**
 * Engine events applied to the model at once (before the snapshot they also ask for): the recorded
 * event stream of the lab's create/connect/rename/stop/rm run, parsed by the core's own parser,
 * replayed over the recorded lab topology.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseEventLine } from '../../../src/core/docker/eventLines';
import type { EngineEvent } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';
import { patchTopology, provisionalKey } from '../../../src/extension/engines/eventPatch';
import { engineRoot } from '../../../src/extension/trees/engineRoots';
import { fixturePath, labTopology } from './sidebarFixture';

const events = (): EngineEvent[] =>
  readFileSync(fixturePath('events-sidebar-lab.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => parseEventLine(l).event);

/** Replays events up to and including the first that matches `stop`, returning the model then. */
function replay(until: (e: EngineEvent) => boolean): { topology: Topology; provisional: Set<string> } {
  let topology = labTopology();
  const provisional = new Set<string>();
  for (const e of events()) {
    const p = patchTopology(topology, e);
    if (p) {
      topology = p.topology;
      p.provisional.forEach((k) => provisional.add(k));
    }
    if (until(e)) return { topology, provisional };
  }
  throw new Error('the event was not in the recording');
}

const endpointsOf = (t: Topology, network: string): string[] => t.networks.find((n) => n.name === network)?.endpoints.map((e) => e.containerName) ?? [];

describe('engine events patch the model at once', () => {
  it('network connect puts the container under the network, marked as updating until the snapshot', () => {
    const { topology, provisional } = replay((e) => e.type === 'network' && e.action === 'connect' && e.attributes.name === 'nle-evnet');
    assert.deepEqual(endpointsOf(topology, 'nle-evnet'), ['nle-ev']);
    const net = topology.networks.find((n) => n.name === 'nle-evnet')!;
    const ev = topology.containers.find((c) => c.name === 'nle-ev')!;
    assert.ok(provisional.has(provisionalKey.endpoint(net.id, ev.id)));
    const root = engineRoot('networks', { key: 'local', label: 'local', status: { kind: 'connected', since: topology.collectedAt }, topology, provisional });
    const netNode = root.children.find((c) => c.label === 'nle-evnet')!;
    assert.equal(netNode.children.find((c) => c.label === 'nle-ev')?.description, 'updating…');
  });

  it('disconnect of a running container removes it from the network', () => {
    const { topology } = replay((e) => e.type === 'network' && e.action === 'disconnect' && e.attributes.name === 'nle-evnet');
    assert.deepEqual(endpointsOf(topology, 'nle-evnet'), []);
    assert.ok(!topology.containers.find((c) => c.name === 'nle-ev')!.networks.includes('nle-evnet'));
  });

  it('rename renames the container everywhere it is shown', () => {
    const { topology } = replay((e) => e.action === 'rename');
    assert.ok(topology.containers.some((c) => c.name === 'nle-ev2'));
    assert.ok(endpointsOf(topology, 'bridge').includes('nle-ev2'));
    assert.ok(!endpointsOf(topology, 'bridge').includes('nle-ev'));
  });

  it('a stopping container keeps its endpoint without an address, as the engine lists it', () => {
    const { topology } = replay((e) => e.type === 'container' && e.action === 'stop' && e.name === 'nle-ev2');
    const c = topology.containers.find((x) => x.name === 'nle-ev2')!;
    assert.equal(c.state, 'exited');
    const ep = topology.networks.find((n) => n.name === 'bridge')!.endpoints.find((e) => e.containerId === c.id)!;
    assert.equal(ep.ipv4, null);
  });

  it('destroy removes the container and its endpoints; network destroy removes the network', () => {
    const { topology } = replay((e) => e.type === 'network' && e.action === 'destroy' && e.name === 'nle-evnet');
    assert.ok(!topology.containers.some((c) => c.name.startsWith('nle-ev')));
    assert.ok(!topology.networks.some((n) => n.endpoints.some((e) => e.containerName.startsWith('nle-ev'))));
    assert.ok(!topology.networks.some((n) => n.name === 'nle-evnet'));
  });

  it('events about things the model does not know change nothing', () => {
    const t = labTopology();
    const stranger = events().find((e) => e.type === 'container' && e.action === 'destroy' && e.name === 'nlh-it-idle')!;
    assert.equal(patchTopology(t, stranger), undefined);
    const exec = events().find((e) => e.action === 'kill')!;
    assert.equal(patchTopology(t, exec), undefined);
  });

  it('every event leaves the networks and containers it does not touch as the same objects', () => {
    let topology = labTopology();
    let patched = 0;
    for (const e of events()) {
      const p = patchTopology(topology, e);
      if (!p) continue;
      patched++;
      const touches = (ids: string[]) => ids.includes(e.id) || ids.includes(e.attributes.container ?? '');
      for (const n of p.topology.networks) {
        const before = topology.networks.find((x) => x.id === n.id);
        if (before && !touches([n.id, ...before.endpoints.map((ep) => ep.containerId)])) assert.equal(n, before, `${e.type} ${e.action}: network ${n.name} was rebuilt`);
      }
      for (const c of p.topology.containers) {
        const before = topology.containers.find((x) => x.id === c.id);
        if (before && !touches([c.id])) assert.equal(c, before, `${e.type} ${e.action}: container ${c.name} was rebuilt`);
      }
      topology = p.topology;
    }
    assert.ok(patched >= 5, `only ${patched} events of the recording changed the model`);
  });
});
