/**
 * ~/.ssh/config as netlens reads it, checked against OpenSSH's own reading of the same file:
 * `ssh -G` prints what ssh would use for a host without contacting it. The expectations are ssh's,
 * not copied literals.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { opensshArgv } from '../../../src/core/ssh/openssh';
import { resolveSshTarget } from '../../../src/core/ssh/target';
import type { ResolvedSshTarget } from '../../../src/core/ssh/target';

const CONFIG = join(__dirname, '../../../../test/fixtures/ssh/config');
// ssh takes ~ from the password database, netlens from HOME: give netlens the same
const env = { HOME: userInfo().homedir, USER: userInfo().username };

/** `ssh -G` for a host: keyword → values (identityfile repeats, the known_hosts keywords list). */
function sshG(args: readonly string[]): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i < 0) continue;
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}

/** ssh -G prints IdentityFile unexpanded; these are the tokens the fixture uses. */
function expandIdentity(p: string, t: { user: string; hostName: string }): string {
  return p.replace(/^~/, env.HOME).replace(/%d/g, env.HOME).replace(/%r/g, t.user).replace(/%h/g, t.hostName);
}

/** ssh's defaults netlens does not try: ssh2 has no XMSS, and DSA keys are long gone. */
const notTried = (p: string): boolean => !/\/id_(xmss|dsa)$/.test(p);

function assertAgrees(ours: ResolvedSshTarget, ssh: Map<string, string[]>, label: string): void {
  const one = (k: string): string => (ssh.get(k) ?? [''])[0] as string;
  assert.equal(ours.hostName, one('hostname'), `${label} hostname`);
  assert.equal(String(ours.port), one('port'), `${label} port`);
  assert.equal(ours.username, one('user'), `${label} user`);
  assert.deepEqual(ours.userKnownHostsFiles, one('userknownhostsfile').split(' '), `${label} UserKnownHostsFile`);
  assert.deepEqual(ours.globalKnownHostsFiles, one('globalknownhostsfile').split(' '), `${label} GlobalKnownHostsFile`);
  assert.equal(ours.proxyJump, ssh.get('proxyjump')?.[0], `${label} ProxyJump`);
  assert.equal(ours.identityAgent, ssh.get('identityagent')?.[0], `${label} IdentityAgent`);
  assert.equal(ours.hostKeyName, (ssh.get('hostkeyalias')?.[0] ?? one('hostname')).toLowerCase(), `${label} HostKeyAlias`);
  const theirs = (ssh.get('identityfile') ?? []).map((p) => expandIdentity(p, { user: one('user'), hostName: one('hostname') })).filter(notTried);
  assert.deepEqual(ours.identityFiles, theirs, `${label} IdentityFile`);
}

