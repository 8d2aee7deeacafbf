/**
 * The helper container against a dockerd that serves TLS itself (`--tlsverify`, certificates this
 * test generates) — a second Docker host in a network namespace of the test's own, where this
 * machine's shell is the wrong host (HOST_MISMATCH, the Docker Desktop situation). Through the
 * helper the same engine's host is joined: the helper finds the dockerd whose network namespace it
 * shares (not this machine's), and its model equals a local shell's run inside that namespace.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type SessionOptions } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { IMAGE, requireRealEngine } from '../../support/lab';
import { startSecondEngine, type SecondEngine } from '../../support/secondEngine';
import { dockerTlsCertificates, dockerdTlsArgs } from '../../support/tlsCertificates';

const NAME = 'nlh2';
const HOST_ADDR = '10.213.87.1';
const PEER_ADDR = '10.213.87.2';
const PORT = 2376;

/** the facts both shells must agree on */
function essentials(t: Topology): Record<string, string[]> {
  const host = t.host!;
  const sorted = (xs: string[]): string[] => [...xs].sort();
  return {
    interfaces: sorted(host.interfaces.map((i) => `${i.name} ${i.kind} master=${i.master} peer=${i.peer} ${[...i.addresses].sort().join(',')}`)),
    vethJoins: sorted(t.networks.flatMap((n) => n.endpoints.map((e) => `${n.name}/${e.containerName} ${e.hostVeth}`))),
    bridges: sorted(t.networks.map((n) => `${n.name} ${n.bridge}`)),
    rules: sorted(Object.values(host.firewall.ipv4?.tables ?? {}).flatMap((tb) => Object.values(tb.chains).flatMap((c) => c.rules.map((r) => `${tb.name} ${r.raw}`)))),
    publishes: sorted(t.publishes.map((p) => `${p.containerName} ${p.hostIp}:${p.hostPort} dnat=${p.dnatRule?.raw} proxy=${p.proxy?.pid}`)),
    listeners: sorted(host.listeners?.known ? host.listeners.value.map((l) => `${l.protocol} ${l.address}:${l.port}`) : ['unknown']),
  };
}

describe('host integration: the container host shell on a TLS dockerd of its own (a second host in a namespace)', function () {
  this.timeout(180_000);
  let node2: SecondEngine | undefined;
  let dir = '';
  const engineOptions = (): Pick<SessionOptions, 'dockerHost' | 'env'> => ({
    dockerHost: `tcp://${PEER_ADDR}:${PORT}`,
    env: { ...process.env, DOCKER_HOST: undefined, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
  });

  before(async () => {
    requireRealEngine();
    dir = mkdtempSync(join(tmpdir(), 'nl-tlsd-'));
    dockerTlsCertificates(dir, PEER_ADDR);
    node2 = await startSecondEngine(NAME, HOST_ADDR, PEER_ADDR, dockerdTlsArgs(dir, PEER_ADDR, PORT));
    node2.docker('network', 'create', '--subnet', '10.213.88.0/24', `${NAME}-net`);
    node2.docker('run', '-d', '--name', `${NAME}-web`, '--network', `${NAME}-net`, '-p', '8080:80', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/');
  });
  after(() => {
    node2?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('this machine\'s shell is the wrong host; the helper over TLS is the right one, and equals a shell inside that host', async () => {
    const local = createSession({ ...engineOptions(), hostShell: 'local' });
    const helper = createSession({ ...engineOptions(), hostShell: 'container', helper: { allowPull: false } });
    const inside = createSession({ ...engineOptions(), hostShell: 'local', localShell: { prefix: ['nsenter', `--net=/run/netns/${NAME}`] } });
    try {
      const wrong = await local.snapshot();
      assert.ok(wrong.gaps.find((g) => g.code === 'HOST_MISMATCH'), 'this machine\'s shell was joined to the other host');
      const viaHelper = await helper.snapshot();
      assert.equal(viaHelper.engine.endpoint.kind, 'tcp');
      assert.ok(viaHelper.engine.endpoint.tls?.verify);
      assert.equal(viaHelper.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined, JSON.stringify(viaHelper.gaps));
      const daemonPid = Number(readFileSync(`/run/${NAME}/docker.pid`, 'utf8').trim());
      assert.match(viaHelper.host!.target, new RegExp(`mount namespace of dockerd \\(pid ${daemonPid}\\)$`), 'the helper did not find the second dockerd');
      assert.ok(viaHelper.publishes.find((p) => p.hostPort === 8080)?.dnatRule, 'the publish is not joined to its rule');
      assert.deepEqual(essentials(viaHelper), essentials(await inside.snapshot()));
      for (let i = 0; node2!.docker('ps', '-aq', '--filter', 'label=netlens.helper=1') !== ''; i++) {
        assert.ok(i < 50, 'a helper container is left on the second engine');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await Promise.all([local.dispose(), helper.dispose(), inside.dispose()]);
    }
  });
});
