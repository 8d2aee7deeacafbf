/**
 * Records the overlay fixture the model unit tests replay: starts the overlay lab (a single-node
 * swarm, prefix nlo-), collects engine facts and host facts exactly as a snapshot does, takes a real
 * `createSession().snapshot()`, and saves `docker network inspect` of the overlay, ingress and
 * docker_gwbridge as the engine printed it, and the raw docker-netns batch section; then leaves the swarm and removes everything, also on
 * failure. Only the lab's objects and the swarm's own networks are kept. Run after compiling tests:
 *   node out/test/support/recordOverlayFixture.js
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEngineEndpoint } from '../../src/core/docker/connection';
import { createDockerClient } from '../../src/core/docker/client';
import { collectEngineFacts } from '../../src/core/docker/engine';
import { ContainerDetailsCache } from '../../src/core/docker/containerDetails';
import { createLocalShell } from '../../src/core/host/shell';
import { collectHostFacts } from '../../src/core/host/collect';
import { composeBatch, runBatch } from '../../src/core/host/batch';
import { dockerNetnsCommand } from '../../src/core/host/commands/dockerNetns';
import { createSession } from '../../src/core/session';
import { known } from '../../src/core/known';
import { docker } from './lab';
import { createOverlayLab, swarmState } from './overlayLab';

const P = 'nlo-';
const SWARM_NETWORKS = ['ingress', 'docker_gwbridge', 'bridge', 'host', 'none'];
const dir = join(__dirname, '../../../test/fixtures/overlay');
/** the delimiter of test/fixtures/host/batch-*.txt, so these sections can be appended there */
const HOST_FIXTURE_DELIMITER = 'NLBfixture0123456789abcdef';

/** The docker-netns section alone, run by `sh -s` as collect.ts runs it: with the real PATH and with one lacking nsenter. */
function recordRawSections(): void {
  const script = composeBatch([dockerNetnsCommand], HOST_FIXTURE_DELIMITER);
  writeFileSync(join(dir, 'batch-docker-netns.txt'), execFileSync('sh', ['-s'], { input: script }));
  const bin = mkdtempSync('/tmp/nlo-bin-');
  try {
    for (const tool of ['sh', 'ip', 'cat']) symlinkSync(execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).toString().trim(), join(bin, tool));
    writeFileSync(join(dir, 'batch-docker-netns-no-nsenter.txt'), execFileSync('sh', ['-s'], { input: script, env: { PATH: bin } }));
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const lab = createOverlayLab(P);
  const shell = createLocalShell();
  const session = createSession({ hostShell: 'local' });
  try {
    const endpoint = resolveEngineEndpoint({ env: process.env });
    const client = createDockerClient(endpoint);
    const listed = await collectEngineFacts(client, endpoint);
    const enriched = await new ContainerDetailsCache(client).enrich(listed.containers);
    const ours = enriched.containers.filter((c) => c.name.startsWith(P));
    const keepNetwork = (name: string): boolean => name.startsWith(P) || SWARM_NETWORKS.includes(name);
    const engine = {
      ...listed,
      containers: ours,
      networks: listed.networks.filter((n) => keepNetwork(n.name)),
      volumes: listed.volumes.filter((v) => v.name.startsWith(P)),
    };
    const host = await collectHostFacts(shell);
    const ids = new Set(ours.map((c) => c.id));
    const containerNetns = host.containerNetns.known
      ? known(Object.fromEntries(Object.entries(host.containerNetns.value).filter(([id]) => ids.has(id))))
      : host.containerNetns;
    // the docker-netns section as the shell returned it, for the parser's own unit test
    const dockerNetnsSection = (await runBatch(shell, [dockerNetnsCommand])).sections.get(dockerNetnsCommand.name);
    const snapshot = await session.snapshot();
    const topology = {
      ...snapshot,
      networks: snapshot.networks.filter((n) => keepNetwork(n.name)).map((n) => ({ ...n, endpoints: n.endpoints.filter((e) => ids.has(e.containerId)) })),
      containers: snapshot.containers.filter((c) => ids.has(c.id)),
      publishes: snapshot.publishes.filter((p) => ids.has(p.containerId)),
      // other engineers' containers share the engine: keep only gaps about ours or about no container
      gaps: snapshot.gaps.filter((g) => !/^(container|publish) /.test(g.subject) || g.subject.includes(` ${P}`)),
    };
    recordRawSections();
    const networkInspect = JSON.parse(docker('network', 'inspect', lab.network, 'ingress', 'docker_gwbridge')) as unknown;
    const recorded = { recorded: new Date().toISOString(), prefix: P, network: lab.network, engine, host: { ...host, containerNetns }, networkInspect, dockerNetnsSection };
    writeFileSync(join(dir, 'swarm-overlay.json'), `${JSON.stringify(recorded, null, 1)}\n`);
    writeFileSync(join(dir, 'swarm-overlay.topology.json'), `${JSON.stringify(topology, null, 1)}\n`);
    console.log(`wrote ${dir}: ${ours.length} containers, ${engine.networks.length} networks, ${host.dockerNetns?.known ? host.dockerNetns.value.length : '?'} docker netns`);
  } finally {
    await session.dispose();
    await shell.dispose();
    lab.remove();
    console.log(`swarm state after cleanup: ${swarmState()}`);
    // Right after the leave the namespace files remain until Docker's sandbox GC, and nsenter refuses them.
    const after = createLocalShell();
    const section = (await runBatch(after, [dockerNetnsCommand])).sections.get(dockerNetnsCommand.name);
    await after.dispose();
    writeFileSync(join(dir, 'after-leave.docker-netns-section.json'), `${JSON.stringify({ recorded: new Date().toISOString(), section }, null, 1)}\n`);
    console.log(`after leave: ${section?.parts.filter((p) => p.name.startsWith('ns:')).length ?? 0} namespace files still listed`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
