/**
 * Records test/fixtures/trace/listeners-lab.topology.json: a real createSession().snapshot() with
 * the listener lab up (listenerLab.ts, prefix nlk-). Run after compiling the tests:
 *   node <outDir>/test/support/recordListenersFixture.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { downListenerLab, upListenerLab, type ListenerLab } from './listenerLab';

async function main(): Promise<void> {
  let lab: ListenerLab | undefined;
  const session = createSession({});
  try {
    lab = await upListenerLab();
    const topo = await session.snapshot();
    const file = join(__dirname, '../../../test/fixtures/trace/listeners-lab.topology.json');
    writeFileSync(file, `${JSON.stringify(topo, null, 1)}\n`);
    console.log(`wrote ${file}: ${topo.containers.length} containers, host listeners known: ${topo.host?.listeners?.known}`);
  } finally {
    await session.dispose();
    downListenerLab(lab);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
