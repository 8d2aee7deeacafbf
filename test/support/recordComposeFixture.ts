/**
 * Records the facts the Compose unit tests replay: brings up the Compose lab (project nlcrec) with
 * Debian 12's docker-compose (or, with `v2`, Compose v2 fetched by scripts/lab/compose-v2.sh) on
 * the real engine, collects engine facts exactly as a snapshot does (list calls + the cached
 * inspect details), keeps the project's containers, its networks, the external one and the
 * built-in ones, and writes test/fixtures/model/compose-project.json (compose-project-v2.json).
 * Run after `npx tsc -p tsconfig.test.json`:
 *   flock /tmp/netlens-engine.lock node out/test/support/recordComposeFixture.js [v2]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEngineEndpoint } from '../../src/core/docker/connection';
import { createDockerClient } from '../../src/core/docker/client';
import { collectEngineFacts } from '../../src/core/docker/engine';
import { ContainerDetailsCache } from '../../src/core/docker/containerDetails';
import { COMPOSE_V1, createComposeLab } from './composeLab';

const PROJECT = 'nlcrec';
const REPO = join(__dirname, '../../..');

/** Compose v2's binary, fetched into .cache/ (the script fails with why when it cannot). */
function composeV2(): string {
  const out = execFileSync('bash', [join(REPO, 'scripts/lab/compose-v2.sh')], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n');
  return out[out.length - 1]!;
}

async function main(): Promise<void> {
  const v2 = process.argv[2] === 'v2';
  const compose = v2 ? composeV2() : COMPOSE_V1;
  const lab = await createComposeLab(PROJECT, compose);
  try {
    const endpoint = resolveEngineEndpoint({ env: process.env });
    const docker = createDockerClient(endpoint);
    const listed = await collectEngineFacts(docker, endpoint);
    const enriched = await new ContainerDetailsCache(docker).enrich(listed.containers);
    const ours = enriched.containers.filter((c) => c.name.startsWith(PROJECT));
    const engine = {
      ...listed,
      containers: ours,
      networks: listed.networks.filter((n) => n.name.startsWith(PROJECT) || ['bridge', 'host', 'none'].includes(n.name)),
      volumes: listed.volumes.filter((v) => v.name.startsWith(PROJECT)),
    };
    const dir = join(__dirname, '../../../test/fixtures/model');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, v2 ? 'compose-project-v2.json' : 'compose-project.json');
    const recorded = {
      recorded: new Date().toISOString(),
      composeVersion: execFileSync(compose, ['version', '--short'], { encoding: 'utf8', timeout: 30_000 }).trim(),
      project: PROJECT,
      externalNetwork: lab.externalNetwork,
      webPort: lab.webPort,
      engine,
    };
    writeFileSync(file, `${JSON.stringify(recorded, null, 1)}\n`);
    console.log(`wrote ${file}: ${ours.length} containers, ${engine.networks.length} networks`);
  } finally {
    lab.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