describe('ssh: target resolution from ~/.ssh/config', () => {
  for (const host of ['build', 'x.lab.example', 'skip.lab.example', 'bastion.example', 'ca-host', 'plain.example']) {
    it(`reads ${host} as ssh -G does`, () => {
      assertAgrees(resolveSshTarget({ host }, { env, configFile: CONFIG }), sshG(['-F', CONFIG, host]), host);
    });
  }

  it('what the user gave explicitly wins over the file, as ssh -p/-l/-i do', () => {
    const ours = resolveSshTarget({ host: 'build', port: 2999, username: 'me', privateKeyPath: '/keys/given' }, { env, configFile: CONFIG });
    const ssh = sshG(['-F', CONFIG, '-p', '2999', '-l', 'me', 'build']);
    assert.equal(String(ours.port), ssh.get('port')?.[0]);
    assert.equal(ours.username, ssh.get('user')?.[0]);
    assert.equal(ours.hostName, '10.20.30.40');
    // a given key is tried first, then the file's IdentityFile (with %r now the given user)
    assert.deepEqual(ours.identityFiles, ['/keys/given', `${env.HOME}/.ssh/build_ed25519`, `${env.HOME}/.ssh/id_me_10.20.30.40`]);
  });

  it('looks known_hosts up under [host]:port, or under HostKeyAlias as it is', () => {
    assert.equal(resolveSshTarget({ host: 'build' }, { env, configFile: CONFIG }).knownHostsName, '[10.20.30.40]:2202');
    assert.equal(resolveSshTarget({ host: 'ca-host' }, { env, configFile: CONFIG }).knownHostsName, 'ca-host.example');
    assert.equal(resolveSshTarget({ host: 'plain.example' }, { env, configFile: CONFIG }).knownHostsName, 'plain.example');
  });

  it('never runs a Match exec command nor nslookup, and a missing config file is no config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlu-sshcfg-'));
    try {
      const witness = join(dir, 'ran');
      const cfg = join(dir, 'config');
      writeFileSync(cfg, `Match exec "touch ${witness}"\n    User from-exec\n`);
      const t = resolveSshTarget({ host: 'h' }, { env, configFile: cfg });
      assert.equal(existsSync(witness), false, 'the command did not run');
      assert.equal(t.username, env.USER, 'and its block did not apply');
      assert.equal(resolveSshTarget({ host: 'h' }, { env, configFile: join(dir, 'none') }).configFile, undefined);
      // CanonicalizeHostName would make ssh-config run nslookup (unbounded, and a DNS query): left out
      const fakeBin = join(dir, 'bin');
      mkdirSync(fakeBin);
      writeFileSync(join(fakeBin, 'nslookup'), `#!/bin/sh\ntouch ${witness}-nslookup\n`, { mode: 0o755 });
      writeFileSync(cfg, 'Host h\n    CanonicalizeHostName yes\n    CanonicalDomains example.org example.net\n');
      const savedPath = process.env.PATH;
      process.env.PATH = `${fakeBin}:${savedPath ?? ''}`;
      try {
        assert.equal(resolveSshTarget({ host: 'h' }, { env, configFile: cfg }).hostName, 'h');
      } finally {
        process.env.PATH = savedPath;
      }
      assert.equal(existsSync(`${witness}-nslookup`), false, 'nslookup did not run');
      writeFileSync(cfg, 'Host h\n    IdentityFile ~/.ssh/%C\n');
      assert.throws(() => resolveSshTarget({ host: 'h' }, { env, configFile: cfg }), (e: unknown) => e instanceof NetlensError && e.code === 'SSH_CONFIG' && /%C/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows Include as ssh -G does: a glob under ~/.ssh at the top level, a file inside a Host block', () => {
    const home = mkdtempSync(join(tmpdir(), 'nlu-sshinc-'));
    try {
      mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
      const cfg = join(home, '.ssh', 'config');
      writeFileSync(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host from-b\n    HostName 10.0.0.2\n    Port 2002\n');
      writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host from-a from-b\n    HostName 10.0.0.1\n');
      writeFileSync(join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host from-a\n    Port 9999\n');
      writeFileSync(join(home, 'inner.conf'), 'HostName inner.example\nUser inner-user\n');
      writeFileSync(cfg, `Include conf.d/*.conf\nUser after-include\n\nHost outer\n    Include ${join(home, 'inner.conf')}\n    Port 2001\n`);
      const homeEnv = { HOME: home, USER: env.USER };
      for (const host of ['from-a', 'from-b', 'outer', 'other']) {
        const ours = resolveSshTarget({ host }, { env: homeEnv, configFile: cfg });
        const out = execFileSync('ssh', ['-G', '-F', cfg, host], { encoding: 'utf8', env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
        const one = (k: string): string => (out.split('\n').find((l) => l.startsWith(`${k} `)) ?? '').slice(k.length + 1);
        assert.deepEqual({ hostName: ours.hostName, port: String(ours.port), user: ours.username }, { hostName: one('hostname'), port: one('port'), user: one('user') }, host);
      }
      // Host blocks inside a file included inside a Host block: refused, not misread
      writeFileSync(join(home, 'inner.conf'), 'Host nested\n    Port 2003\n');
      assert.throws(() => resolveSshTarget({ host: 'outer' }, { env: homeEnv, configFile: cfg }), (e: unknown) => e instanceof NetlensError && e.code === 'SSH_CONFIG' && /Host or Match blocks of its own/.test(e.message));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('the OpenSSH argv for capture makes ssh resolve exactly what netlens resolved', () => {
    for (const host of ['build', 'ca-host', 'plain.example', 'bastion.example']) {
      const ours = resolveSshTarget({ host }, { env, configFile: CONFIG });
      const argv = opensshArgv(ours, []);
      assert.equal(argv[0], 'ssh');
      const ssh = sshG(argv.slice(1));
      const one = (k: string): string => (ssh.get(k) ?? [''])[0] as string;
      assert.equal(one('hostname'), ours.hostName, host);
      assert.equal(one('port'), String(ours.port), host);
      assert.equal(one('user'), ours.username, host);
      assert.deepEqual(one('userknownhostsfile').split(' '), ours.userKnownHostsFiles, host);
      assert.deepEqual(one('globalknownhostsfile').split(' '), ours.globalKnownHostsFiles, host);
      assert.equal(one('stricthostkeychecking'), 'true', host);
      assert.equal(one('batchmode'), 'yes', host);
      assert.equal(ssh.get('identityagent')?.[0], ours.identityAgent, host);
      if (host === 'ca-host') assert.equal(one('hostkeyalias'), 'ca-host.example');
    }
    // through a jump host the capture terminal is refused, clearly
    assert.throws(() => opensshArgv(resolveSshTarget({ host: 'x.lab.example' }, { env, configFile: CONFIG }), []), /ProxyJump bastion\.example:2222/);
  });
});
