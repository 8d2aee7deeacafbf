/**
 * An engine socket that accepts connections and never answers (a unix socket server of the test's
 * own): every request and the event stream become errors within their limit, the connections are
 * torn down, and an event stream that went quiet on an engine that stopped answering is found by
 * its ping and reconnected.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { engineGet } from '../../../src/core/docker/engineRequest';
import { watchEngineEvents } from '../../../src/core/docker/events';
import { EventLineParser, MAX_EVENT_LINE } from '../../../src/core/docker/eventLines';
import type { EngineEndpoint } from '../../../src/core/docker/types';
import { NetlensError } from '../../../src/core/errors';
import { startHungSocket, type HungSocket } from '../../support/faults';

const endpointOf = (socketPath: string): EngineEndpoint => ({ kind: 'unix', url: `unix://${socketPath}`, source: 'test', socketPath });

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('docker: an engine that accepts and never answers', function () {
  this.timeout(20_000);
  let hung: HungSocket;
  beforeEach(async () => {
    hung = await startHungSocket();
  });
  afterEach(async () => {
    await hung.close();
  });

  it('one request fails with ENGINE_TIMEOUT naming the request and the limit, and its connection is closed', async () => {
    const docker = createDockerClient(endpointOf(hung.socketPath), undefined, { requestTimeoutMs: 300 });
    await assert.rejects(engineGet(docker, '/info'), (e: unknown) => {
      assert.ok(e instanceof NetlensError, String(e));
      assert.equal(e.code, 'ENGINE_TIMEOUT');
      assert.match(e.message, /did not answer GET \/info within 300 ms/);
      assert.equal(e.tried, hung.url);
      return true;
    });
    assert.equal(hung.accepted, 1);
    await until('the connection closed by the client', () => hung.open === 0, 2000);
  });

  it('a snapshot is one error, and none of its five requests is left open', async () => {
    const endpoint = endpointOf(hung.socketPath);
    const docker = createDockerClient(endpoint, undefined, { requestTimeoutMs: 400 });
    await assert.rejects(collectEngineFacts(docker, endpoint), (e: unknown) => e instanceof NetlensError && e.code === 'ENGINE_TIMEOUT');
    await until('every request sent', () => hung.requests.length === 5, 2000);
    await until('every connection closed', () => hung.open === 0, 2000);
  });

  it("the caller's abort still wins over the limit", async () => {
    const docker = createDockerClient(endpointOf(hung.socketPath), undefined, { requestTimeoutMs: 10_000 });
    const ac = new AbortController();
    const pending = engineGet(docker, '/version', {}, ac.signal);
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
    await until('the connection closed', () => hung.open === 0, 2000);
  });

  it('the event stream reports "reconnecting" when the engine does not open it within the limit, and retries', async () => {
    const docker = createDockerClient(endpointOf(hung.socketPath), undefined, { requestTimeoutMs: 300 });
    const states: Array<{ state: string; error?: string }> = [];
    const stop = watchEngineEvents(docker, () => undefined, (state, error) => states.push({ state, ...(error ? { error } : {}) }), {
      initialDelayMs: 50,
      maxDelayMs: 100,
    });
    try {
      await until('two failed opens', () => states.filter((s) => s.state === 'reconnecting').length >= 2, 5000);
      assert.ok(!states.some((s) => s.state === 'connected'));
      assert.match(states[0]?.error ?? '', /did not open GET \/events within 300 ms/);
    } finally {
      stop();
    }
    await until('no connection left', () => hung.open === 0, 2000);
  });
});

describe('docker: an event stream that goes quiet on an engine that stopped answering', function () {
  this.timeout(20_000);

  it('is found by its ping and reconnected; a healthy quiet stream is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nls-evq-'));
    const socketPath = join(dir, 'engine.sock');
    let answerPings = true;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url?.startsWith('/_ping')) {
        if (answerPings) res.end('OK');
        // else: never answer, as a hung engine
        return;
      }
      // /events: headers, then nothing — a quiet stream
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    const states: Array<{ state: string; error?: string }> = [];
    const docker = createDockerClient(endpointOf(socketPath), undefined, { requestTimeoutMs: 300 });
    const stop = watchEngineEvents(docker, () => undefined, (state, error) => states.push({ state, ...(error ? { error } : {}) }), {
      initialDelayMs: 50,
      maxDelayMs: 100,
      checkEveryMs: 150,
    });
    try {
      await until('connected', () => states.some((s) => s.state === 'connected'), 3000);
      await until('two pings answered', () => seen.filter((u) => u.startsWith('/_ping')).length >= 2, 3000);
      assert.deepEqual(states.map((s) => s.state), ['connected'], 'a quiet stream whose engine answers its ping stays connected');
      answerPings = false;
      await until('the stream given up', () => states.some((s) => s.state === 'reconnecting'), 3000);
      assert.match(states.find((s) => s.state === 'reconnecting')?.error ?? '', /the engine stopped answering .*GET \/_ping within 300 ms/);
      await until('reconnected', () => states.filter((s) => s.state === 'connected').length >= 2, 3000);
    } finally {
      stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker: event lines are bounded', () => {
  it('drops a line longer than the limit, reports it, and parses the next one', () => {
    const bad: string[] = [];
    const p = new EventLineParser((_line, error) => bad.push(error));
    const good = '{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x"}},"time":1,"timeNano":1000000000}';
    const chunk = 'x'.repeat(64 * 1024);
    let parsed = 0;
    for (let sent = 0; sent <= MAX_EVENT_LINE + chunk.length; sent += chunk.length) parsed += p.push(chunk).length;
    parsed += p.push(`still the long line\n${good}\n`).length;
    assert.equal(bad.length, 1);
    assert.match(bad[0] ?? '', /longer than/);
    assert.equal(parsed, 1, 'the line after the long one is an event again');
  });
});
