/**
 * One SSH for the engine, the host shell and capture, against real parts: sshd on 127.0.0.1 with
 * a CA-signed host key (ssh-keygen -s … -h), a real ssh-agent holding an encrypted
 * ~/.ssh/id_ed25519 (ssh-keygen -N …, ssh-add), and an ~/.ssh/config naming the hosts by alias —
 * all in a HOME of the suite's own. Where OpenSSH runs (capture), it must decide as netlens does.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { engineGet } from '../../../src/core/docker/engineRequest';
import { NetlensError } from '../../../src/core/errors';
import { createSshShell } from '../../../src/core/host/sshShell';
import type { HostShell } from '../../../src/core/host/shell';
import { opensshArgv } from '../../../src/core/ssh/openssh';
import { resolveSshTarget } from '../../../src/core/ssh/target';
import { requireRealEngine } from '../../support/lab';
import { startSshd } from '../../support/sshd';
import type { RunningSshd } from '../../support/sshd';

const PASSPHRASE = 'nli-one-ssh-secret';

describe('one SSH: agent, ~/.ssh/config, @cert-authority, global known_hosts, ProxyJump', function () {
  this.timeout(120_000);
  let home = '';
  let sshd: RunningSshd | undefined;
  let misnamed: RunningSshd | undefined;
  let wildcard: RunningSshd | undefined;
  let anyHost: RunningSshd | undefined;
  let agent: ChildProcess | undefined;
  let agentSock = '';
  let userKeyFingerprint = '';
  const shells: HostShell[] = [];
  const withAgent = (): Record<string, string | undefined> => ({ HOME: home, PATH: process.env.PATH, SSH_AUTH_SOCK: agentSock });
  const withoutAgent = (): Record<string, string | undefined> => ({ HOME: home, PATH: process.env.PATH });
  const shell = (host: string, env: Record<string, string | undefined>): HostShell => {
    const s = createSshShell({ host }, { timeoutMs: 20_000 }, { env });
    shells.push(s);
    return s;
  };
  const accepted = (server: RunningSshd): string[] => readFileSync(server.logPath, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey'));
  /** OpenSSH with the argv capture would use, running `echo agreed` instead of tcpdump */
  const openssh = (alias: string, env: Record<string, string | undefined>): { ok: boolean; out: string } => {
    const argv = opensshArgv(resolveSshTarget({ host: alias }, { env }), ['echo', 'agreed']);
    const r = spawnSync(argv[0] as string, argv.slice(1), { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: r.status === 0 && r.stdout.trim() === 'agreed', out: `${r.stdout}${r.stderr}` };
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'nli-one-ssh-'));
    const dotSsh = join(home, '.ssh');
    mkdirSync(dotSsh, { mode: 0o700 });
    const ca = join(home, 'host_ca');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nli-host-ca', '-f', ca]);
    const userKey = join(dotSsh, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'nli-encrypted', '-f', userKey]);
    const userPub = readFileSync(`${userKey}.pub`, 'utf8').trim();
    userKeyFingerprint = execFileSync('ssh-keygen', ['-lf', `${userKey}.pub`], { encoding: 'utf8' }).split(/\s+/)[1] as string;

    sshd = await startSshd({ authorizedKeys: [userPub], hostCertificate: { caKeyPath: ca, principals: ['127.0.0.1'] } });
    misnamed = await startSshd({ authorizedKeys: [userPub], hostCertificate: { caKeyPath: ca, principals: ['elsewhere.example'] } });
    wildcard = await startSshd({ authorizedKeys: [userPub], hostCertificate: { caKeyPath: ca, principals: ['127.0.0.*'] } });
    anyHost = await startSshd({ authorizedKeys: [userPub], hostCertificate: { caKeyPath: ca, principals: [] } });
    const hostKeyOf = (s: RunningSshd): string => s.hostPublicKey.split(/\s+/).slice(0, 2).join(' ');
    const caPub = readFileSync(`${ca}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    // The user file trusts the CA for both servers, and names one plain key only under an alias.
    writeFileSync(
      join(dotSsh, 'known_hosts'),
      [`@cert-authority ${[sshd, misnamed, wildcard, anyHost].map((x) => `[127.0.0.1]:${x.port}`).join(',')} ${caPub}`, `nli-via-hop-key ${hostKeyOf(sshd)}`, ''].join('\n'),
    );
    const globalFile = join(home, 'global_known_hosts');
    writeFileSync(globalFile, `[127.0.0.1]:${sshd.port} ${hostKeyOf(sshd)}\n`);
    writeFileSync(join(home, 'empty_known_hosts'), '');
    const block = (alias: string, port: number, extra: string[] = []): string =>
      [`Host ${alias}`, '    HostName 127.0.0.1', `    Port ${port}`, `    User ${sshd!.username}`, ...extra.map((l) => `    ${l}`), ''].join('\n');
    writeFileSync(
      join(dotSsh, 'config'),
      [
        block('nli-target', sshd.port),
        block('nli-misnamed', misnamed.port),
        block('nli-wildcard', wildcard.port),
        block('nli-any-host', anyHost.port),
        block('nli-hop', sshd.port),
        block('nli-via-hop', sshd.port, ['ProxyJump nli-hop', 'HostKeyAlias nli-via-hop-key']),
        block('nli-agent-by-config', sshd.port, [`IdentityAgent ${join(home, 'agent.sock')}`]),
        block('nli-global', sshd.port, [`UserKnownHostsFile ${join(home, 'empty_known_hosts')}`, `GlobalKnownHostsFile ${globalFile}`]),
      ].join('\n'),
    );

    agentSock = join(home, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    for (const deadline = Date.now() + 10_000; !existsSync(agentSock); ) {
      if (Date.now() > deadline) throw new Error('ssh-agent did not create its socket within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const askpass = join(home, 'askpass');
    writeFileSync(askpass, `#!/bin/sh\necho '${PASSPHRASE}'\n`);
    chmodSync(askpass, 0o700);
    execFileSync('ssh-add', [userKey], {
      env: { PATH: process.env.PATH, SSH_AUTH_SOCK: agentSock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: 'none' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
    });
  });

  after(async () => {
    for (const s of shells) await s.dispose();
    agent?.kill('SIGTERM');
    await sshd?.stop();
    await misnamed?.stop();
    await wildcard?.stop();
    await anyHost?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the host shell reaches a config alias and logs in through the agent, though ~/.ssh/id_ed25519 is encrypted', async () => {
    const before = accepted(sshd!).length;
    const s = shell('nli-target', withAgent());
    assert.match(s.target, /127\.0\.0\.1:\d+ \(nli-target\)/);
    const r = await s.run('echo one-ssh');
    assert.equal(r.stdout.trim(), 'one-ssh');
    const logins = accepted(sshd!).slice(before);
    assert.equal(logins.length, 1);
    assert.ok(logins[0]!.includes(userKeyFingerprint), `logged in with the agent's copy of the encrypted key: ${logins[0]}`);
  });

  it('the host key was trusted through the @cert-authority alone, and OpenSSH (capture) agrees', async () => {
    // known_hosts holds no plain key for [127.0.0.1]:port: the shell above could only trust the certificate
    const text = readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8');
    assert.ok(!text.includes(`[127.0.0.1]:${sshd!.port} ssh-`), 'no plain key line for the host');
    const o = openssh('nli-target', withAgent());
    assert.ok(o.ok, o.out);
  });

  it('the engine over ssh://alias logs in the same way (a running agent, an encrypted key file)', async () => {
    requireRealEngine();
    const endpoint = resolveEngineEndpoint({ dockerHost: 'ssh://nli-target', env: {} });
    const docker = createDockerClient(endpoint, { env: withAgent() });
    assert.equal(String(await engineGet(docker, '/_ping')), 'OK');
  });

  it("the config's IdentityAgent names the agent when SSH_AUTH_SOCK is not set, for netlens and OpenSSH", async () => {
    const r = await shell('nli-agent-by-config', withoutAgent()).run('echo by-config');
    assert.equal(r.stdout.trim(), 'by-config');
    const o = openssh('nli-agent-by-config', withoutAgent());
    assert.ok(o.ok, o.out);
  });

  it('without the agent: SSH_AUTH that says the key is encrypted, for the shell and the engine alike', async () => {
    await assert.rejects(shell('nli-target', withoutAgent()).run('true'), (e: unknown) => e instanceof NetlensError && e.code === 'SSH_AUTH' && /id_ed25519 is encrypted/.test(e.message));
    const endpoint = resolveEngineEndpoint({ dockerHost: 'ssh://nli-target', env: {} });
    assert.throws(() => createDockerClient(endpoint, { env: withoutAgent() }), (e: unknown) => e instanceof NetlensError && e.code === 'SSH_AUTH' && /id_ed25519 is encrypted/.test(e.message));
  });

  it('a certificate for another name is refused with the reason, and OpenSSH refuses it too', async () => {
    await assert.rejects(
      shell('nli-misnamed', withAgent()).run('true'),
      (e: unknown) => e instanceof NetlensError && e.code === 'SSH_HOST_KEY_MISMATCH' && /is for elsewhere\.example, not 127\.0\.0\.1/.test(e.message),
    );
    const o = openssh('nli-misnamed', withAgent());
    assert.equal(o.ok, false, o.out);
    assert.match(o.out, /Host key verification failed|Certificate invalid/);
  });

  it('principals as OpenSSH reads them: a `*` is no wildcard, and none at all means any host', async () => {
    await assert.rejects(
      shell('nli-wildcard', withAgent()).run('true'),
      (e: unknown) => e instanceof NetlensError && e.code === 'SSH_HOST_KEY_MISMATCH' && /is for 127\.0\.0\.\*, not 127\.0\.0\.1/.test(e.message),
    );
    assert.equal(openssh('nli-wildcard', withAgent()).ok, false);
    assert.equal((await shell('nli-any-host', withAgent()).run('echo any')).stdout.trim(), 'any');
    const o = openssh('nli-any-host', withAgent());
    assert.ok(o.ok, o.out);
  });

  it('a key found only in the global known_hosts file is trusted, by netlens and by OpenSSH', async () => {
    const r = await shell('nli-global', withAgent()).run('echo global');
    assert.equal(r.stdout.trim(), 'global');
    const o = openssh('nli-global', withAgent());
    assert.ok(o.ok, o.out);
  });

  it('ProxyJump: through the jump host, each hop checked and logged in to the same way', async () => {
    const before = accepted(sshd!).length;
    const r = await shell('nli-via-hop', withAgent()).run('echo via-hop');
    assert.equal(r.stdout.trim(), 'via-hop');
    assert.equal(accepted(sshd!).length - before, 2, 'one login on the jump host, one on the target through it');
  });
});
