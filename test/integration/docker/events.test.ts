/**
 * The event stream of the real engine: a network connect arrives within 2 s; when the connection
 * breaks, the watcher reconnects and still delivers what happened while it was away (`since`);
 * stop() leaves nothing running (mocha exits without --exit).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { watchEngineEvents } from '../../../src/core/docker/events';
import type { EngineEvent, EngineEndpoint } from '../../../src/core/docker/types';
import { IMAGE, containerId, docker, removeLab, requireRealEngine } from '../../support/lab';

const P = 'nld-ev-';

function waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`${what} did not happen within ${ms} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A unix-socket relay to the real engine socket that the test can cut and restore. */
class EngineRelay {
  private server: Server | null = null;
  private readonly open = new Set<Socket>();
  constructor(readonly socketPath: string) {}

  async start(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    this.server = createServer((client) => {
      const upstream = connect('/var/run/docker.sock');
      this.open.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.open.delete(client);
        this.open.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server?.listen(this.socketPath, r));
  }

  async cut(): Promise<void> {
    for (const s of this.open) s.destroy();
    this.open.clear();
    const s = this.server;
    this.server = null;
    if (s) await new Promise((r) => s.close(r));
  }
}

describe('docker/events on the real engine', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    requireRealEngine();
    removeLab(P);
    dir = mkdtempSync(join(tmpdir(), 'nld-ev-'));
    docker('network', 'create', `${P}net`);
    docker('run', '-d', '--name', `${P}box`, IMAGE, 'sleep', '3600');
  });
  after(() => {
    removeLab(P);
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a docker network connect within 2 s', async () => {
    const endpoint: EngineEndpoint = { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'test', socketPath: '/var/run/docker.sock' };
    const events: EngineEvent[] = [];
    const states: string[] = [];
    const stop = watchEngineEvents(createDockerClient(endpoint), (e) => events.push(e), (s) => states.push(s));
    try {
      await waitFor(() => (states.includes('connected') ? true : undefined), 5000, 'connected');
      const box = containerId(`${P}box`);
      const t0 = Date.now();
      docker('network', 'connect', `${P}net`, `${P}box`);
      const ev = await waitFor(
        () => events.find((e) => e.type === 'network' && e.action === 'connect' && e.attributes.container === box),
        2000,
        'the connect event',
      );
      assert.ok(Date.now() - t0 < 2000 + 1000);
      assert.equal(ev.name, `${P}net`);
      assert.equal(ev.id, docker('network', 'inspect', '-f', '{{.Id}}', `${P}net`));
    } finally {
      stop();
      docker('network', 'disconnect', `${P}net`, `${P}box`);
    }
  });

  it('reconnects after the stream breaks and delivers, once, what happened meanwhile', async () => {
    const relay = new EngineRelay(join(dir, 'relay.sock'));
    await relay.start();
    const endpoint: EngineEndpoint = { kind: 'unix', url: `unix://${relay.socketPath}`, source: 'test', socketPath: relay.socketPath };
    const events: EngineEvent[] = [];
    const states: { state: string; error?: string }[] = [];
    const stop = watchEngineEvents(
      createDockerClient(endpoint),
      (e) => events.push(e),
      (state, error) => states.push({ state, ...(error ? { error } : {}) }),
      { initialDelayMs: 100, maxDelayMs: 400 },
    );
    try {
      await waitFor(() => (states.some((s) => s.state === 'connected') ? true : undefined), 5000, 'connected');
      const box = containerId(`${P}box`);
      docker('network', 'connect', `${P}net`, `${P}box`);
      await waitFor(() => events.find((e) => e.action === 'connect' && e.attributes.container === box), 2000, 'connect');

      await relay.cut();
      await waitFor(() => (states.some((s) => s.state === 'reconnecting') ? true : undefined), 3000, 'reconnecting');
      // While the watcher cannot reach the engine:
      docker('network', 'disconnect', `${P}net`, `${P}box`);
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(!events.some((e) => e.action === 'disconnect' && e.attributes.container === box), 'not seen while cut off');
      const failedRetries = states.filter((s) => s.state === 'reconnecting').length;
      assert.ok(failedRetries >= 2, `retried while the engine was away (${failedRetries})`);

      await relay.start();
      await waitFor(() => events.find((e) => e.action === 'disconnect' && e.attributes.container === box), 5000, 'the missed disconnect');
      await new Promise((r) => setTimeout(r, 300));
      const connects = events.filter((e) => e.action === 'connect' && e.attributes.container === box);
      assert.equal(connects.length, 1, 'the event before the break is not delivered twice');
    } finally {
      stop();
      await relay.cut();
    }
  });

  it('stop() ends the stream: later events are not delivered', async () => {
    const endpoint: EngineEndpoint = { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'test', socketPath: '/var/run/docker.sock' };
    const events: EngineEvent[] = [];
    let connected = false;
    const stop = watchEngineEvents(createDockerClient(endpoint), (e) => events.push(e), (s) => {
      if (s === 'connected') connected = true;
    });
    await waitFor(() => (connected ? true : undefined), 5000, 'connected');
    stop();
    docker('network', 'connect', `${P}net`, `${P}box`);
    docker('network', 'disconnect', `${P}net`, `${P}box`);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(events.filter((e) => e.attributes.container === containerId(`${P}box`)), []);
  });
});
