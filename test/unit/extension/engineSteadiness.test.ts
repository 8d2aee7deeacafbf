/**
 * The extension's engine connections under churn, with sessions of the test's own: two settings
 * written in a row start one connection per engine (one event stream), and an engine that is down
 * is retried by one backing-off timer — not once more for every failed event-stream reconnect —
 * and recovers by itself as soon as its event stream is back.
 */
import { strict as assert } from 'node:assert';
import type { EngineEvent } from '../../../src/core/docker/types';
import { NetlensError } from '../../../src/core/errors';
import type { Topology } from '../../../src/core/model/types';
import type { Session, SessionOptions, SnapshotOptions } from '../../../src/core/session';
import { parseEventLine } from '../../../src/core/docker/eventLines';
import { fixtureText } from '../../support/engineReplayServer';
import { EngineConnection, type EngineConnectionHooks } from '../../../src/extension/engines/engineConnection';
import { EngineSet } from '../../../src/extension/engines/engineSet';
import { engineSpecs } from '../../../src/extension/engines/engineSpecs';
import type { EngineStatus } from '../../../src/extension/engines/engineStatus';

type StreamState = (state: 'connected' | 'reconnecting', error?: string) => void;

interface FakeEngine {
  sessions: number;
  /** event subscriptions not yet stopped */
  readonly streams: Set<StreamState>;
  snapshots: number;
  /** what each snapshot was asked to re-read (SnapshotOptions.changedContainers; undefined: everything) */
  readonly asked: Array<readonly string[] | undefined>;
  /** the last event subscriber */
  listener?: (e: EngineEvent) => void;
  up: boolean;
  createSession(opts: SessionOptions): Session;
}

const topology = { networks: [], containers: [], gaps: [], stats: { collectMs: 1 } } as unknown as Topology;

function fakeEngine(): FakeEngine {
  const engine: FakeEngine = {
    sessions: 0,
    streams: new Set(),
    snapshots: 0,
    asked: [],
    up: true,
    createSession: () => {
      engine.sessions++;
      return {
        description: 'fake',
        snapshot: async (_signal?: AbortSignal, options?: SnapshotOptions) => {
          engine.snapshots++;
          engine.asked.push(options?.changedContainers);
          if (!engine.up) throw new NetlensError('ENGINE_TIMEOUT', 'The Docker engine did not answer GET /info within 10 s', 'unix:///fake.sock');
          return topology;
        },
        readListeners: async () => assert.fail('not used'),
        readContainerNat: async () => assert.fail('not used'),
        verifyTrace: async () => assert.fail('not used'),
        probeTrace: async () => assert.fail('not used'),
        ruleCounters: async () => assert.fail('not used'),
        storage: async () => assert.fail('not used'),
        diff: async () => assert.fail('not used'),
        inspectRaw: async () => assert.fail('not used'),
        onEvent: (listener: (e: EngineEvent) => void, onState?: StreamState) => {
          engine.listener = listener;
          const s = onState ?? (() => undefined);
          engine.streams.add(s);
          return () => engine.streams.delete(s);
        },
        dispose: async () => undefined,
      };
    },
  };
  return engine;
}

