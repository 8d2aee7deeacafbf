/**
 * One engine connection of the sidebar against the real engine: a first snapshot, a live event
 * asking for a refresh, an unreachable engine becoming an error with a retry, and a lost event
 * stream keeping the last model marked stale until the engine is back. The engine is made to
 * "go away" by closing a unix-socket relay of our own in front of it; dockerd itself is untouched.
 */
import { strict as assert } from 'node:assert';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { createSession } from '../../../src/core/session';
import { EngineConnection } from '../../../src/extension/engines/engineConnection';
import { engineSpecs } from '../../../src/extension/engines/engineSpecs';
import type { EngineStatus } from '../../../src/extension/engines/engineStatus';
import { IMAGE, docker, requireRealEngine, tryRun } from '../../support/lab';

const PREFIX = 'nle-it-';
const RELAY = '/tmp/nle-it-relay.sock';

function removeLeftovers(): void {
  tryRun('docker', ['rm', '-f', `${PREFIX}c`]);
  tryRun('docker', ['network', 'rm', `${PREFIX}net`]);
}

/** A unix socket that forwards to the engine's socket while it is open. */
function startRelay(): Promise<{ close(): Promise<void> }> {
  rmSync(RELAY, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection('/var/run/docker.sock');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  return new Promise((resolve) =>
    server.listen(RELAY, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

/**
 * A unix socket that first accepts connections and never answers (a hung engine), and later
 * forwards new connections to the engine's socket (the engine answers again).
 */
function startHungThenRelay(path: string): Promise<{ answer(): void; close(): Promise<void> }> {
  rmSync(path, { force: true });
  let relaying = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    if (!relaying) return; // accepted, never answered
    const upstream = createConnection('/var/run/docker.sock');
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        answer: () => {
          relaying = true;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

function connectionTo(
  host: string,
  onWants: (reason: string, automatic: boolean) => void,
  timeouts?: { engineRequestMs?: number },
): EngineConnection {
  const { specs, problems } = engineSpecs({ host }, [], { hostShell: 'none', ssh: {}, ...(timeouts ? { timeouts } : {}) });
  assert.deepEqual(problems, []);
  const spec = specs[0]!;
  return new EngineConnection(spec, { createSession, log: () => undefined, changed: () => undefined, wantsRefresh: onWants });
}

async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('sidebar engine connection on the real engine', function () {
  this.timeout(60_000);
  const open: EngineConnection[] = [];

  before(() => {
    requireRealEngine();
    removeLeftovers();
  });
  after(async () => {
    for (const c of open) await c.dispose();
    removeLeftovers();
    rmSync(RELAY, { force: true });
  });

  it('takes a first snapshot and turns `docker network create` into an automatic refresh request', async () => {
    const reasons: Array<{ reason: string; automatic: boolean; at: number }> = [];
    const conn = connectionTo('unix:///var/run/docker.sock', (reason, automatic) => reasons.push({ reason, automatic, at: Date.now() }));
    open.push(conn);
    await conn.refresh();
    assert.equal(conn.status.kind, 'connected', conn.lastError);
    assert.ok(conn.topology?.networks.some((n) => n.name === 'bridge'));
    conn.start();
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    docker('network', 'create', `${PREFIX}net`);
    const done = Date.now();
    await until('the network create event', () => reasons.some((r) => r.reason.includes(`network create ${PREFIX}net`)), 5000);
    const hit = reasons.find((r) => r.reason.includes(`network create ${PREFIX}net`))!;
    assert.equal(hit.automatic, true);
    console.log(`      event reached the connection ${hit.at - done} ms after \`docker network create\` returned (${done - sent} ms command)`);
    assert.ok(conn.topology?.networks.some((n) => n.name === `${PREFIX}net`), 'the event alone put the network into the model');
    // `docker network connect`: the container shows under the network from the event, before any snapshot.
    docker('run', '-d', '--name', `${PREFIX}c`, IMAGE, 'sleep', '100000');
    await until('the container in the model', () => Boolean(conn.topology?.containers.some((c) => c.name === `${PREFIX}c`)), 3000);
    docker('network', 'connect', `${PREFIX}net`, `${PREFIX}c`);
    const connected = Date.now();
    const ms = await until('the endpoint from the event', () => Boolean(conn.topology?.networks.find((n) => n.name === `${PREFIX}net`)?.endpoints.some((e) => e.containerName === `${PREFIX}c`)), 300);
    console.log(`      \`docker network connect\` showed in the model ${ms} ms after the command returned (${Date.now() - connected} ms), no snapshot taken`);
    const started = Date.now();
    await conn.refresh();
    console.log(`      the refresh it asks for took ${Date.now() - started} ms (engine only, no host shell)`);
    const net = conn.topology?.networks.find((n) => n.name === `${PREFIX}net`);
    assert.match(net?.endpoints.find((e) => e.containerName === `${PREFIX}c`)?.ipv4 ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'the snapshot filled in the address');
    assert.equal(conn.provisional.size, 0);
  });

  it('an unreachable engine is an error with the reason, and a retry is scheduled', async () => {
    const reasons: string[] = [];
    const conn = connectionTo('unix:///tmp/nle-it-missing.sock', (reason) => reasons.push(reason));
    open.push(conn);
    await conn.refresh();
    assert.equal(conn.status.kind, 'error');
    assert.match(conn.lastError ?? '', /nle-it-missing\.sock/);
    assert.equal(conn.topology, undefined);
    await until('a retry request', () => reasons.some((r) => /^retry after \d+ ms$/.test(r)), 3000);
  });

  it('a lost event stream keeps the last model marked stale, and the engine coming back refreshes it', async () => {
    let relay = await startRelay();
    const reasons: string[] = [];
    let conn!: EngineConnection;
    conn = connectionTo(`unix://${RELAY}`, (reason) => {
      reasons.push(reason);
      void conn.refresh();
    });
    open.push(conn);
    await conn.refresh();
    assert.equal(conn.status.kind, 'connected', conn.lastError);
    const model = conn.topology;
    conn.start();
    await new Promise((r) => setTimeout(r, 300));
    await relay.close();
    await until('the stale state', () => conn.status.kind === 'stale', 10_000);
    assert.equal(conn.topology, model, 'the last model is kept');
    // (read through a function: TypeScript keeps the narrowing of the assert above otherwise)
    const status = ((): EngineStatus => conn.status)();
    assert.ok(status.kind === 'stale' && !Number.isNaN(Date.parse(status.since)), JSON.stringify(status));
    relay = await startRelay();
    const ms = await until('connected again', () => conn.status.kind === 'connected', 40_000);
    console.log(`      back to connected ${ms} ms after the relay reopened`);
    assert.notEqual(conn.topology, model, 'a new snapshot replaced the stale one');
    await relay.close();
  });

  it('an engine that accepts and never answers is an error within the limit — never "connected" — and recovers by itself when it answers', async () => {
    const path = '/tmp/nle-it-hung.sock';
    const hung = await startHungThenRelay(path);
    const reasons: string[] = [];
    let conn!: EngineConnection;
    conn = connectionTo(
      `unix://${path}`,
      (reason) => {
        reasons.push(reason);
        void conn.refresh();
      },
      { engineRequestMs: 2000 },
    );
    open.push(conn);
    try {
      const first = conn.refresh();
      conn.start();
      await first;
      const status = ((): EngineStatus => conn.status)();
      assert.equal(status.kind, 'error', JSON.stringify(status));
      assert.equal(status.kind === 'error' ? status.code : undefined, 'ENGINE_TIMEOUT');
      assert.match(conn.lastError ?? '', /did not answer GET \/\w+ within 2 s .*\(tried: unix:\/\/\/tmp\/nle-it-hung\.sock\)/);
      await new Promise((r) => setTimeout(r, 3000));
      assert.notEqual(((): EngineStatus => conn.status)().kind, 'connected', 'the event stream opening did not count as connected');
      hung.answer();
      const ms = await until('connected by itself', () => conn.status.kind === 'connected', 45_000);
      console.log(`      connected ${ms} ms after the engine began to answer (${reasons.join(', ')})`);
      assert.ok(conn.topology?.networks.some((n) => n.name === 'bridge'));
    } finally {
      await conn.dispose();
      await hung.close();
      rmSync(path, { force: true });
    }
  });
});

