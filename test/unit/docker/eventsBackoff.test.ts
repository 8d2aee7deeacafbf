/**
 * watchEngineEvents against a local socket that answers /events and hangs up at once (an engine
 * that keeps dropping the stream): the retries back off exponentially up to the cap, and stop()
 * ends them — the test process exits with nothing left running.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { watchEngineEvents } from '../../../src/core/docker/events';
import { fixtureText } from '../../support/engineReplayServer';
import type { EngineEvent } from '../../../src/core/docker/types';

describe('docker/events: reconnect backoff', () => {
  it('retries at 100, 200, 400, 400 ms, resumes with since, and stops', async function () {
    this.timeout(15_000);
    const dir = mkdtempSync(join(tmpdir(), 'nld-evb-'));
    const socketPath = join(dir, 'engine.sock');
    const arrivals: { at: number; url: string }[] = [];
    const firstLine = fixtureText('events.jsonl').split('\n')[0] ?? '';
    const server = createServer((req, res) => {
      arrivals.push({ at: Date.now(), url: req.url ?? '' });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // The first stream delivers one recorded event, every stream then ends.
      res.end(arrivals.length === 1 ? `${firstLine}\n` : '');
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    const events: EngineEvent[] = [];
    const states: string[] = [];
    const stop = watchEngineEvents(
      createDockerClient({ kind: 'unix', url: `unix://${socketPath}`, source: 'test', socketPath }),
      (e) => events.push(e),
      (s) => states.push(s),
      { initialDelayMs: 100, maxDelayMs: 400 },
    );
    try {
      while (arrivals.length < 6) await new Promise((r) => setTimeout(r, 20));
      stop();
      const gaps = arrivals.slice(1).map((a, i) => a.at - (arrivals[i]?.at ?? 0));
      const expected = [100, 200, 400, 400, 400];
      gaps.slice(0, 5).forEach((g, i) => {
        const want = expected[i] ?? 0;
        assert.ok(g >= want - 10 && g < want + 500, `gap ${i} was ${g} ms, expected about ${want}`);
      });
      assert.equal(events.length, 1);
      assert.ok(!/since=/.test(arrivals[0]?.url ?? ''), 'the first request asks for new events only');
      const nano = /"timeNano":(\d+)/.exec(firstLine)?.[1] ?? '';
      assert.ok(decodeURIComponent(arrivals[1]?.url ?? '').includes(`since=${nano.slice(0, -9)}.${nano.slice(-9)}`), arrivals[1]?.url);
      assert.ok(states.includes('connected') && states.includes('reconnecting'));
      const count = arrivals.length;
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(arrivals.length, count, 'no request after stop()');
    } finally {
      stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
