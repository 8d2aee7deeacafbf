/** The docker-netns batch section run for real on this host (its parsing: test/unit/host/dockerNetns.test.ts). */
import { strict as assert } from 'node:assert';
import { parseDockerNetns, dockerNetnsCommand } from '../../../src/core/host/commands/dockerNetns';
import { runBatch } from '../../../src/core/host/batch';
import { createLocalShell } from '../../../src/core/host/shell';

describe('host: Docker namespaces (/var/run/docker/netns) read by the real shell', () => {
  it('answers a known list on this host: no container sandboxes, no `default`', async () => {
    const shell = createLocalShell();
    try {
      const run = await runBatch(shell, [dockerNetnsCommand]);
      const s = run.sections.get('docker-netns')!;
      assert.equal(s.code, 0, s.stderr);
      for (const n of parseDockerNetns(s)) assert.ok(!/^[0-9a-f]{12}$/.test(n.name) && n.name !== 'default');
    } finally {
      await shell.dispose();
    }
  });
});
