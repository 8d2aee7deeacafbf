import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tracePacket, traceReadingListeners } from '../../../src/core/trace';
import type { Topology } from '../../../src/core/model/types';
import { withContainerListeners } from '../../../src/core/model/withListeners';
import { LISTENERS_NOT_READ, listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import { unknown } from '../../../src/core/known';
import { FIXTURES } from '../../support/netfilterFixtures';

// The recorded listener lab (see listeners.test.ts), and the same model as a refresh leaves it:
// every container's listeners not read, the host's read.
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));
const UNREAD: Topology = {
  ...LAB,
  containers: LAB.containers.map((c) => (c.networkMode === 'host' || !c.listeners ? c : { ...c, listeners: unknown(LISTENERS_NOT_READ) })),
};
const id = (name: string) => LAB.containers.find((c) => c.name === name)!.id;

/** What Session.readListeners does, from the recording: the asked containers' listeners as recorded. */
function reader(asked: string[][]) {
  return async (t: Topology, ids: readonly string[]) => {
    asked.push([...ids]);
    return withContainerListeners(t, Object.fromEntries(ids.map((x) => [x, LAB.containers.find((c) => c.id === x)!.listeners!])));
  };
}

describe('trace: listeners a refresh left unread are read for the container the packet reaches', () => {
  it('without them the last step is uncertain, naming why', () => {
    const r = tracePacket(UNREAD, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.ok(r.missing.some((m) => m.fact === 'the listening sockets of container nlk-web' && m.why === LISTENERS_NOT_READ));
  });

  for (const [to, proto] of [['nlk-web:81', 'tcp'], ['nlk-web:80', 'tcp'], ['nlk-web:5353', 'udp'], ['nlk-web:5399', 'udp']] as const) {
    it(`${proto} to ${to}: reads nlk-web's alone, then the verdict and hops are those of the complete model`, async () => {
      const asked: string[][] = [];
      const { result, topology } = await traceReadingListeners(UNREAD, { from: 'nlk-cli', to, proto }, reader(asked));
      assert.deepEqual(asked, [[id('nlk-web')]]);
      assert.deepEqual(result, tracePacket(LAB, { from: 'nlk-cli', to, proto }));
      assert.ok(!listenersNotRead(topology.containers.find((c) => c.name === 'nlk-web')!.listeners));
    });
  }

  it('a trace that ends on the host or in a named netns reads no container', async () => {
    const asked: string[][] = [];
    for (const req of [{ from: 'nlk-cli', to: 'host:22', proto: 'tcp' as const }, { from: 'host', to: '10.213.41.2:7777', proto: 'tcp' as const }]) {
      const { result } = await traceReadingListeners(UNREAD, req, reader(asked));
      assert.deepEqual(result, tracePacket(LAB, req));
    }
    assert.deepEqual(asked, []);
  });

  it('a read that fails leaves the verdict uncertain with the failure as the reason', async () => {
    const failing = async (t: Topology, ids: readonly string[]) => withContainerListeners(t, Object.fromEntries(ids.map((x) => [x, unknown('host shell local failed: boom')])));
    const { result } = await traceReadingListeners(UNREAD, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' }, failing);
    assert.equal(result.verdict, 'uncertain');
    assert.ok(result.missing.some((m) => m.why === 'host shell local failed: boom'));
  });

  it('withContainerListeners gives a container:<id> sharer the listeners read for its namespace, and leaves --network host alone', () => {
    const owner = LAB.containers.find((c) => !c.sharesNetnsWith && c.networkMode !== 'host' && c.listeners)!;
    const sharer = { ...owner, id: 'f'.repeat(64), name: 'sharer', networkMode: `container:${owner.id}`, sharesNetnsWith: owner.id, listeners: unknown(LISTENERS_NOT_READ) };
    const hostnet = LAB.containers.find((c) => c.networkMode === 'host')!;
    const t = withContainerListeners({ ...UNREAD, containers: [...UNREAD.containers, sharer] }, { [owner.id]: owner.listeners!, [hostnet.id]: unknown('never') });
    assert.deepEqual(t.containers.find((c) => c.id === sharer.id)!.listeners, owner.listeners);
    assert.deepEqual(t.containers.find((c) => c.id === hostnet.id)!.listeners, hostnet.listeners);
  });
});
