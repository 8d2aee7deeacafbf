/**
 * The same engine read with the host shell local and over SSH (a real sshd on 127.0.0.1) must
 * give the same joined model; a host key that does not match known_hosts is refused, and the
 * session says so instead of hanging.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createSession } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { IMAGE, docker, freePort, removeLab, requireRealEngine } from '../../support/lab';
import { startSshd, type RunningSshd } from '../../support/sshd';

const P = 'nls-';

/** What both transports must agree on; ids and names, not timings. */
function essence(t: Topology) {
  const ours = (name: string) => name.startsWith(P);
  return {
    endpoints: t.networks
      .flatMap((n) => n.endpoints)
      .filter((e) => ours(e.containerName))
      .map((e) => `${e.containerName} ${e.ipv4} ${e.mac} ${e.containerInterface} ${e.hostVeth}`)
      .sort(),
    publishes: t.publishes.filter((p) => ours(p.containerName)).map((p) => `${p.hostIp}:${p.hostPort} ${p.dnatRule?.raw} ${p.proxy?.pid}`).sort(),
    bridges: t.host!.interfaces.filter((i) => i.kind === 'bridge').map((i) => `${i.name} ${i.addresses.join(',')}`).sort(),
    pids: t.containers.filter((c) => ours(c.name)).map((c) => `${c.name} ${c.pid}`).sort(),
  };
}

describe('host shell over SSH gives the same model as the local shell', function () {
  this.timeout(120_000);
  let sshd: RunningSshd;

  before(async () => {
    requireRealEngine();
    removeLab(P);
    sshd = await startSshd();
    docker('run', '-d', '--name', `${P}web`, '-p', `${await freePort()}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
    docker('network', 'create', `${P}net`);
    docker('run', '-d', '--name', `${P}peer`, '--network', `${P}net`, IMAGE, 'sleep', '3600');
  });
  after(async () => {
    removeLab(P);
    await sshd?.stop();
  });

  it('joins the same endpoints, veths, publishes and PIDs', async () => {
    const local = createSession({ hostShell: 'local' });
    const remote = createSession({
      hostShell: 'ssh',
      ssh: { host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath },
    });
    try {
      const [a, b] = [await local.snapshot(), await remote.snapshot()];
      assert.equal(b.host?.target.startsWith('ssh '), true, b.host?.target);
      assert.equal(b.stats.shellRoundTrips, 1);
      const ea = essence(a);
      assert.ok(ea.endpoints.length >= 2 && ea.publishes.length >= 1);
      assert.deepEqual(essence(b), ea);
    } finally {
      await local.dispose();
      await remote.dispose();
    }
  });

  it('refuses a host key that does not match known_hosts, fast', async () => {
    const dir = mkdtempSync(join(tmpdir(), P));
    const wrong = join(dir, 'known_hosts');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    const otherKey = execFileSync('cat', [join(dir, 'other.pub')], { encoding: 'utf8' }).split(' ').slice(0, 2).join(' ');
    writeFileSync(wrong, `[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    const session = createSession({
      hostShell: 'ssh',
      ssh: { host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, knownHostsPath: wrong },
    });
    const started = Date.now();
    try {
      // The engine is still read; the host side is one gap carrying the refusal and its code.
      const t = await session.snapshot();
      const gap = t.gaps.find((g) => g.subject === 'host');
      assert.ok(gap, JSON.stringify(t.gaps));
      assert.equal(gap.code, 'SSH_HOST_KEY_MISMATCH');
      assert.ok(gap.reason.includes(String(sshd.port)), gap.reason);
      assert.ok(t.networks.some((n) => n.name === `${P}net`), 'engine facts still stand');
      assert.ok(t.networks.flatMap((n) => n.endpoints).every((e) => e.hostVeth === null), 'no veth is claimed without the host');
      assert.ok(Date.now() - started < 30_000, 'refused without waiting on a prompt');
    } finally {
      await session.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
