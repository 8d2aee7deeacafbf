import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { checkHostKey, keyTypeOfBlob, knownKeyTypes, sha256Fingerprint } from '../../../src/core/ssh/knownHosts';
import { createHostTrust } from '../../../src/core/ssh/trust';
import type { ResolvedSshTarget } from '../../../src/core/ssh/target';
import { HOST_FIXTURES, hostFixture } from '../../support/hostFixtures';

const dir = join(HOST_FIXTURES, 'known_hosts');
const pub = (name: string) => {
  const [type, key] = hostFixture(`known_hosts/${name}.pub`).trim().split(/\s+/) as [string, string];
  return { type, key, blob: Buffer.from(key, 'base64') };
};
const ed = pub('host_ed25519');
const ecdsa = pub('host_ecdsa');
const rsa = pub('host_rsa');
const other = pub('other_ed25519');

describe('host: known_hosts matching', () => {
  for (const file of ['known_hosts.plain', 'known_hosts.hashed']) {
    describe(file, () => {
      const text = hostFixture(`known_hosts/${file}`);
      it('matches [host]:port entries only for that port', () => {
        assert.equal(checkHostKey(text, '127.0.0.1', 2222, ed.type, ed.key), 'match');
        assert.equal(checkHostKey(text, '127.0.0.1', 22, ed.type, ed.key), 'unknown');
        assert.equal(checkHostKey(text, '127.0.0.1', 2222, other.type, other.key), 'mismatch');
      });
      it('matches every name of a comma list, and plain names on port 22', () => {
        assert.equal(checkHostKey(text, 'alpha.example', 22, ecdsa.type, ecdsa.key), 'match');
        assert.equal(checkHostKey(text, '10.0.0.5', 22, ecdsa.type, ecdsa.key), 'match');
        assert.equal(checkHostKey(text, 'beta.example', 22, rsa.type, rsa.key), 'match');
        assert.equal(checkHostKey(text, 'gamma.example', 2200, other.type, other.key), 'match');
        assert.equal(checkHostKey(text, 'gamma.example', 22, other.type, other.key), 'match');
        assert.equal(checkHostKey(text, 'gamma.example', 2201, other.type, other.key), 'unknown');
      });
      it('a host known under another key type is unknown for this type, not a match', () => {
        assert.equal(checkHostKey(text, 'alpha.example', 22, ed.type, ed.key), 'unknown');
        assert.deepEqual(knownKeyTypes(text, 'alpha.example', 22), ['ecdsa-sha2-nistp256']);
      });
      it('wildcards with negation; @cert-authority lines never match a plain key; @revoked wins', () => {
        assert.equal(checkHostKey(text, 'x.wild.example', 22, ed.type, ed.key), 'match');
        assert.equal(checkHostKey(text, 'bad.wild.example', 22, ed.type, ed.key), 'unknown');
        assert.equal(checkHostKey(text, 'h.ca.example', 22, ed.type, ed.key), 'unknown');
        assert.equal(checkHostKey(text, 'delta.example', 22, ed.type, ed.key), 'revoked');
      });
    });
  }

  it('reads the key type from the wire blob and prints the fingerprint ssh-keygen -lf printed', () => {
    const prints = hostFixture('known_hosts/fingerprints.txt');
    for (const k of [ed, ecdsa, rsa, other]) {
      assert.equal(keyTypeOfBlob(k.blob), k.type);
      assert.ok(prints.includes(sha256Fingerprint(k.blob)), `${k.type} fingerprint`);
    }
    assert.equal(keyTypeOfBlob(Buffer.from([0, 0, 0, 200, 1])), 'unknown');
  });

  it('createHostTrust: trusts only the recorded key, from the user or the global file, and says why it refused', async () => {
    const target = (user: string[], global: string[]): ResolvedSshTarget => ({
      alias: '127.0.0.1', hostName: '127.0.0.1', port: 2222, username: 'u', hostKeyName: '127.0.0.1', knownHostsName: '[127.0.0.1]:2222',
      identityFiles: [], identityFilesExplicit: false, userKnownHostsFiles: user, globalKnownHostsFiles: global,
    });
    const hashed = join(dir, 'known_hosts.hashed');
    const missing = join(dir, 'no-such-file');
    for (const t of [target([hashed], []), target([missing], [hashed])]) {
      const trust = createHostTrust(t, { fetchCertificates: () => assert.fail('no certificate is needed for a recorded key') });
      assert.deepEqual(trust.serverHostKeyAlgorithms, ['ssh-ed25519']);
      const ok = await trust.verify(ed.blob);
      assert.equal(ok.result, 'trusted');
      assert.match(ok.result === 'trusted' ? ok.how : '', /known_hosts\.hashed:\d+/);
      const bad = await trust.verify(other.blob);
      assert.equal(bad.result, 'mismatch');
      assert.equal(trust.refusal('t')?.code, 'SSH_HOST_KEY_MISMATCH');
      assert.ok(trust.refusal('t')?.message.includes(sha256Fingerprint(other.blob)));
    }
    const nowhere = createHostTrust(target([missing], []));
    assert.equal((await nowhere.verify(ed.blob)).result, 'unknown');
    assert.equal(nowhere.refusal('t')?.code, 'SSH_HOST_KEY_UNKNOWN');
  });
});
