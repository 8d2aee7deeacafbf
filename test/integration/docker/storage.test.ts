/**
 * Per-container storage and diff on the real engine: the GraphDriver directories exist on disk and
 * `getContainerDiff` agrees with `docker diff`.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { getContainerDiff, getContainerStorage, inspectRaw } from '../../../src/core/docker/storage';
import { NetlensError } from '../../../src/core/errors';
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';
import { inspect } from './engineLab';

const NAME = 'nld-st-box';

describe('docker/storage on the real engine', function () {
  this.timeout(60_000);
  const endpoint = resolveEngineEndpoint({ env: { HOME: '/nonexistent-nld-home' } });
  const client = createDockerClient(endpoint);

  before(() => {
    requireRealEngine();
    removeLab('nld-st-');
    docker('run', '-d', '--name', NAME, IMAGE, 'sleep', '3600');
  });
  after(() => removeLab('nld-st-'));

  it('gives overlay2 layer directories that exist on disk, and pid/sandbox key of inspect', async () => {
    const s = await getContainerStorage(client, NAME);
    const truth = inspect<{ Id: string; State: { Pid: number }; NetworkSettings: { SandboxKey: string }; GraphDriver: { Name: string; Data: Record<string, string> } }>(
      'inspect',
      NAME,
    );
    assert.equal(s.containerId, truth.Id);
    assert.equal(s.driver, truth.GraphDriver.Name);
    assert.equal(s.unavailableReason, null);
    assert.ok(s.lowerDirs.length >= 1);
    assert.equal(s.lowerDirs.join(':'), truth.GraphDriver.Data.LowerDir);
    for (const d of [...s.lowerDirs, s.upperDir, s.mergedDir, s.workDir]) {
      assert.ok(d && existsSync(d), `${d} exists on disk`);
    }
    assert.ok(existsSync(`${s.mergedDir}/www/index.html`), 'the merged view shows the image files');
    assert.equal(s.pid, truth.State.Pid);
    assert.equal(s.sandboxKey, truth.NetworkSettings.SandboxKey);
  });

  it('shows A /newfile after docker exec touch, exactly as docker diff does', async () => {
    docker('exec', NAME, 'touch', '/newfile');
    docker('exec', NAME, 'rm', '/bin/ls');
    const ours = await getContainerDiff(client, NAME);
    assert.ok(ours.some((c) => c.kind === 'A' && c.path === '/newfile'));
    assert.ok(ours.some((c) => c.kind === 'D' && c.path === '/bin/ls'));
    const truth = docker('diff', NAME).split('\n').filter(Boolean).sort();
    assert.deepEqual(ours.map((c) => `${c.kind} ${c.path}`).sort(), truth);
    const s = await getContainerStorage(client, NAME);
    assert.ok(existsSync(`${s.upperDir}/newfile`), 'the added file sits in UpperDir');
  });

  it('returns raw inspect JSON and NOT_FOUND for a missing container', async () => {
    const raw = (await inspectRaw(client, 'container', NAME)) as { Id: string };
    assert.equal(raw.Id, inspect<{ Id: string }>('inspect', NAME).Id);
    await assert.rejects(getContainerDiff(client, 'nld-st-absent'), (e: unknown) => e instanceof NetlensError && e.code === 'NOT_FOUND');
  });
});
