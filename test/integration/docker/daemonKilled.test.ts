/**
 * A Docker daemon killed mid-refresh, for real: a dockerd of the test's own in a network namespace
 * of its own (the host's dockerd is never touched). It is frozen first (SIGSTOP: it still accepts
 * connections but answers nothing), so that a snapshot is surely in flight, then SIGKILLed. The
 * snapshot fails at once with the reason instead of waiting out its limit, nothing of it is left
 * running, and the extension's connection keeps the last model, marked stale, and comes back by
 * itself when the daemon is started again.
 */
import { strict as assert } from 'node:assert';
import { createSession } from '../../../src/core/session';
import { NetlensError } from '../../../src/core/errors';
import { EngineConnection } from '../../../src/extension/engines/engineConnection';
import { engineSpecs } from '../../../src/extension/engines/engineSpecs';
import type { EngineStatus } from '../../../src/extension/engines/engineStatus';
import { OWN, dockerdPid, freezeOwnDockerd, killOwnDockerd, removeOwnDockerd, startOwnDockerd, thawOwnDockerd } from '../../support/ownDockerd';
import { waitUntilGone } from '../../support/faults';

async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

/** The sidebar's connection to our own dockerd: every refresh it asks for runs, and its reasons are kept. */
function sidebarConnection(timeouts: { engineRequestMs: number; eventCheckMs?: number }): { conn: EngineConnection; reasons: string[] } {
  const { specs } = engineSpecs({ host: OWN.url }, [], { hostShell: 'none', ssh: {}, timeouts });
  const reasons: string[] = [];
  const conn: EngineConnection = new EngineConnection(specs[0]!, {
    createSession,
    log: () => undefined,
    changed: () => undefined,
    wantsRefresh: (reason) => {
      reasons.push(reason);
      void conn.refresh();
    },
  });
  return { conn, reasons };
}

