import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHostFacts } from '../../../src/core/host/collect';
import { createLocalShell } from '../../../src/core/host/shell';
import { createSshShell } from '../../../src/core/host/sshShell';
import type { HostShell } from '../../../src/core/host/shell';
import type { HostFacts } from '../../../src/core/host/types';
import { NetlensError } from '../../../src/core/errors';
import type { NetlensErrorCode } from '../../../src/core/errors';
import { startSshd } from '../../support/sshd';
import type { RunningSshd } from '../../support/sshd';
import { freePort } from '../../support/lab';
import { processesWith, uniqueSeconds, waitUntilGone, waitUntilRunning } from '../../support/faults';
import { ShellTimeoutError } from '../../../src/core/host/shell';
import { spawn } from 'node:child_process';
import { buildHostTestLab, removeHostTestLab } from './hostLab';
import { ranWith } from '../../support/shellResult';

/** Runs f and returns its NetlensError and how long it took to fail. */
async function failure(f: () => Promise<unknown>): Promise<{ error: NetlensError; ms: number }> {
  const started = Date.now();
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof NetlensError, `expected a NetlensError, got ${String(e)}`);
    return { error: e, ms: Date.now() - started };
  }
  assert.fail('expected a failure');
}

function assertCode(e: NetlensError, code: NetlensErrorCode): void {
  assert.equal(e.code, code, `${e.code}: ${e.message}`);
}

