/**
 * The engine over ssh:// through a real sshd on 127.0.0.1 (`docker system dial-stdio` on the far
 * side): the same containers as over the socket, one SSH login whose channels are reused, events;
 * a wrong, unknown or missing trust is refused with
 * the right code, quickly.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import type { EngineSshOptions } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { engineGet } from '../../../src/core/docker/engineRequest';
import { watchEngineEvents } from '../../../src/core/docker/events';
import type { EngineEvent } from '../../../src/core/docker/types';
import { NetlensError } from '../../../src/core/errors';
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';
import { startSshd } from '../../support/sshd';
import type { RunningSshd } from '../../support/sshd';

const P = 'nld-ssh-';

describe('docker over ssh:// through a real sshd', function () {
  this.timeout(90_000);
  let sshd: RunningSshd;
  let dir: string;
  let url: string;

  before(async () => {
    requireRealEngine();
    removeLab(P);
    docker('run', '-d', '--name', `${P}box`, IMAGE, 'sleep', '3600');
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'nld-ssh-'));
    url = `ssh://${sshd.username}@127.0.0.1:${sshd.port}`;
  });
  after(async () => {
    removeLab(P);
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function factsError(ssh: EngineSshOptions): Promise<NetlensError> {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    const t0 = Date.now();
    try {
      await collectEngineFacts(createDockerClient(endpoint, ssh), endpoint);
    } catch (e) {
      assert.ok(e instanceof NetlensError, String(e));
      assert.ok(Date.now() - t0 < 15_000, 'refused, not hung');
      return e;
    }
    return assert.fail('expected the ssh connection to be refused');
  }

  it('lists the same container ids as the local socket', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    assert.equal(endpoint.kind, 'ssh');
    const overSsh = await collectEngineFacts(createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath }), endpoint);
    const local = resolveEngineEndpoint({ env: { HOME: '/nonexistent-nld-home' } });
    const overSocket = await collectEngineFacts(createDockerClient(local), local);
    const ids = (f: typeof overSsh) => f.containers.map((c) => c.id).sort();
    // Other suites create containers meanwhile: compare the ids of this suite's own, and the rest
    // as sets taken close together.
    assert.ok(overSsh.containers.some((c) => c.name === `${P}box`));
    assert.deepEqual(
      ids(overSsh).filter((i) => overSsh.containers.find((c) => c.id === i)?.name.startsWith(P)),
      ids(overSocket).filter((i) => overSocket.containers.find((c) => c.id === i)?.name.startsWith(P)),
    );
    const socketIds = new Set(ids(overSocket));
    const common = ids(overSsh).filter((i) => socketIds.has(i));
    assert.ok(common.length >= overSsh.containers.length - 5, 'the two views list the same engine');
    assert.equal(overSsh.info.version, overSocket.info.version);
    assert.equal(overSsh.info.endpoint.url, url);
  });

  it('uses one SSH connection, and a second snapshot reuses its channels (no new remote process)', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    const client = createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath });
    const count = (re: RegExp) => (readFileSync(sshd.logPath, 'utf8').match(re) ?? []).length;
    const logins0 = count(/Accepted publickey/g);
    await collectEngineFacts(client, endpoint);
    const sessions1 = count(/Starting session/g);
    const t0 = Date.now();
    await collectEngineFacts(client, endpoint);
    const second = Date.now() - t0;
    assert.equal(count(/Accepted publickey/g) - logins0, 1, 'one login for both snapshots');
    assert.equal(count(/Starting session/g), sessions1, 'no new exec channel for the second snapshot');
    assert.ok(second < 5000, `second snapshot took ${second} ms`);
  });

  it('serves 30 concurrent requests within sshd\'s MaxSessions (10 channels per connection)', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    const client = createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => engineGet(client, '/_ping')));
    const failed = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(failed, [], 'every request got a channel');
    assert.ok(results.every((r) => r.status === 'fulfilled' && Buffer.isBuffer(r.value) && r.value.toString() === 'OK'));
  });

  it('streams engine events over ssh:// and stops cleanly', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    const client = createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath });
    const events: EngineEvent[] = [];
    let connected = false;
    const stop = watchEngineEvents(client, (e) => events.push(e), (state) => {
      if (state === 'connected') connected = true;
    });
    try {
      for (let i = 0; i < 200 && !connected; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(connected, 'event stream connected over ssh');
      docker('network', 'create', `${P}net`);
      const deadline = Date.now() + 3000;
      while (!events.some((e) => e.type === 'network' && e.action === 'create' && e.name === `${P}net`) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(events.some((e) => e.type === 'network' && e.action === 'create' && e.name === `${P}net`), 'network create event arrived');
    } finally {
      stop();
    }
  });

  it('refuses a host key that differs from known_hosts: SSH_HOST_KEY_MISMATCH with the fingerprint', async () => {
    const other = join(dir, 'other_host');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const [type, key] = readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/);
    const wrong = join(dir, 'known_hosts_wrong');
    writeFileSync(wrong, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const e = await factsError({ knownHostsPath: wrong, privateKeyPath: sshd.privateKeyPath });
    assert.equal(e.code, 'SSH_HOST_KEY_MISMATCH');
    const realFingerprint = execFileSync('ssh-keygen', ['-lf', '-'], { input: sshd.hostPublicKey, encoding: 'utf8' }).split(/\s+/)[1];
    assert.ok(realFingerprint && e.message.includes(realFingerprint), `${e.message} names ${realFingerprint}`);
    assert.equal(e.tried, url);
  });

  it('refuses a host that is not in known_hosts: SSH_HOST_KEY_UNKNOWN', async () => {
    const empty = join(dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    const e = await factsError({ knownHostsPath: empty, privateKeyPath: sshd.privateKeyPath });
    assert.equal(e.code, 'SSH_HOST_KEY_UNKNOWN');
  });

  it('a client key the server does not accept → SSH_AUTH, not a hang', async () => {
    const stranger = join(dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const e = await factsError({ knownHostsPath: sshd.knownHostsPath, privateKeyPath: stranger });
    assert.equal(e.code, 'SSH_AUTH');
  });

  it('a passphrase-protected key without an agent → SSH_AUTH before connecting', () => {
    const locked = join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'nld-secret', '-f', locked]);
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    assert.throws(
      () => createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: locked }),
      (e: unknown) => e instanceof NetlensError && e.code === 'SSH_AUTH' && /locked/.test(e.message),
    );
  });

  it('an SSH link that goes silent (its sshd frozen): ENGINE_TIMEOUT within the limit, then a fresh connection', async () => {
    const endpoint = resolveEngineEndpoint({ dockerHost: url, env: {} });
    const client = createDockerClient(endpoint, { knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath }, { requestTimeoutMs: 2000 });
    const logins = () => (readFileSync(sshd.logPath, 'utf8').match(/Accepted publickey/g) ?? []).length;
    assert.equal(String(await engineGet(client, '/_ping')), 'OK');
    const before = logins();
    // every process serving the open connection (not the listener): SIGSTOP, so TCP stays up and nothing answers
    const descendants = (pid: number): number[] => {
      // (ps exits 1 when there is no child)
      const kids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
      return kids.flatMap((k) => [k, ...descendants(k)]);
    };
    const frozen = descendants(sshd.pid);
    assert.ok(frozen.length > 0, 'the connection has its sshd processes');
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      await assert.rejects(engineGet(client, '/_ping'), (e: unknown) => e instanceof NetlensError && e.code === 'ENGINE_TIMEOUT' && /within 2 s/.test(e.message));
      assert.equal(String(await engineGet(client, '/_ping')), 'OK', 'the next request is served');
      assert.equal(logins() - before, 1, 'over a new SSH connection');
    } finally {
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  });
});

