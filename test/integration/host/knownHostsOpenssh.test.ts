/**
 * Our known_hosts reading checked against OpenSSH's own tools on this machine (the parsing alone, on
 * the recorded files: test/unit/host/knownHosts.test.ts).
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { knownKeyTypes, sha256Fingerprint } from '../../../src/core/ssh/knownHosts';
import { HOST_FIXTURES, hostFixture } from '../../support/hostFixtures';

const dir = join(HOST_FIXTURES, 'known_hosts');

describe('host: known_hosts matching agrees with OpenSSH', () => {
  it('agrees with OpenSSH (ssh-keygen -F) on which hashed lines name a host', () => {
    const hashed = join(dir, 'known_hosts.hashed');
    const text = hostFixture('known_hosts/known_hosts.hashed');
    for (const [host, port] of [['127.0.0.1', 2222], ['127.0.0.1', 22], ['alpha.example', 22], ['10.0.0.5', 22], ['gamma.example', 2200], ['nowhere.example', 22]] as const) {
      const name = port === 22 ? host : `[${host}]:${port}`;
      const r = spawnSync('ssh-keygen', ['-F', name, '-f', hashed], { encoding: 'utf8' });
      const openssh = r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/).slice(-1)[0]);
      const ours = knownKeyTypes(text, host, port).length > 0;
      assert.equal(ours, openssh.length > 0, name);
    }
  });

  it('prints the fingerprint ssh-keygen -lf prints now', () => {
    const [, key] = hostFixture('known_hosts/host_ed25519.pub').trim().split(/\s+/) as [string, string];
    const live = execFileSync('ssh-keygen', ['-lf', join(dir, 'host_ed25519.pub')], { encoding: 'utf8' });
    assert.ok(live.includes(sha256Fingerprint(Buffer.from(key, 'base64'))), live);
  });
});