const spec = (host: string) => engineSpecs({ host }, [], { hostShell: 'none', ssh: {} }).specs[0]!;
/** (read through a function: TypeScript keeps the narrowing of an earlier assert otherwise) */
const kindOf = (c: EngineConnection): string => (c.status as EngineStatus).kind;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('extension: engine connections under churn', function () {
  this.timeout(20_000);

  it('two settings written in a row start one connection, not two event streams', async () => {
    const engine = fakeEngine();
    const hooks: EngineConnectionHooks = { createSession: (o) => engine.createSession(o), log: () => undefined, changed: () => undefined, wantsRefresh: () => undefined };
    const set = new EngineSet((s) => new EngineConnection(s, hooks));
    await set.replace([spec('unix:///first.sock')]);
    assert.equal(engine.streams.size, 1);
    // "Choose Docker engine" writes engine.context, then engine.host: each write reconnects
    const first = set.replace([spec('unix:///a.sock')]);
    const second = set.replace([spec('unix:///b.sock')]);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a, undefined, 'the superseded replace starts nothing');
    assert.equal(b?.length, 1);
    assert.equal(engine.streams.size, 1, 'exactly one event stream is open');
    assert.equal(set.connections[0]?.spec.options.dockerHost, 'unix:///b.sock');
    // starting again is a no-op
    set.connections[0]?.start();
    assert.equal(engine.streams.size, 1);
    await set.dispose();
    assert.equal(engine.streams.size, 0);
  });

  it('an engine that is down is retried with backoff only, and a stream coming back recovers it at once', async () => {
    const engine = fakeEngine();
    const reasons: string[] = [];
    let conn!: EngineConnection;
    conn = new EngineConnection(spec('unix:///fake.sock'), {
      createSession: (o) => engine.createSession(o),
      log: () => undefined,
      changed: () => undefined,
      wantsRefresh: (reason) => {
        reasons.push(reason);
        void conn.refresh();
      },
    });
    try {
      await conn.refresh();
      conn.start();
      assert.equal(conn.status.kind, 'connected');
      const [stream] = [...engine.streams];
      assert.ok(stream);

      // the engine goes away; the event stream keeps failing its reconnects, fast
      engine.up = false;
      let flaps = 0;
      const flapping = setInterval(() => {
        flaps++;
        stream!('reconnecting', 'the engine did not open GET /events within 10 s');
      }, 20);
      const deadline = Date.now() + 15_000;
      while (!reasons.includes('retry after 2000 ms') && Date.now() < deadline) await tick(20);
      clearInterval(flapping);
      assert.equal(conn.status.kind, 'stale');
      assert.match(conn.lastError ?? '', /did not answer GET \/info/);
      // one attempt for the loss, then the retry timer (1 s, then 2 s) — not one per failed stream reconnect
      assert.ok(flaps > 20, `the stream failed ${flaps} times meanwhile`);
      assert.deepEqual(reasons, ['event stream lost', 'retry after 1000 ms', 'retry after 2000 ms']);
      assert.equal(engine.snapshots, 1 + reasons.length);

      // the engine answers again: the stream reconnects and the view follows without waiting for the next retry
      engine.up = true;
      stream!('connected');
      await tick(50);
      assert.equal(reasons.at(-1), 'reconnect: event stream back');
      assert.equal(kindOf(conn), 'connected');
      assert.equal((conn as unknown as { retryTimer?: unknown }).retryTimer, undefined, 'no retry left pending once connected');
    } finally {
      await conn.dispose();
    }
  });

  it('after engine events, a snapshot re-reads only the containers they name; anything else reads everything', async () => {
    const engine = fakeEngine();
    const conn = new EngineConnection(spec('unix:///fake.sock'), { createSession: (o) => engine.createSession(o), log: () => undefined, changed: () => undefined, wantsRefresh: () => undefined });
    try {
      conn.start();
      await conn.refresh();
      // the recorded stream: containers created and started on docker0, then on a user network
      const recorded = fixtureText('events.jsonl').split('\n').filter((l) => l.trim()).map((l) => parseEventLine(l).event);
      const firstNetworkCreate = recorded.findIndex((e) => e.type === 'network' && e.action === 'create');
      assert.ok(firstNetworkCreate > 3, 'the recording starts with containers on an existing network');
      const containerEvents = recorded.slice(0, firstNetworkCreate);
      for (const e of containerEvents) engine.listener!(e);
      await conn.refresh({ whole: false });
      const named = new Set(containerEvents.map((e) => (e.type === 'container' ? e.id : e.attributes['container'])).filter((id): id is string => !!id));
      assert.deepEqual(new Set(engine.asked.at(-1)), named, 'container and connect events name the containers to re-read');
      await conn.refresh({ whole: false });
      assert.deepEqual(engine.asked.at(-1), [], 'nothing happened since: nothing to re-read');
      engine.listener!(recorded[firstNetworkCreate]!);
      await conn.refresh({ whole: false });
      assert.equal(engine.asked.at(-1), undefined, 'a network made brings a bridge and its route: everything is read');
      engine.listener!(containerEvents[0]!);
      await conn.refresh();
      assert.equal(engine.asked.at(-1), undefined, 'a refresh not after events (manual, startup, retry) reads everything');
      assert.equal(engine.asked[0], undefined, 'and so does the first');
    } finally {
      await conn.dispose();
    }
  });
});
