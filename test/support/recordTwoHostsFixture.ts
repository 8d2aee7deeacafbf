/**
 * Records test/fixtures/topology/two-hosts/: this machine's engine and a second one in a namespace
 * of its own (test/support/secondEngine.ts, joined by the veth /30 10.213.87.1 – 10.213.87.2, one
 * container on it), each read by its own shell, as severalHosts.test.ts reads them. Run as root:
 *   node <outDir>/test/support/recordTwoHostsFixture.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { IMAGE } from './lab';
import { startSecondEngine } from './secondEngine';

const NAME = 'nlmhfx';
const dir = join(__dirname, '../../../test/fixtures/topology/two-hosts');

async function main(): Promise<void> {
  const node2 = await startSecondEngine(NAME, '10.213.87.1', '10.213.87.2');
  try {
    node2.docker('run', '-d', '--name', `${NAME}-web`, IMAGE, 'sleep', '3600');
    const a = createSession({});
    const b = createSession({ dockerHost: node2.socket, localShell: { prefix: ['nsenter', `--net=/run/netns/${NAME}`] } });
    try {
      const [here, there] = await Promise.all([a.snapshot(), b.snapshot()]);
      writeFileSync(join(dir, 'here.json'), JSON.stringify(here));
      writeFileSync(join(dir, 'node2.json'), JSON.stringify(there));
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  } finally {
    node2.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
