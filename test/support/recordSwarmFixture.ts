/**
 * Records test/fixtures/topology/swarm-two-nodes/: the two-node Swarm of test/support/swarmLab.ts
 * (manager nlswm1 at 10.213.95.1, worker nlswm2 at 10.213.95.2, one veth between them; an
 * attachable overlay with a container on each node and a global service published through the
 * ingress mesh). For each node: its snapshot as swarmTwoNodes.test.ts takes it (the node's own host
 * shell), and the docker-netns batch section as that shell returned it (the parser's unit test).
 * Everything is removed afterwards, also on failure. Run as root after compiling the tests:
 *   node out/test/support/recordSwarmFixture.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { createLocalShell } from '../../src/core/host/shell';
import { runBatch } from '../../src/core/host/batch';
import { dockerNetnsCommand } from '../../src/core/host/commands/dockerNetns';
import { startSwarmLab } from './swarmLab';

const dir = join(__dirname, '../../../test/fixtures/topology/swarm-two-nodes');

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const lab = await startSwarmLab();
  try {
    for (const n of lab.nodes) {
      const s = createSession({ dockerHost: n.socket, localShell: { prefix: n.enter } });
      const shell = createLocalShell({ prefix: n.enter });
      try {
        const topology = await s.snapshot();
        const dockerNetnsSection = (await runBatch(shell, [dockerNetnsCommand])).sections.get(dockerNetnsCommand.name);
        writeFileSync(join(dir, `${n.name}.json`), JSON.stringify({ node: { name: n.name, address: n.address, netnsDir: n.netnsDir }, lab: { network: lab.network, containers: lab.containers, service: lab.service }, topology, dockerNetnsSection }));
      } finally {
        await Promise.all([s.dispose(), shell.dispose()]);
      }
    }
  } finally {
    lab.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
