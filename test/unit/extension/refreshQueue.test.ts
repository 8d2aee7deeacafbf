/** The refresh queue's scheduling: debounce of event bursts, no overlap, manual runs at once. */
import { strict as assert } from 'node:assert';
import { EVENT_DEBOUNCE_MS, PROGRESS_AFTER_MS, RefreshQueue } from '../../../src/extension/engines/refreshQueue';

/** An engine whose refresh takes `ms` and which records how many ran at once. */
function timedTarget(ms: number) {
  const t = { key: 'local', label: 'local', runs: 0, running: 0, maxRunning: 0, starts: [] as number[], wholes: [] as boolean[] };
  return Object.assign(t, {
    refresh: async (o: { readonly whole: boolean }) => {
      t.wholes.push(o.whole);
      t.runs++;
      t.running++;
      t.maxRunning = Math.max(t.maxRunning, t.running);
      t.starts.push(Date.now());
      await new Promise((r) => setTimeout(r, ms));
      t.running--;
    },
  });
}

describe('refresh queue', () => {
  it('folds a burst of events into one refresh that starts after the debounce', async () => {
    const target = timedTarget(20);
    const logs: string[] = [];
    const q = new RefreshQueue(() => target, (m) => logs.push(m));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => q.request('local', `event: container start c${i % 3}`, true)));
    assert.equal(target.runs, 1);
    const delay = target.starts[0]! - t0;
    assert.ok(delay >= EVENT_DEBOUNCE_MS - 5 && delay < EVENT_DEBOUNCE_MS + 100, `started after ${delay} ms`);
    assert.match(logs[0] ?? '', /^refresh local: event: container start c0; event: container start c1; event: container start c2$/);
    assert.deepEqual(target.wholes, [false], 'events alone let the engine re-read only what they changed');
    q.dispose();
  });

  it('never runs two refreshes of one engine at once; requests meanwhile make exactly one more', async () => {
    const target = timedTarget(80);
    const q = new RefreshQueue(() => target, () => undefined);
    const first = q.request('local', 'manual', false);
    await new Promise((r) => setTimeout(r, 10));
    const more = [q.request('local', 'event: network connect', true), q.request('local', 'manual', false), q.request('local', 'config', false)];
    await Promise.all([first, ...more]);
    assert.equal(target.runs, 2);
    assert.equal(target.maxRunning, 1);
    assert.ok(target.starts[1]! - target.starts[0]! >= 75, 'the second began after the first ended');
    assert.deepEqual(target.wholes, [true, true], 'a manual or config request among events reads everything');
    q.dispose();
  });

  it('runs a manual refresh at once and shows progress only when it is slow', async () => {
    const fast = timedTarget(10);
    const slow = timedTarget(PROGRESS_AFTER_MS + 150);
    const shown: string[] = [];
    const q = new RefreshQueue((k) => (k === 'slow' ? Object.assign(slow, { key: 'slow', label: 'slow' }) : fast), () => undefined, (title) => shown.push(title));
    const t0 = Date.now();
    await q.request('local', 'manual', false);
    assert.ok(fast.starts[0]! - t0 < 15, 'no debounce for a manual refresh');
    await q.request('slow', 'manual', false);
    assert.deepEqual(shown, ['netlens: reading slow']);
    q.dispose();
  });
});
