import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tracePacket, traceReadingListeners } from '../../../src/core/trace';
import type { Topology } from '../../../src/core/model/types';
import { withContainerListeners, withHostListeners } from '../../../src/core/model/withListeners';
import { LISTENERS_NOT_READ, listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import type { ListenersAsked } from '../../../src/core/host/commands/containerListeners';
import { unknown } from '../../../src/core/known';
import { FIXTURES } from '../../support/netfilterFixtures';

// The recorded listener lab (see listeners.test.ts), and the same model as a refresh leaves it:
// no listeners read, every container's and the host's (a --network host container's are the host's).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));
const HOST_UNREAD = unknown(LISTENERS_NOT_READ);
const UNREAD: Topology = {
  ...LAB,
  host: { ...LAB.host!, listeners: HOST_UNREAD },
  containers: LAB.containers.map((c) => (!c.listeners ? c : { ...c, listeners: c.networkMode === 'host' ? HOST_UNREAD : unknown(LISTENERS_NOT_READ) })),
};
const id = (name: string) => LAB.containers.find((c) => c.name === name)!.id;

/** What Session.readListeners does, from the recording: the asked containers' listeners, and the host's, as recorded. */
function reader(asked: ListenersAsked[]) {
  return async (t: Topology, a: ListenersAsked) => {
    asked.push(a);
    const withContainers = withContainerListeners(t, Object.fromEntries(a.containers.map((x) => [x, LAB.containers.find((c) => c.id === x)!.listeners!])));
    return a.host ? withHostListeners(withContainers, LAB.host!.listeners!) : withContainers;
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
      const asked: ListenersAsked[] = [];
      const { result, topology } = await traceReadingListeners(UNREAD, { from: 'nlk-cli', to, proto }, reader(asked));
      assert.deepEqual(asked, [{ containers: [id('nlk-web')], host: false }]);
      assert.deepEqual(result, tracePacket(LAB, { from: 'nlk-cli', to, proto }));
      assert.ok(!listenersNotRead(topology.containers.find((c) => c.name === 'nlk-web')!.listeners));
    });
  }

  it("a trace that ends on the host reads the host's alone, one that ends in a named netns nothing (read with the namespace)", async () => {
    const toHost = { from: 'nlk-cli', to: 'host:22', proto: 'tcp' as const };
    const before = tracePacket(UNREAD, toHost);
    assert.ok(before.missing.some((m) => m.fact === "the host's listening sockets" && m.why === LISTENERS_NOT_READ), JSON.stringify(before.missing));
    const asked: ListenersAsked[] = [];
    const { result, topology } = await traceReadingListeners(UNREAD, toHost, reader(asked));
    assert.deepEqual(asked, [{ containers: [], host: true }]);
    assert.deepEqual(result, tracePacket(LAB, toHost));
    assert.deepEqual(topology.host!.listeners, LAB.host!.listeners);
    const toNetns = { from: 'host', to: '10.213.41.2:7777', proto: 'tcp' as const };
    const none: ListenersAsked[] = [];
    assert.deepEqual((await traceReadingListeners(UNREAD, toNetns, reader(none))).result, tracePacket(LAB, toNetns));
    assert.deepEqual(none, []);
  });

  it("withHostListeners gives the host's listeners to the host and to every --network host container, and nothing else", () => {
    const read = LAB.host!.listeners!;
    const t = withHostListeners(UNREAD, read);
    assert.equal(t.host!.listeners, read);
    const hostnet = t.containers.filter((c) => c.networkMode === 'host');
    assert.ok(hostnet.length > 0, 'the lab has a --network host container');
    for (const c of hostnet) assert.equal(c.listeners, read);
    for (const c of t.containers.filter((x) => x.networkMode !== 'host' && x.listeners)) assert.ok(listenersNotRead(c.listeners), c.name);
  });

  it('a read that fails leaves the verdict uncertain with the failure as the reason', async () => {
    const failing = async (t: Topology, a: ListenersAsked) => withContainerListeners(t, Object.fromEntries(a.containers.map((x) => [x, unknown('host shell local failed: boom')])));
    const { result } = await traceReadingListeners(UNREAD, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' }, failing);
    assert.equal(result.verdict, 'uncertain');
    assert.ok(result.missing.some((m) => m.why === 'host shell local failed: boom'));
  });

  it('withContainerListeners gives a container:<id> sharer the listeners read for its namespace, and leaves --network host alone', () => {
    const owner = LAB.containers.find((c) => !c.sharesNetnsWith && c.networkMode !== 'host' && c.listeners)!;
    const sharer = { ...owner, id: 'f'.repeat(64), name: 'sharer', networkMode: `container:${owner.id}`, sharesNetnsWith: owner.id, listeners: unknown(LISTENERS_NOT_READ) };
    const hostnet = UNREAD.containers.find((c) => c.networkMode === 'host')!;
    const t = withContainerListeners({ ...UNREAD, containers: [...UNREAD.containers, sharer] }, { [owner.id]: owner.listeners!, [hostnet.id]: unknown('never') });
    assert.deepEqual(t.containers.find((c) => c.id === sharer.id)!.listeners, owner.listeners);
    assert.deepEqual(t.containers.find((c) => c.id === hostnet.id)!.listeners, hostnet.listeners);
  });
});
