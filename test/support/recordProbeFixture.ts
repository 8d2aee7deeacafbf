/**
 * Records test/fixtures/trace/probe/: with the trace lab of test/integration/trace/traceLab.ts up,
 * a real snapshot, three traces and the `probe` batch section netlens runs for each (rule counters
 * before, the attempt, counters after) — delivered, refused by a missing listener, and one traced
 * before a DOCKER-USER drop rule was inserted (removed right after the capture). Run as root after compiling:
 *   node <outDir>/test/support/recordProbeFixture.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { composeBatch } from '../../src/core/host/batch';
import { createLocalShell } from '../../src/core/host/shell';
import { tracePacket } from '../../src/core/trace';
import { probeCommand, probePlan } from '../../src/core/trace/probe';
import { OUT_IP, OUT_NS, PUBLISHED, attempt, down, run, up } from '../integration/trace/traceLab';

const DELIMITER = 'NLBprobefixture0123456789';
const USER_RULE = ['DOCKER-USER', '-s', `${OUT_IP}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-m', 'comment', '--comment', 'nlt-probe-fixture', '-j', 'DROP'];
const dir = join(__dirname, '../../../test/fixtures/trace/probe');

async function main(): Promise<void> {
  const session = createSession({});
  const shell = createLocalShell();
  const removeRule = () => {
    while (attempt('iptables', ['-D', ...USER_RULE]).ok);
  };
  try {
    up();
    removeRule();
    const topology = await session.snapshot();
    const cases = {
      delivered: { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' as const },
      refused: { from: 'nlt-a2', to: 'nlt-a1:81', proto: 'tcp' as const },
      'rule-added-after': { from: `netns:${OUT_NS}`, to: `host:${PUBLISHED}`, proto: 'tcp' as const },
    };
    for (const [name, req] of Object.entries(cases)) {
      const result = tracePacket(topology, req);
      const plan = probePlan(topology, result);
      if (typeof plan === 'string') throw new Error(`${name}: ${plan}`);
      if (name === 'rule-added-after') run('iptables', ['-I', ...USER_RULE]);
      try {
        const out = await shell.run(composeBatch([probeCommand(plan)], DELIMITER));
        writeFileSync(join(dir, `${name}.batch.txt`), out.stdout);
      } finally {
        removeRule();
      }
      writeFileSync(join(dir, `${name}.trace.json`), `${JSON.stringify({ result, plan }, null, 1)}\n`);
    }
  } finally {
    removeRule();
    await shell.dispose();
    await session.dispose();
    down();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
