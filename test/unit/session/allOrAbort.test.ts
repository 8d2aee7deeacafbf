/** allOrAbort, on which a snapshot's engine and host sides cancel each other (for real: test/integration/session/snapshotCancel.test.ts). */
import { strict as assert } from 'node:assert';
import { allOrAbort } from '../../../src/core/abort';

describe('abort: all or none', () => {
  it('the first part to fail cancels the others and is the error thrown', async () => {
    const cancelled: string[] = [];
    const waitForAbort = (name: string) => (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => {
          cancelled.push(name);
          reject(new Error(`${name} cancelled`));
        }),
      );
    await assert.rejects(
      allOrAbort<[never, never, never]>(undefined, [waitForAbort('engine'), async () => Promise.reject(new Error('host side broke')), waitForAbort('other')]),
      /host side broke/,
    );
    assert.deepEqual(cancelled.sort(), ['engine', 'other']);
  });

  it("the caller's signal cancels every part", async () => {
    const ac = new AbortController();
    const parts = [0, 1].map(() => (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))));
    const all = allOrAbort<[never, never]>(ac.signal, parts as never);
    ac.abort();
    await assert.rejects(all, /cancelled/);
  });
});