describe('a Docker daemon killed mid-refresh (a dockerd of our own in netns nls-st)', function () {
  this.timeout(120_000);

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('needs root (network namespace, dockerd)');
    await removeOwnDockerd(); // leftovers of a crashed run
    await startOwnDockerd();
  });
  after(async () => {
    await removeOwnDockerd();
  });

  it('the snapshot in flight fails at once with ENGINE_UNREACHABLE, and its host batch is not left running', async () => {
    const session = createSession({
      dockerHost: OWN.url,
      hostShell: 'local',
      // the own engine's host is its namespace: read it there, as a second machine would be
      localShell: { prefix: ['nsenter', `--net=/run/netns/${OWN.netns}`] },
      timeouts: { engineRequestMs: 30_000 },
      env: {},
    });
    try {
      const warm = await session.snapshot();
      assert.ok(warm.networks.some((n) => n.name === 'bridge'), 'the own engine answers');
      assert.ok(warm.host?.interfaces.some((i) => i.name === 'docker0'), "the host facts are the namespace's");

      freezeOwnDockerd();
      const started = Date.now();
      const snapshot = session.snapshot();
      await new Promise((r) => setTimeout(r, 500)); // its requests now wait on the frozen daemon
      await killOwnDockerd();
      const err = await snapshot.then(
        () => assert.fail('expected the snapshot to fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof NetlensError, String(err));
      assert.equal(err.code, 'ENGINE_UNREACHABLE', err.message);
      assert.match(err.message, /closed before it answered|Cannot reach the Docker engine/);
      assert.equal(err.tried, OWN.url);
      console.log(`      the snapshot failed ${Date.now() - started} ms after it started (limit 30 s): ${err.message}`);
      assert.deepEqual(await waitUntilGone(`--net=/run/netns/${OWN.netns} sh`, 5000), [], 'no host batch left in the namespace');

      // and the next one says plainly that nothing is there
      await assert.rejects(session.snapshot(), (e: unknown) => e instanceof NetlensError && e.code === 'ENGINE_UNREACHABLE' && /is dockerd running\?/.test(e.message));
    } finally {
      await session.dispose();
    }
  });

  it('the sidebar keeps the last model as stale, and is connected again by itself once the daemon is back', async () => {
    if (dockerdPid() === null) await startOwnDockerd();
    const { conn, reasons } = sidebarConnection({ engineRequestMs: 3000 });
    try {
      await conn.refresh();
      assert.equal(conn.status.kind, 'connected', conn.lastError);
      const model = conn.topology;
      conn.start();
      await new Promise((r) => setTimeout(r, 300));

      freezeOwnDockerd();
      const refresh = conn.refresh();
      await new Promise((r) => setTimeout(r, 300));
      await killOwnDockerd();
      await refresh;
      const status = (): EngineStatus => conn.status;
      assert.equal(status().kind, 'stale', JSON.stringify(status()));
      assert.match(conn.lastError ?? '', /closed before it answered|Cannot reach the Docker engine/);
      assert.equal(conn.topology, model, 'the last model is kept');

      await new Promise((r) => setTimeout(r, 1500)); // a little while down
      // while down, snapshots are asked for only by the loss itself and by the one backing-off retry timer
      const retries = reasons.filter((r) => r.startsWith('retry after')).map((r) => Number(/\d+/.exec(r)?.[0]));
      assert.deepEqual(retries, [1000, 2000, 5000, 10000, 30000].slice(0, retries.length), reasons.join(', '));
      assert.ok(reasons.every((r) => r === 'event stream lost' || r.startsWith('retry after')), reasons.join(', '));
      assert.ok(reasons.filter((r) => r === 'event stream lost').length <= 1, reasons.join(', '));

      await startOwnDockerd();
      const ms = await until('connected again', () => status().kind === 'connected', 45_000);
      console.log(`      connected again ${ms} ms after the daemon answered (${reasons.filter((r) => r !== 'event stream lost').join(', ')})`);
      assert.notEqual(conn.topology, model, 'a fresh snapshot');
    } finally {
      await conn.dispose();
    }
  });

  it('a daemon that hangs while connected: its quiet event stream is checked, the view goes stale, and comes back when the daemon resumes', async () => {
    if (dockerdPid() === null) await startOwnDockerd();
    const { conn, reasons } = sidebarConnection({ engineRequestMs: 2000, eventCheckMs: 1000 });
    let frozen = false;
    try {
      await conn.refresh();
      conn.start();
      const status = (): EngineStatus => conn.status;
      await until('connected', () => status().kind === 'connected', 10_000);
      await new Promise((r) => setTimeout(r, 1500)); // the stream is open and quiet

      freezeOwnDockerd();
      frozen = true;
      const ms = await until('stale', () => status().kind === 'stale', 15_000);
      console.log(`      stale ${ms} ms after the daemon froze: ${conn.lastError}`);
      assert.match(conn.lastError ?? '', /did not answer GET \/\S+ within 2 s/, 'the reason names the request that went unanswered');
      assert.ok(reasons.includes('event stream lost'), reasons.join(', '));

      thawOwnDockerd();
      frozen = false;
      const back = await until('connected again', () => status().kind === 'connected', 45_000);
      console.log(`      connected again ${back} ms after the daemon resumed (${reasons.join(', ')})`);
    } finally {
      if (frozen) thawOwnDockerd();
      await conn.dispose();
    }
  });

  it("keeps the engine's /info and /version only while its event stream holds: a restarted daemon is asked again", async () => {
    if (dockerdPid() === null) await startOwnDockerd();
    const session = createSession({ dockerHost: OWN.url, hostShell: 'none', timeouts: { engineRequestMs: 5000 }, env: {} });
    const states: string[] = [];
    let stop: (() => void) | null = null;
    try {
      // no event stream (the CLI): read every time
      await session.snapshot();
      const alone = await session.snapshot();
      assert.equal(alone.engine.keptSince, undefined, 'nobody hears the engine: asked again');
      assert.equal(alone.stats.apiCalls, 5);

      stop = session.onEvent(() => undefined, (state) => states.push(state));
      await until('stream connected', () => states.includes('connected'), 10_000);
      const read = await session.snapshot();
      assert.equal(read.engine.keptSince, undefined, 'read while the stream held');
      const kept = await session.snapshot();
      assert.ok(kept.engine.keptSince, 'kept the next time');
      assert.equal(kept.stats.apiCalls, 3, 'three list calls');
      assert.equal(kept.engine.version, read.engine.version);

      await killOwnDockerd();
      await until('stream lost', () => states.includes('reconnecting'), 10_000);
      await startOwnDockerd();
      await until('stream back', () => states.lastIndexOf('connected') > states.indexOf('reconnecting'), 30_000);
      const after = await session.snapshot();
      assert.equal(after.engine.keptSince, undefined, 'a restarted engine is asked who it is');
      assert.equal(after.stats.apiCalls, 5);
      assert.ok((await session.snapshot()).engine.keptSince, 'and kept again while its new stream holds');

      stop();
      stop = null;
      assert.equal((await session.snapshot()).engine.keptSince, undefined, 'no stream left: asked again');
    } finally {
      stop?.();
      await session.dispose();
    }
  });
});

