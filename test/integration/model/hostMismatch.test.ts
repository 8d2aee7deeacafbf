/**
 * A host shell is joined only when it reached the engine's own host. A real second Docker host in a
 * namespace of this suite's own (same kernel, same host name, same PID namespace — the hardest case
 * to tell apart) is asked for through its socket while the shell is this machine's: nothing of the
 * shell may be joined, and a gap says why. Read from inside its namespace, the same engine is joined —
 * also when the `auto` shell finds that namespace itself, through the process serving the socket.
 */
import { strict as assert } from 'node:assert';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { hostFactsIn } from '../../support/netnsHost';
import { matchEngineHost } from '../../../src/core/model/hostIdentity';
import { createSession } from '../../../src/core/session';
import { IMAGE, requireRealEngine } from '../../support/lab';
import { startSecondEngine, type SecondEngine } from '../../support/secondEngine';

describe('host shell on another host than the engine (a second dockerd in a namespace of our own)', function () {
  this.timeout(180_000);
  let node2: SecondEngine | undefined;

  before(async () => {
    requireRealEngine();
    node2 = await startSecondEngine('nlm2', '10.213.81.1', '10.213.81.2');
    node2.docker('network', 'create', '--subnet', '10.213.82.0/24', 'nlm2-net');
    node2.docker('run', '-d', '--name', 'nlm2-c1', '--network', 'nlm2-net', IMAGE, 'sleep', '100000');
  });

  after(() => node2?.stop());

  it("joins nothing of this machine's shell to the other engine, and says why in one coded gap", async () => {
    const session = createSession({ dockerHost: node2!.socket, hostShell: 'local' });
    try {
      const topo = await session.snapshot();
      const gap = topo.gaps.find((g) => g.code === 'HOST_MISMATCH');
      assert.ok(gap, `a HOST_MISMATCH gap (gaps: ${JSON.stringify(topo.gaps)})`);
      assert.match(gap.reason, /not joined: none of the 1 container veth\(s\) has its peer among this shell \(local, host "[^"]+"\)'s interfaces: the engine may run in a VM/);
      assert.deepEqual(topo.host!.interfaces, [], "none of this machine's interfaces");
      assert.equal(topo.host!.firewall.ipv4, null, "nor this machine's firewall");
      assert.deepEqual(topo.publishes.filter((p) => p.proxy), [], "nor this machine's docker-proxy processes");
      const c1 = topo.containers.find((c) => c.name === 'nlm2-c1')!;
      assert.deepEqual(c1.interfaces, []);
      assert.match(c1.unknown!.netns!, /HOST_MISMATCH|not joined/);
      const net = topo.networks.find((n) => n.name === 'nlm2-net')!;
      assert.equal(net.bridgePresent, null, 'whether its bridge exists is unknown, not "absent"');
    } finally {
      await session.dispose();
    }
  });

  it('a shell inside the second host\'s namespace is that engine\'s host', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: node2!.socket, env: {} });
    const engine = await collectEngineFacts(createDockerClient(endpoint), endpoint);
    assert.deepEqual(matchEngineHost(engine, await hostFactsIn(node2!.netns)), { same: true });
  });

  it('`auto` follows the engine into the namespace it serves its socket from, and joins what it reads there', async () => {
    const session = createSession({ dockerHost: node2!.socket });
    try {
      const topo = await session.snapshot();
      assert.match(topo.host!.target, /^local \(network namespace of dockerd pid \d+: nsenter --net=\/proc\/\d+\/ns\/net\)$/);
      assert.equal(topo.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined, JSON.stringify(topo.gaps));
      assert.equal(topo.host!.rootlessKit, undefined, 'no RootlessKit here');
      const c1 = topo.containers.find((c) => c.name === 'nlm2-c1')!;
      assert.ok(c1.interfaces.some((i) => i.name === 'eth0' && i.hostPeer), "c1's veth joined to its peer in the second host's namespace");
    } finally {
      await session.dispose();
    }
  });

  it("this machine's own engine and shell are one host", async () => {
    const session = createSession({ hostShell: 'local' });
    try {
      const topo = await session.snapshot();
      assert.equal(topo.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined);
      assert.ok(topo.host!.interfaces.length > 0);
    } finally {
      await session.dispose();
    }
  });
});
