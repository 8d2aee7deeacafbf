/**
 * "Capture packets here" for real: the argv the terminal gets runs tcpdump on this host and over
 * the SSH host shell (a real sshd on 127.0.0.1), inside a pseudo-terminal as VS Code's terminal
 * gives it; and ssh refuses a host whose key is not in known_hosts. tcpdump listens on `lo` and is
 * stopped as soon as it says so: no traffic is sent.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from 'shell-quote';
import { NetlensError } from '../../../src/core/errors';
import { probeSshTarget } from '../../../src/core/ssh/connect';
import { captureCommand, type CaptureCommand } from '../../../src/extension/capture/captureCommand';
import { startSshd, type RunningSshd } from '../../support/sshd';
import { requireRealEngine } from '../../support/lab';

/** The argv the terminal's `sh -c` wrapper runs, i.e. what follows its $0. */
const argvOf = (cmd: CaptureCommand): string[] => cmd.shellArgs.slice(cmd.shellArgs.indexOf('netlens-capture') + 1);

/** Runs argv in a pty (util-linux `script`) until `until` shows in its output or it exits; then ends it. */
function runInPty(argv: readonly string[], until: RegExp, ms: number): Promise<{ output: string; matched: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-q', '-e', '-c', quote([...argv]), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    let done = false;
    const finish = (matched: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // our own process group (detached above): the pty's session ends and tcpdump with it
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      resolve({ output, matched });
    };
    const onData = (b: Buffer): void => {
      output += b.toString('utf8');
      if (until.test(output)) finish(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => finish(false));
    const timer = setTimeout(() => finish(false), ms);
  });
}

describe('capture packets here, run for real', function () {
  this.timeout(60_000);
  let sshd: RunningSshd | undefined;
  let home = '';
  let emptyKnownHosts = '';
  // a HOME of the suite's own (no ~/.ssh/config, no agent): only what the test gives counts
  const env = (): Record<string, string | undefined> => ({ HOME: home, PATH: process.env.PATH });

  before(async () => {
    requireRealEngine();
    sshd = await startSshd();
    home = mkdtempSync(join(tmpdir(), 'nle-it-capture-'));
    emptyKnownHosts = join(home, 'known_hosts_empty');
    writeFileSync(emptyKnownHosts, '');
  });
  after(async () => {
    await sshd?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs tcpdump on this host', async () => {
    const cmd = captureCommand('lo', { kind: 'local', root: process.getuid?.() === 0 });
    const r = await runInPty(argvOf(cmd), /listening on lo/, 15_000);
    assert.ok(r.matched, r.output);
  });

  it('runs tcpdump on the SSH host, after netlens\'s own trust accepted its host key', async () => {
    const cmd = captureCommand('lo', { kind: 'ssh', ssh: { host: '127.0.0.1', port: sshd!.port, username: sshd!.username, privateKeyPath: sshd!.privateKeyPath, knownHostsPath: sshd!.knownHostsPath } }, env());
    assert.equal(cmd.display, quote(argvOf(cmd)), 'the confirmation shows the argv that runs');
    assert.ok(argvOf(cmd).includes(`UserKnownHostsFile=${sshd!.knownHostsPath}`));
    await probeSshTarget(cmd.ssh!, { env: env() });
    const r = await runInPty(argvOf(cmd), /listening on lo/, 20_000);
    assert.ok(r.matched, r.output);
  });

  it('refuses an SSH host whose key it does not know: netlens and OpenSSH alike', async () => {
    const cmd = captureCommand('lo', { kind: 'ssh', ssh: { host: '127.0.0.1', port: sshd!.port, username: sshd!.username, privateKeyPath: sshd!.privateKeyPath, knownHostsPath: emptyKnownHosts } }, env());
    await assert.rejects(probeSshTarget(cmd.ssh!, { env: env() }), (e: unknown) => e instanceof NetlensError && e.code === 'SSH_HOST_KEY_UNKNOWN');
    const r = await runInPty(argvOf(cmd), /Host key verification failed|listening on/, 20_000);
    assert.match(r.output, /Host key verification failed/);
    assert.doesNotMatch(r.output, /listening on/);
  });
});
