/**
 * A snapshot is engine side and host side at once; when one fails the other is cancelled. Here the
 * engine is a socket of the test's own that never answers and the host batch stalls in a fake
 * `ip` (so the batch is surely still running when the engine gives up): the snapshot fails with
 * the engine's timeout and the stalled batch is killed with it. Disposing a session does the same
 * to whatever it still has running.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { createSession } from '../../../src/core/session';
import { startHungSocket, uniqueSeconds, waitUntilGone, waitUntilRunning, type HungSocket } from '../../support/faults';

describe('session: a failed snapshot leaves nothing running', function () {
  this.timeout(30_000);
  let hung: HungSocket;
  let dir: string;
  let n: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    hung = await startHungSocket();
    dir = mkdtempSync(join(tmpdir(), 'nls-snap-'));
    n = uniqueSeconds();
    // `ip` of the host batch stalls; everything else is the real host's
    writeFileSync(join(dir, 'ip'), `#!/bin/sh\nexec sleep ${n}\n`);
    chmodSync(join(dir, 'ip'), 0o755);
    env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  });
  afterEach(async () => {
    await hung.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the engine timing out kills the host batch that is still running', async () => {
    const session = createSession({
      dockerHost: hung.url,
      hostShell: 'local',
      localShell: { env },
      timeouts: { engineRequestMs: 1500, hostBatchMs: 60_000 },
      env: {},
    });
    try {
      const snapshot = session.snapshot();
      await waitUntilRunning(`sleep ${n}`, 5000);
      await assert.rejects(snapshot, (e: unknown) => {
        assert.ok(e instanceof NetlensError, String(e));
        assert.equal(e.code, 'ENGINE_TIMEOUT', e.message);
        assert.match(e.message, /within 1\.5 s/);
        return true;
      });
      assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), [], 'the stalled host command was killed with the snapshot');
    } finally {
      await session.dispose();
    }
  });

  it('dispose() cancels a snapshot in flight: engine requests and host batch alike', async () => {
    const session = createSession({ dockerHost: hung.url, hostShell: 'local', localShell: { env }, timeouts: { engineRequestMs: 60_000 }, env: {} });
    const snapshot = session.snapshot();
    await waitUntilRunning(`sleep ${n}`, 5000);
    await session.dispose();
    await assert.rejects(snapshot);
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
    const deadline = Date.now() + 3000;
    while (hung.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(hung.open, 0, 'no engine request is left open');
  });
});
