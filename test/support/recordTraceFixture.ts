/**
 * Records test/fixtures/trace/lab-20.10.topology.json: a real createSession().snapshot() with the
 * trace lab of test/integration/trace/traceLab.ts up, plus the two DOCKER-USER rules the unit tests
 * need (an outside-udp drop, and a rule with a module netlens does not evaluate), inserted for the
 * capture and removed right after. Run as root on Engine 20.10 after compiling the tests:
 *   node <outDir>/test/support/recordTraceFixture.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { attempt, down, run, up } from '../integration/trace/traceLab';

const FIXTURE_RULES = [
  ['DOCKER-USER', '-s', '10.213.99.2/32', '-p', 'udp', '-m', 'comment', '--comment', 'nlt fixture: outside udp blocked', '-j', 'DROP'],
  ['DOCKER-USER', '-d', '10.213.21.2/32', '-p', 'tcp', '-m', 'length', '--length', '1:65535', '-m', 'comment', '--comment', 'nlt fixture: unknown module', '-j', 'DROP'],
];

function removeRules(): void {
  for (const r of FIXTURE_RULES) while (attempt('iptables', ['-D', ...r]).ok);
}

async function main(): Promise<void> {
  const session = createSession({});
  try {
    up();
    removeRules();
    // each goes on top: the last inserted is rule 1 (the unknown module), the udp drop rule 2
    for (const r of FIXTURE_RULES) run('iptables', ['-I', ...r]);
    const topo = await session.snapshot();
    removeRules();
    const file = join(__dirname, '../../../test/fixtures/trace/lab-20.10.topology.json');
    writeFileSync(file, `${JSON.stringify(topo, null, 1)}\n`);
    console.log(`wrote ${file}: engine ${topo.engine.version}, ${topo.containers.length} containers, host listeners known: ${topo.host?.listeners?.known}`);
  } finally {
    removeRules();
    await session.dispose();
    down();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
