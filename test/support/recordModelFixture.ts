/**
 * Records the facts the model unit tests replay: builds the seed lab (prefix nlr-) on the real
 * engine, collects engine facts (list calls + the cached inspect details) and host facts (one shell
 * round trip) exactly as a snapshot does, keeps the lab's own containers and networks plus the
 * built-in ones, and writes test/fixtures/model/seed-lab.json. Run after `npm run compile-tests`:
 *   node out/test/support/recordModelFixture.js
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEngineEndpoint } from '../../src/core/docker/connection';
import { createDockerClient } from '../../src/core/docker/client';
import { collectEngineFacts } from '../../src/core/docker/engine';
import { ContainerDetailsCache } from '../../src/core/docker/containerDetails';
import { createLocalShell } from '../../src/core/host/shell';
import { collectHostFacts } from '../../src/core/host/collect';
import { known } from '../../src/core/known';
import { createSeedLab } from './seedLab';

const P = 'nlr-';

async function main(): Promise<void> {
  const lab = await createSeedLab(P);
  const shell = createLocalShell();
  try {
    const endpoint = resolveEngineEndpoint({ env: process.env });
    const docker = createDockerClient(endpoint);
    const listed = await collectEngineFacts(docker, endpoint);
    const enriched = await new ContainerDetailsCache(docker).enrich(listed.containers);
    const ours = enriched.containers.filter((c) => c.name.startsWith(P));
    const engine = {
      ...listed,
      containers: ours,
      networks: listed.networks.filter((n) => n.name.startsWith(P) || ['bridge', 'host', 'none'].includes(n.name)),
      volumes: listed.volumes.filter((v) => v.name.startsWith(P)),
    };
    const host = await collectHostFacts(shell);
    const ids = new Set(ours.map((c) => c.id));
    const netns = host.containerNetns.known
      ? known(Object.fromEntries(Object.entries(host.containerNetns.value).filter(([id]) => ids.has(id))))
      : host.containerNetns;
    const dir = join(__dirname, '../../../test/fixtures/model');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'seed-lab.json');
    const recorded = { recorded: new Date().toISOString(), prefix: P, ports: lab.ports, bindDir: lab.bindDir, engine, host: { ...host, containerNetns: netns } };
    writeFileSync(file, `${JSON.stringify(recorded, null, 1)}\n`);
    console.log(`wrote ${file}: ${ours.length} containers, ${engine.networks.length} networks`);
  } finally {
    await shell.dispose();
    lab.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
