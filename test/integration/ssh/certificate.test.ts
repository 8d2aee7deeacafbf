/**
 * Host certificates made by ssh-keygen itself (`ssh-keygen -s CA -h`), for each kind of authority
 * key, checked by netlens as ssh checks them; and the trust decision for a host known only through
 * an `@cert-authority` line, with the certificate handed over as ssh-keyscan -c prints it.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateProblem, parseHostCertificate } from '../../../src/core/ssh/certificate';
import { createHostTrust } from '../../../src/core/ssh/trust';
import type { ResolvedSshTarget } from '../../../src/core/ssh/target';

describe('ssh: host certificates and @cert-authority', function () {
  this.timeout(30_000);
  let dir = '';
  let signed = 0;
  const keygen = (...args: string[]): void => {
    execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'ignore', timeout: 10_000 });
  };
  const newKey = (name: string, type: string): string => {
    const path = join(dir, name);
    keygen('-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', name, '-f', path);
    return path;
  };
  /** signs `host`'s public key; returns the certificate line (`type base64 comment`) */
  const sign = (ca: string, host: string, opts: { principals?: string; validity?: string; user?: boolean } = {}): string => {
    const copy = `${host}-signed${++signed}`;
    writeFileSync(`${copy}.pub`, readFileSync(`${host}.pub`));
    keygen('-s', ca, ...(opts.user ? [] : ['-h']), '-I', 'host-id', ...(opts.principals !== undefined ? ['-n', opts.principals] : []), ...(opts.validity ? ['-V', opts.validity] : []), `${copy}.pub`);
    return readFileSync(`${copy}-cert.pub`, 'utf8').trim();
  };
  const blobOf = (line: string): Buffer => Buffer.from(line.split(/\s+/)[1] as string, 'base64');
  const now = BigInt(Math.floor(Date.now() / 1000));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nlu-cert-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const caType of ['ed25519', 'ecdsa', 'rsa']) {
    it(`verifies a host certificate signed by an ${caType} authority, and refuses it tampered with`, () => {
      const ca = newKey(`ca-${caType}`, caType);
      const host = newKey(`host-for-${caType}`, 'ed25519');
      const certLine = sign(ca, host, { principals: 'box.example,10.9.8.7' });
      const cert = parseHostCertificate(blobOf(certLine));
      assert.equal(cert.certType, 2);
      assert.deepEqual(cert.principals, ['box.example', '10.9.8.7']);
      assert.ok(cert.publicKey.equals(blobOf(readFileSync(`${host}.pub`, 'utf8'))), 'the certified key is the host key');
      assert.ok(cert.signatureKey.equals(blobOf(readFileSync(`${ca}.pub`, 'utf8'))), 'signed by the CA');
      assert.equal(certificateProblem(cert, 'box.example', now), null);
      assert.equal(certificateProblem(cert, '10.9.8.7', now), null);
      assert.match(String(certificateProblem(cert, 'other.example', now)), /is for box\.example, 10\.9\.8\.7, not other\.example/);
      // one bit flipped in the signed part (the key id): the signature no longer covers it
      const raw = Buffer.from(blobOf(certLine));
      const at = raw.indexOf(Buffer.from('host-id'));
      raw[at] = raw[at]! ^ 1;
      assert.match(String(certificateProblem(parseHostCertificate(raw), 'box.example', now)), /signature does not verify/);
    });
  }

  it('refuses expired and not-yet-valid certificates, user certificates, and accepts no principals as ssh does', () => {
    const ca = newKey('ca-x', 'ed25519');
    const host = newKey('host-x', 'ecdsa');
    const expired = parseHostCertificate(blobOf(sign(ca, host, { principals: 'h', validity: '20200101:20200102' })));
    assert.match(String(certificateProblem(expired, 'h', now)), /expired/);
    const future = parseHostCertificate(blobOf(sign(ca, host, { principals: 'h', validity: '+3650d:+3651d' })));
    assert.match(String(certificateProblem(future, 'h', now)), /not valid yet/);
    const user = parseHostCertificate(blobOf(sign(ca, host, { principals: 'h', user: true })));
    assert.match(String(certificateProblem(user, 'h', now)), /user certificate/);
    const wild = parseHostCertificate(blobOf(sign(ca, host, { principals: '*.example' })));
    assert.match(String(certificateProblem(wild, 'box.example', now)), /is for \*\.example, not box\.example/, 'a principal is no pattern');
    const anyHost = parseHostCertificate(blobOf(sign(ca, host)));
    assert.deepEqual(anyHost.principals, []);
    assert.equal(certificateProblem(anyHost, 'whatever.example', now), null);
  });

  it('trusts a host known only by its @cert-authority; refuses a revoked authority, a wrong name, another key', async () => {
    const ca = newKey('ca-t', 'ed25519');
    const host = newKey('host-t', 'ed25519');
    const stranger = newKey('stranger-t', 'ed25519');
    const certLine = sign(ca, host, { principals: 'box.example' });
    const caPub = readFileSync(`${ca}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = join(dir, 'known_hosts_ca');
    const target = (name: string): ResolvedSshTarget => ({
      alias: name, hostName: name, port: 22, username: 'u', hostKeyName: name, knownHostsName: name,
      identityFiles: [], identityFilesExplicit: false, userKnownHostsFiles: [knownHosts], globalKnownHostsFiles: [],
    });
    // as ssh-keyscan -c prints it: `type base64`, no host name
    const scanned = async (): Promise<string> => `${certLine.split(/\s+/).slice(0, 2).join(' ')}\n`;
    const hostKey = blobOf(readFileSync(`${host}.pub`, 'utf8'));

    writeFileSync(knownHosts, `@cert-authority *.example ${caPub}\n`);
    const trust = createHostTrust(target('box.example'), { fetchCertificates: scanned });
    assert.deepEqual(trust.serverHostKeyAlgorithms, [], 'no plain key known: any type, judged by its certificate');
    const ok = await trust.verify(hostKey);
    assert.equal(ok.result, 'trusted');
    assert.match(ok.result === 'trusted' ? ok.how : '', /host certificate "host-id" signed by the @cert-authority in .*known_hosts_ca:1/);

    const other = await trust.verify(blobOf(readFileSync(`${stranger}.pub`, 'utf8')));
    assert.equal(other.result, 'certificate-refused', 'a certificate for one key vouches for no other');

    const misnamed = createHostTrust(target('elsewhere.example'), { fetchCertificates: scanned });
    const v = await misnamed.verify(hostKey);
    assert.equal(v.result, 'certificate-refused');
    assert.match(misnamed.refusal('t')?.message ?? '', /is for box\.example, not elsewhere\.example/);
    assert.equal(misnamed.refusal('t')?.code, 'SSH_HOST_KEY_MISMATCH');

    writeFileSync(knownHosts, `@cert-authority *.example ${caPub}\n@revoked * ${caPub}\n`);
    const revoked = createHostTrust(target('box.example'), { fetchCertificates: scanned });
    assert.equal((await revoked.verify(hostKey)).result, 'certificate-refused');
    assert.match(revoked.refusal('t')?.message ?? '', /authority .* is marked @revoked/);

    writeFileSync(knownHosts, `@cert-authority other.org ${caPub}\n`);
    const notForThisHost = createHostTrust(target('box.example'), { fetchCertificates: () => assert.fail('no authority applies, nothing to fetch') });
    assert.equal((await notForThisHost.verify(hostKey)).result, 'unknown');
  });
});