describe('host integration: the SSH host shell against a real sshd on 127.0.0.1', function () {
  this.timeout(120_000);
  let sshd: RunningSshd;
  let dir: string;
  const shells: HostShell[] = [];
  const ssh = (overrides: { knownHostsPath?: string; privateKeyPath?: string; port?: number; timeoutMs?: number } = {}): HostShell => {
    const s = createSshShell(
      {
        host: '127.0.0.1',
        port: overrides.port ?? sshd.port,
        username: sshd.username,
        privateKeyPath: overrides.privateKeyPath ?? sshd.privateKeyPath,
        knownHostsPath: overrides.knownHostsPath ?? sshd.knownHostsPath,
      },
      overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {},
    );
    shells.push(s);
    return s;
  };
  const accepted = (): number => (readFileSync(sshd.logPath, 'utf8').match(/Accepted publickey/g) ?? []).length;

  before(async () => {
    await buildHostTestLab();
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'nlh-ssh-'));
  });
  after(async () => {
    for (const s of shells) await s.dispose();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    removeHostTestLab();
  });

  it('sees the same interfaces and routes as the local shell, in one round trip', async () => {
    const shell = ssh();
    const ifKey = (i: { index: number; name: string; kind: string; addresses: readonly { address: string; prefixLen: number }[] }) =>
      `${i.index} ${i.name} ${i.kind} ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(',')}`;
    const routeKey = (r: { family: string; table: string; dst: string; gateway: string | null; dev: string | null }) => `${r.family} ${r.table} ${r.dst} ${r.gateway} ${r.dev}`;
    const view = (f: HostFacts) => ({
      interfaces: f.interfaces.known ? f.interfaces.value.map(ifKey) : f.interfaces.reason,
      routes: f.routes.known ? f.routes.value.map(routeKey).sort() : f.routes.reason,
    });
    // Other suites change this host's interfaces concurrently (and link-local addresses appear a
    // moment after a link comes up): compare the SSH view with a local view that was the same
    // just before and just after it.
    let remote: HostFacts | undefined;
    let stable = false;
    for (let attempt = 0; attempt < 5 && !stable; attempt++) {
      const before = view(await collectHostFacts(createLocalShell()));
      remote = await collectHostFacts(shell);
      const after = view(await collectHostFacts(createLocalShell()));
      stable = JSON.stringify(before) === JSON.stringify(after);
      if (stable) assert.deepEqual(view(remote), after);
      else await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(stable && remote, 'the host never held still for one SSH snapshot');
    assert.equal(remote.target, `ssh ${sshd.username}@127.0.0.1:${sshd.port}`);
    assert.equal(remote.transport, 'ssh');
    assert.equal(remote.roundTrips, 1);
    assert.ok(remote.interfaces.known && remote.interfaces.value.some((i) => i.name === 'nlh-itbr0'));
    assert.ok(remote.containerNetns.known && Object.keys(remote.containerNetns.value).length > 0);
  });

  it('reuses one connection for every run, and reconnects after it dropped', async () => {
    const shell = ssh();
    const before = accepted();
    for (let i = 0; i < 3; i++) assert.equal((await shell.run('echo ok')).stdout, 'ok\n');
    assert.equal(accepted() - before, 1, 'three runs, one SSH connection');
    // Drop the connection from the server side: kill the per-connection sshd processes we started.
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(sshd.pid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean);
    assert.ok(children.length > 0, 'an open SSH connection has a per-connection sshd');
    for (const pid of children) process.kill(Number(pid), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await shell.run('echo again')).stdout, 'again\n');
    assert.equal(accepted() - before, 2, 'one more connection after the drop');
  });

  it('refuses a host key that differs from known_hosts with SSH_HOST_KEY_MISMATCH, fast', async () => {
    const wrongKey = join(dir, 'wrong');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const [type, key] = readFileSync(`${wrongKey}.pub`, 'utf8').split(/\s+/);
    const knownHostsPath = join(dir, 'known_hosts.wrong');
    writeFileSync(knownHostsPath, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const { error, ms } = await failure(() => ssh({ knownHostsPath }).run('echo never'));
    assertCode(error, 'SSH_HOST_KEY_MISMATCH');
    assert.equal(error.tried, `ssh ${sshd.username}@127.0.0.1:${sshd.port}`);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it('refuses an unknown host key with SSH_HOST_KEY_UNKNOWN naming host:port, the SHA256 fingerprint and how to add it', async () => {
    const knownHostsPath = join(dir, 'known_hosts.empty');
    writeFileSync(knownHostsPath, '');
    const { error, ms } = await failure(() => ssh({ knownHostsPath }).run('echo never'));
    assertCode(error, 'SSH_HOST_KEY_UNKNOWN');
    const hostPub = join(dir, 'host.pub');
    writeFileSync(hostPub, `${sshd.hostPublicKey}\n`);
    const fingerprint = execFileSync('ssh-keygen', ['-lf', hostPub], { encoding: 'utf8' }).split(/\s+/)[1] ?? '';
    assert.match(fingerprint, /^SHA256:/);
    assert.ok(error.message.includes(`[127.0.0.1]:${sshd.port}`), error.message);
    assert.ok(error.message.includes(fingerprint), `${error.message} should name ${fingerprint}`);
    assert.ok(error.message.includes(sshd.hostPublicKey.split(/\s+/)[1] ?? '?'), 'says which line to add');
    assert.ok(ms < 5000, `took ${ms} ms`);
    // through collectHostFacts the snapshot still comes back, every host fact unknown, code kept
    const facts = await collectHostFacts(ssh({ knownHostsPath }));
    assert.equal(facts.shellError?.code, 'SSH_HOST_KEY_UNKNOWN');
    assert.ok(!facts.interfaces.known && facts.interfaces.reason.includes(fingerprint));
  });

  it('a key the server does not accept gives SSH_AUTH; a closed port gives SSH_CONNECT', async () => {
    const stranger = join(dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    assertCode((await failure(() => ssh({ privateKeyPath: stranger }).run('true'))).error, 'SSH_AUTH');
    const closed = await freePort();
    assertCode((await failure(() => ssh({ port: closed }).run('true'))).error, 'SSH_CONNECT');
  });

  // "Remote" is 127.0.0.1 here: the host's process table shows what runs on the remote end.
  const perConnectionSshd = (): number[] =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(sshd.pid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean).map(Number);

  it('a finished run leaves nothing on the host: no guard, no timer, no stray job', async () => {
    const n = uniqueSeconds();
    // a limit of its own, so this run's remote guard (`… nl-run MARKER <limit + 5>`) and timer can be told apart
    const deadline = Number(uniqueSeconds());
    const shell = ssh({ timeoutMs: (deadline - 5) * 1000 });
    const r = await shell.run(`echo out; echo err >&2; (sleep ${n} &); exit 5`);
    assert.deepEqual(r, ranWith('out\n', 'err\n', 5));
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
    assert.deepEqual(await waitUntilGone(` ${deadline}`, 3000), [], 'the remote guard and its timer are gone');
  });

  it('an SSH connection dropped mid-batch: SSH_CONNECT at once, the remote batch killed, the next run reconnects', async () => {
    const n = uniqueSeconds();
    const shell = ssh({ timeoutMs: 60_000 });
    assert.equal((await shell.run('echo up')).stdout, 'up\n');
    const run = shell.run(`echo started; sleep ${n} & sh -c 'sleep ${n}'`);
    await waitUntilRunning(`sleep ${n}`, 5000);
    const before = accepted();
    for (const pid of perConnectionSshd()) process.kill(pid, 'SIGTERM');
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof NetlensError, String(e));
      assertCode(e, 'SSH_CONNECT');
      assert.match(e.message, /lost while the host shell ran/);
      return true;
    });
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 5000), [], 'nothing of the batch is left on the host');
    assert.equal((await shell.run('echo again')).stdout, 'again\n');
    assert.equal(accepted() - before, 1, 'a new connection');
  });

  it('a stalled remote command: SHELL_TIMEOUT with the output so far, the remote group killed, the next run works', async () => {
    const n = uniqueSeconds();
    const shell = ssh({ timeoutMs: 1500 });
    const err = await shell.run(`echo before; sleep ${n} & sleep ${n}`).then(
      () => assert.fail('expected a timeout'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ShellTimeoutError, String(err));
    assert.equal(err.code, 'SHELL_TIMEOUT');
    assert.match(err.message, /within 1\.5 s/);
    assert.equal(err.stdout, 'before\n');
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 5000), [], 'the remote process group was killed');
    assert.equal((await shell.run('echo next')).stdout, 'next\n');
  });

  it('a cancelled run kills the remote group and keeps the connection', async () => {
    const n = uniqueSeconds();
    const shell = ssh({ timeoutMs: 60_000 });
    assert.equal((await shell.run('true')).code, 0);
    const before = accepted();
    const ac = new AbortController();
    const run = shell.run(`sleep ${n} & sleep ${n}`, ac.signal);
    await waitUntilRunning(`sleep ${n}`, 5000);
    ac.abort();
    await assert.rejects(run, (e: unknown) => e instanceof NetlensError && /aborted/.test(e.message));
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 5000), []);
    assert.equal((await shell.run('echo still')).stdout, 'still\n');
    assert.equal(accepted(), before, 'the same connection');
  });

  it('a client that goes silent (stopped, its connection still open) does not leave the batch running: the remote guard ends it', async () => {
    const n = uniqueSeconds();
    const compiled = join(__dirname, '..', '..', '..', 'src', 'core', 'host', 'sshShell.js');
    const target = { host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath };
    // limit 1 s: the remote guard's own deadline is 1 s + 5 s of grace
    // (the command is put together in the child, so that only the remote `sleep` carries the marker)
    const script = `require(${JSON.stringify(compiled)}).createSshShell(${JSON.stringify(target)}, { timeoutMs: 1000 }).run('sleep ' + ${n}).catch(() => {});`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      await waitUntilRunning(`sleep ${n}`, 10_000);
      // SIGSTOP: the client neither cancels nor closes; TCP stays up, sshd sees nothing wrong
      child.kill('SIGSTOP');
      assert.ok(processesWith(`sleep ${n}`).length > 0, 'still running while the client is stopped');
      assert.deepEqual(await waitUntilGone(`sleep ${n}`, 15_000), [], 'the remote guard killed its group at its own deadline');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
