/** The login plan: the agent before key files, encrypted keys skipped with their reason, real keys from ssh-keygen. */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { planAuth } from '../../../src/core/ssh/auth';
import type { ResolvedSshTarget } from '../../../src/core/ssh/target';

describe('ssh: how netlens logs in', function () {
  this.timeout(30_000);
  let dir = '';
  let plain = '';
  let locked = '';
  const target = (identityFiles: string[], explicit = true): ResolvedSshTarget => ({
    alias: 'h', hostName: 'h', port: 22, username: 'u', hostKeyName: 'h', knownHostsName: 'h',
    identityFiles, identityFilesExplicit: explicit, userKnownHostsFiles: [], globalKnownHostsFiles: [],
  });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nlu-auth-'));
    plain = join(dir, 'plain');
    locked = join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plain]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'nlu-secret', '-f', locked]);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tries the agent first, then the key files in order, skipping an encrypted one with the reason', () => {
    const plan = planAuth(target([locked, plain]), { SSH_AUTH_SOCK: '/run/agent.sock' }, 't');
    assert.deepEqual(plan.methods.map((m) => (m.type === 'agent' ? `agent ${m.agent}` : `key ${m.path}`)), ['agent /run/agent.sock', `key ${plain}`]);
    assert.equal(plan.skipped.length, 1);
    assert.equal(plan.skipped[0]!.path, locked);
    assert.match(plan.skipped[0]!.reason, /encrypted.*ssh-add/);
  });

  it("the config's IdentityAgent decides which agent, or none", () => {
    const agentOf = (identityAgent: string | undefined, env: Record<string, string>): string[] =>
      planAuth({ ...target([plain]), ...(identityAgent !== undefined ? { identityAgent } : {}) }, env, 't').methods.flatMap((m) => (m.type === 'agent' ? [m.agent] : []));
    assert.deepEqual(agentOf('/run/other.sock', { SSH_AUTH_SOCK: '/run/agent.sock' }), ['/run/other.sock']);
    assert.deepEqual(agentOf('none', { SSH_AUTH_SOCK: '/run/agent.sock' }), []);
    assert.deepEqual(agentOf('SSH_AUTH_SOCK', { SSH_AUTH_SOCK: '/run/agent.sock' }), ['/run/agent.sock']);
    assert.deepEqual(agentOf('$MY_AGENT', { MY_AGENT: '/run/mine.sock' }), ['/run/mine.sock']);
    assert.deepEqual(agentOf(undefined, {}), []);
  });

  it('an encrypted key with an agent running is no error: the agent may hold it', () => {
    const plan = planAuth(target([locked]), { SSH_AUTH_SOCK: '/run/agent.sock' }, 't');
    assert.deepEqual(plan.methods.map((m) => m.type), ['agent']);
  });

  it('nothing left to log in with: SSH_AUTH naming every key and why', () => {
    const notAKey = join(dir, 'not-a-key');
    writeFileSync(notAKey, 'hello\n');
    assert.throws(
      () => planAuth(target([locked, notAKey, join(dir, 'missing')]), {}, 'tried-here'),
      (e: unknown) =>
        e instanceof NetlensError &&
        e.code === 'SSH_AUTH' &&
        e.tried === 'tried-here' &&
        e.message.includes(`${locked} is encrypted`) &&
        e.message.includes(`${notAKey} is not a private key`) &&
        e.message.includes(`${join(dir, 'missing')} cannot be read`),
    );
  });

  it("ssh's default key names are tried only where they exist", () => {
    const plan = planAuth(target([join(dir, 'id_rsa'), plain], false), {}, 't');
    assert.deepEqual(plan.methods.map((m) => (m.type === 'publickey' ? m.path : m.type)), [plain]);
    assert.deepEqual(plan.skipped, []);
  });
});
