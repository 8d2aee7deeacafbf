/** TLS errors from a local TLS server whose self-signed certificate openssl makes (the other error mappings: test/unit/docker/errors.test.ts). */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factsError, listen } from '../../support/engineErrors';

describe('docker/errors: TLS failures against a local TLS server', () => {
  let tlsDir: string;
  let server: ReturnType<typeof createHttpsServer>;
  let port: number;
  before(async () => {
    tlsDir = mkdtempSync(join(tmpdir(), 'nld-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem'), '-days', '2', '-subj', '/CN=nld-untrusted'],
      { stdio: 'ignore' },
    );
    server = createHttpsServer({ key: readFileSync(join(tlsDir, 'key.pem')), cert: readFileSync(join(tlsDir, 'cert.pem')) }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
    port = await listen(server);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(tlsDir, { recursive: true, force: true });
  });

  it('an untrusted server certificate → a TLS error, not a generic one', async () => {
    const e = await factsError({ kind: 'tcp', url: `tcp://127.0.0.1:${port}`, source: 'option', host: '127.0.0.1', port, tls: { verify: true } });
    assert.equal(e.code, 'ENGINE_UNREACHABLE');
    assert.match(e.message, /TLS with the Docker engine failed: self[- ]signed certificate/);
  });

  it('SkipTLSVerify reaches the same server (the error then comes from its answer)', async () => {
    const e = await factsError({ kind: 'tcp', url: `tcp://127.0.0.1:${port}`, source: 'option', host: '127.0.0.1', port, tls: { verify: false } });
    assert.equal(e.code, 'PARSE', 'TLS passed; the empty {} answer fails validation by name');
    assert.match(e.message, /GET \/info: field Name should be a string/);
  });
});

