/**
 * A refresh after engine events (Session.snapshot with changedContainers) re-reads only what
 * container events change and the namespaces of the containers they name, and keeps the rest from
 * the last read where the kernel shows the same process in the same namespace. Against the real
 * engine: its model must equal a whole read's wherever the events said something changed, and a
 * change the events did not name (a restarted container: a new process, a new namespace) must be
 * read again all the same.
 */
import { strict as assert } from 'node:assert';
import { createSession, type Session } from '../../../src/core/session';
import type { ContainerNode, Topology } from '../../../src/core/model/types';
import { hostSheet } from '../../../src/protocol/facts/hostSheets';
import { listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import { IMAGE, containerId, docker, removeLab, requireRealEngine, run } from '../../support/lab';

const P = 'nlkeep-';
const NET = `${P}net`;

/** What a container's namespace read says, as the views show it (neighbours are the kernel's cache: they come and go). */
function netnsView(c: ContainerNode | undefined) {
  assert.ok(c, 'container missing from the model');
  return {
    pid: c.pid,
    interfaces: c.interfaces.map((i) => ({ name: i.name, index: i.index, kind: i.kind, addresses: i.addresses.map((a) => `${a.address}/${a.prefixLen}`).sort(), hostPeer: i.hostPeer, hostPeerIndex: i.hostPeerIndex, bridge: i.bridge, mac: i.mac })),
    routes: c.routes.map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''}`).sort(),
    gateway: c.defaultGateway,
    unknown: c.unknown,
  };
}

function container(t: Topology, name: string): ContainerNode | undefined {
  return t.containers.find((c) => c.name === name);
}

describe('session: a refresh after engine events reads only what they changed (real engine)', function () {
  this.timeout(120_000);
  let session: Session;

  before(() => {
    requireRealEngine();
    removeLab(P);
    docker('network', 'create', NET);
    for (const n of ['a', 'b']) docker('run', '-d', '--name', `${P}${n}`, '--network', NET, IMAGE, 'sleep', '3600');
    session = createSession({});
  });
  after(async () => {
    await session?.dispose();
    removeLab(P);
  });

  it('reads everything the first time, and says so', async () => {
    const first = await session.snapshot(undefined, { containerListeners: false, changedContainers: [] });
    assert.equal(first.host?.kept, undefined, 'the first read of a session keeps nothing');
    assert.ok(container(first, `${P}a`)?.interfaces.some((i) => i.hostPeer), 'a is joined to its host veth');
  });

  it('after `docker run`: the new container is read and joined, the others are kept, and the model equals a whole read', async () => {
    docker('run', '-d', '--name', `${P}c`, '--network', NET, IMAGE, 'sleep', '3600');
    const after = await session.snapshot(undefined, { containerListeners: false, changedContainers: [containerId(`${P}c`)] });
    const whole = await createSession({}).snapshot(undefined, { containerListeners: false });
    const kept = after.host?.kept;
    assert.ok(kept, 'a read after events says what it kept');
    // Docker's own namespaces too, while the engine has no overlay network (they come with one)
    const overlays = after.networks.some((n) => n.driver === 'overlay');
    assert.deepEqual([...kept.sections].sort(), [...(overlays ? [] : ['docker-netns']), 'hostname', 'ip-route', 'iptables-version', 'netns']);
    assert.ok(kept.namespaces >= 2, `a and b are kept: ${kept.namespaces}`);
    // and the host's pane says so, in words
    const read = hostSheet(after).sections.flatMap((s) => s.rows).find((r) => r.label === 'Read');
    assert.match(read?.value.kind === 'text' ? read.value.text : '', /^after engine events: kept hostname, .*\d+ container namespaces \(same process, same namespace\) from the whole read at \d{4}-/);
    for (const n of ['a', 'b', 'c']) assert.deepEqual(netnsView(container(after, `${P}${n}`)), netnsView(container(whole, `${P}${n}`)), n);
    const c = container(after, `${P}c`)!;
    assert.ok(c.interfaces.find((i) => i.name === 'eth0')?.hostPeer, 'c (read now) is joined to its host veth');
    // the host side Docker changed is read again: c's veth is on the bridge
    const veth = c.interfaces.find((i) => i.name === 'eth0')!.hostPeer!;
    assert.ok(after.host?.interfaces.some((i) => i.name === veth && i.master !== null), `${veth} on its bridge in the new read`);
  });

  it('a container restarted without an event naming it is read again: a new process is a new namespace', async () => {
    const before = container(await session.snapshot(undefined, { containerListeners: false }), `${P}a`)!.pid;
    docker('restart', '-t', '0', `${P}a`);
    const after = await session.snapshot(undefined, { containerListeners: false, changedContainers: [] });
    const a = container(after, `${P}a`)!;
    assert.notEqual(a.pid, before, 'a has a new init process');
    assert.equal(a.pid, Number(docker('inspect', '-f', '{{.State.Pid}}', `${P}a`)));
    assert.deepEqual(netnsView(a), netnsView(container(await createSession({}).snapshot(undefined, { containerListeners: false }), `${P}a`)));
  });

  it('a change inside a namespace is read when an event names that container, kept (and said so) when none does', async () => {
    const pid = docker('inspect', '-f', '{{.State.Pid}}', `${P}b`);
    await session.snapshot(undefined, { containerListeners: false });
    run('nsenter', ['-t', pid, '-n', 'ip', 'addr', 'add', '10.250.77.1/24', 'dev', 'eth0']);
    const quiet = await session.snapshot(undefined, { containerListeners: false, changedContainers: [] });
    const lo = (t: Topology) => container(t, `${P}b`)!.interfaces.find((i) => i.name === 'eth0')!.addresses.map((a) => a.address);
    assert.ok(!lo(quiet).some((a) => a === '10.250.77.1'), 'no event named b: its namespace was kept');
    assert.ok((quiet.host?.kept?.namespaces ?? 0) >= 1, 'and the model says namespaces were kept');
    const named = await session.snapshot(undefined, { containerListeners: false, changedContainers: [containerId(`${P}b`)] });
    assert.ok(lo(named).some((a) => a === '10.250.77.1'), `an event named b: read again (${lo(named).join(', ')})`);
  });

  it('asking who listens reads every namespace, kept or not', async () => {
    await session.snapshot(undefined, { containerListeners: false });
    const withListeners = await session.snapshot(undefined, { containerListeners: true, changedContainers: [] });
    assert.equal(withListeners.host?.kept?.namespaces, 0);
    for (const n of ['a', 'b', 'c']) assert.ok(container(withListeners, `${P}${n}`)?.listeners?.known, `${n}: listeners read`);
    assert.ok(withListeners.host?.listeners?.known, "and the host's");
  });

  it("a refresh leaves who listens unread, on the host too; readListeners reads what is asked, in one round trip each", async () => {
    const refresh = await session.snapshot(undefined, { containerListeners: false });
    assert.ok(listenersNotRead(refresh.host?.listeners), JSON.stringify(refresh.host?.listeners));
    assert.ok(!refresh.gaps.some((g) => g.subject === 'host.listeners'), 'left to be read is not a gap');
    const a = containerId(`${P}a`);
    const host = await session.readListeners(refresh, { containers: [], host: true });
    const whole = await session.snapshot();
    const ports = (t: Topology) => (t.host?.listeners?.known ? t.host.listeners.value.map((l) => `${l.protocol} ${l.address}:${l.port}`).sort() : ['unknown']);
    assert.deepEqual(ports(host), ports(whole), "the host's listeners as a whole read finds them");
    assert.ok(listenersNotRead(container(host, `${P}a`)?.listeners), 'no container was asked');
    const both = await session.readListeners(refresh, { containers: [a], host: true });
    assert.ok(container(both, `${P}a`)?.listeners?.known && both.host?.listeners?.known);
  });
});
