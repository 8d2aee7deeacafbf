/** The capture command's sh -c script run by the real /bin/sh (its argv shape: test/unit/extension/commandInputs.test.ts). */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { captureCommand } from '../../../src/extension/capture/captureCommand';

describe('Capture packets here, under the real sh', () => {
  it('passes the interface to tcpdump as its own argument, never parsed by the shell', () => {
    const cmd = captureCommand('vethc37d780', { kind: 'local', root: true });
    // The same sh -c script with `echo` in tcpdump's place shows what the terminal would run.
    const script = cmd.shellArgs[1]!.replace(/; status=.*/, '');
    const run = spawnSync('/bin/sh', ['-c', script, 'netlens-capture', 'echo', '-ni', 'vethc37d780'], { encoding: 'utf8' });
    assert.equal(run.stdout, '-ni vethc37d780\n');
  });

  it('over ssh, what the user confirms is the argv that runs: the real sh splits the shown command back into the same words', () => {
    const env = { HOME: '/nonexistent-netlens-home', USER: 'nobody' };
    const cmd = captureCommand('docker0', { kind: 'ssh', ssh: { host: '127.0.0.1', port: 2222, username: 'root', knownHostsPath: '/tmp/kh' } }, env);
    const argv = cmd.shellArgs.slice(3);
    const words = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${cmd.display}`], { encoding: 'utf8' }).stdout.split('\n').slice(0, -1);
    assert.deepEqual(words, argv);
    assert.ok(argv.includes('StrictHostKeyChecking=yes'));
  });
});
