/**
 * Error mapping on errors provoked for real through the same client stack netlens uses: a missing
 * socket, a closed port, engine-style HTTP errors from a local replay server, TLS spoken to a plain
 * port, a cancelled request. (Against a TLS server with a certificate openssl makes:
 * test/integration/docker/engineTls.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { toEngineError } from '../../../src/core/docker/errors';
import type { EngineEndpoint } from '../../../src/core/docker/types';
import { factsError, listen } from '../../support/engineErrors';
import { startEngineReplay } from '../../support/engineReplayServer';

describe('docker/errors: toEngineError on real failures', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nld-err-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a socket path that does not exist → ENGINE_UNREACHABLE, "is dockerd running?"', async () => {
    const socketPath = join(dir, 'absent.sock');
    const e = await factsError({ kind: 'unix', url: `unix://${socketPath}`, source: 'option', socketPath });
    assert.equal(e.code, 'ENGINE_UNREACHABLE');
    assert.match(e.message, /is dockerd running\?/);
    assert.match(e.message, /absent\.sock/);
    assert.equal(e.tried, `unix://${socketPath}`);
  });

  it('a closed tcp port on 127.0.0.1 → ENGINE_UNREACHABLE naming the URL', async () => {
    const s = createNetServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const e = await factsError({ kind: 'tcp', url: `tcp://127.0.0.1:${port}`, source: 'option', host: '127.0.0.1', port });
    assert.equal(e.code, 'ENGINE_UNREACHABLE');
    assert.match(e.message, /ECONNREFUSED/);
    assert.equal(e.tried, `tcp://127.0.0.1:${port}`);
  });

  it('an HTTP error status → ENGINE_API with the engine\'s own message', async () => {
    const replay = await startEngineReplay({
      '/info': { status: 500, body: JSON.stringify({ message: 'nld: the daemon is shutting down' }) },
      '/version': { body: '{}' },
      '/networks': { body: '[]' },
      '/containers/json': { body: '[]' },
      '/volumes': { body: '{"Volumes":[]}' },
    });
    try {
      const ep: EngineEndpoint = { kind: 'unix', url: `unix://${replay.socketPath}`, source: 'option', socketPath: replay.socketPath };
      const e = await factsError(ep);
      assert.equal(e.code, 'ENGINE_API');
      assert.match(e.message, /HTTP 500: nld: the daemon is shutting down/);
    } finally {
      await replay.close();
    }
  });

  it('a cancelled snapshot → ENGINE_API "cancelled", no hang', async () => {
    // A server that accepts and never answers, like a wedged daemon.
    const socketPath = join(dir, 'silent.sock');
    const sockets: import('node:net').Socket[] = [];
    const silent = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(socketPath, r));
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const e = await factsError({ kind: 'unix', url: `unix://${socketPath}`, source: 'option', socketPath }, ac.signal);
      assert.equal(e.code, 'ENGINE_API');
      assert.match(e.message, /cancelled/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('TLS spoken to a plain-HTTP port → a TLS error', async () => {
    const open: import('node:net').Socket[] = [];
    const replay = createNetServer((s) => {
      open.push(s);
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const plainPort = await listen(replay);
    try {
      const e = await factsError({ kind: 'tcp', url: `tcp://127.0.0.1:${plainPort}`, source: 'option', host: '127.0.0.1', port: plainPort, tls: { verify: true } });
      assert.equal(e.code, 'ENGINE_UNREACHABLE');
      assert.match(e.message, /TLS|SSL|socket/i);
    } finally {
      for (const s of open) s.destroy();
      await new Promise((r) => replay.close(r));
    }
  });

  it('passes a NetlensError through unchanged', () => {
    const ep: EngineEndpoint = { kind: 'unix', url: 'unix:///x', source: 'option', socketPath: '/x' };
    const own = new NetlensError('PARSE', 'x');
    assert.equal(toEngineError(own, ep), own);
  });
});
