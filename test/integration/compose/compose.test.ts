/**
 * A real Compose project (Debian 12's docker-compose 1.29, the same com.docker.compose.* labels as
 * Compose v2) brought up on the real engine, read back through netlens (createSession → snapshot),
 * and its projects checked against what the engine and docker-compose say: services, the project's
 * own networks (one internal), the external network made beforehand, the published service.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type Session } from '../../../src/core/session';
import { composeProjects } from '../../../src/core/model/projects';
import type { ComposeProject, Topology } from '../../../src/core/model/types';
import { renderTopology } from '../../../src/cli/renderTopology';
import { docker, requireRealEngine } from '../../support/lab';
import { createComposeLab, dockerCompose, requireDockerCompose, type ComposeLab } from '../../support/composeLab';

const PROJECT = 'nlcompose';
const CLI = join(__dirname, '../../../../dist/cli.js');

describe('Compose projects on the real engine (docker-compose up)', function () {
  this.timeout(240_000);
  let lab: ComposeLab | undefined;
  let session: Session | undefined;
  let topo: Topology;
  let project: ComposeProject;

  before(async () => {
    requireRealEngine();
    requireDockerCompose();
    lab = await createComposeLab(PROJECT);
    session = createSession({ hostShell: 'local' });
    topo = await session.snapshot();
    const found = composeProjects(topo).find((p) => p.name === PROJECT);
    assert.ok(found, `project ${PROJECT} is in the model`);
    project = found;
  });

  after(async () => {
    await session?.dispose();
    lab?.remove();
  });

  const idsOf = (service: string): string[] =>
    docker('ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', `label=com.docker.compose.service=${service}`).split('\n').filter(Boolean);

  it("has the services docker-compose made, each with the containers the engine labels with it", () => {
    const listed = dockerCompose(lab!.dir, PROJECT, ['config', '--services']).split('\n').filter(Boolean).sort();
    assert.deepEqual(project.services.map((s) => s.name), listed);
    assert.deepEqual(listed, ['api', 'db', 'web']);
    for (const s of project.services) assert.deepEqual([...s.containerIds].sort(), idsOf(s.name).sort(), s.name);
    assert.equal(project.workingDir, lab!.dir);
  });

  it('has its own networks, back internal, and the external network marked external', () => {
    const own = project.networks.filter((n) => !n.external);
    assert.deepEqual(own.map((n) => n.name), [`${PROJECT}_back`, `${PROJECT}_front`]);
    for (const n of own) {
      assert.equal(n.id, docker('network', 'inspect', '-f', '{{.Id}}', n.name));
      assert.equal(n.internal, docker('network', 'inspect', '-f', '{{.Internal}}', n.name) === 'true', n.name);
      assert.equal(n.key, n.name.slice(`${PROJECT}_`.length));
    }
    assert.equal(own.find((n) => n.key === 'back')?.internal, true);
    const ext = project.networks.filter((n) => n.external);
    assert.deepEqual(ext.map((n) => n.name), [lab!.externalNetwork]);
    assert.deepEqual(ext[0]!.containerIds, idsOf('web'), 'web is the one service on the external network');
    // the engine agrees: the external network carries no Compose label
    assert.equal(docker('network', 'inspect', '-f', '{{index .Labels "com.docker.compose.project"}}', lab!.externalNetwork), '');
  });

  it("places each service's container on the networks of the Compose file", () => {
    const on = (service: string): string[] => project.networks.filter((n) => n.containerIds.includes(idsOf(service)[0]!)).map((n) => n.key ?? n.name).sort();
    assert.deepEqual(on('web'), ['front', lab!.externalNetwork].sort());
    assert.deepEqual(on('api'), ['back', 'front']);
    assert.deepEqual(on('db'), ['back']);
  });

  it('sees the published service: web on 127.0.0.1 with its DNAT rule', () => {
    const web = idsOf('web')[0]!;
    const pub = topo.publishes.find((p) => p.containerId === web && p.hostPort === lab!.webPort);
    assert.ok(pub, `web's publish on ${lab!.webPort} is in the model`);
    assert.equal(pub.hostIp, '127.0.0.1');
    assert.equal(pub.containerPort, 8080);
    assert.ok(pub.dnatRule, 'the DNAT rule is found');
    assert.match(pub.dnatRule.raw, new RegExp(`--dport ${lab!.webPort}\\b`));
  });

  it('says depends_on is unknown where docker-compose 1.29 wrote no label for it', () => {
    const api = project.services.find((s) => s.name === 'api')!;
    const labels = docker('inspect', '-f', '{{json .Config.Labels}}', api.containerIds[0]!);
    if (labels.includes('com.docker.compose.depends_on')) {
      assert.deepEqual(api.dependsOn, { known: true, value: ['db'] });
    } else {
      assert.equal(api.dependsOn.known, false);
      assert.ok(renderTopology(topo).split('\n').some((l) => l.startsWith('│  ├─ depends_on unknown: ')), 'the CLI says so');
    }
  });

  it('prints the project in the CLI tree: its networks under it, service names beside container names', () => {
    const text = renderTopology(topo);
    const lines = text.split('\n');
    const start = lines.indexOf('compose projects');
    assert.ok(start >= 0, 'the tree has a projects section');
    const block = lines.slice(start, lines.indexOf('', start));
    assert.ok(block.some((l) => l.startsWith(`├─ ${PROJECT} (`)), 'the project line');
    assert.ok(block.some((l) => l.startsWith(`│  ├─ ${PROJECT}_back (bridge`) && /\[internal\b/.test(l)), 'back under the project, internal');
    assert.ok(block.some((l) => new RegExp(`^│  │  ├─ api \\(${PROJECT}_api_1\\)  \\d+\\.\\d+\\.\\d+\\.\\d+  `).test(l)), 'api by its service name beside its container name');
    assert.ok(block.some((l) => l.startsWith(`│  ├─ ${lab!.externalNetwork} [external]  used by web`)), 'the external network marked');
    const outside = lines.slice(lines.indexOf('networks outside any project'));
    assert.ok(!outside.some((l) => l.startsWith(`├─ ${PROJECT}_front `)), 'the project network is not repeated outside');
    assert.ok(outside.some((l) => l.startsWith(`├─ ${lab!.externalNetwork} (bridge`) && l.endsWith(`external network of ${PROJECT}`)));
  });

  it('carries the projects in `netlens topology --json` (dist/cli.js)', function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
    const r = spawnSync('node', [CLI, 'topology', '--json'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout) as { projects: ComposeProject[] };
    const p = t.projects.find((x) => x.name === PROJECT);
    assert.ok(p);
    assert.deepEqual(p.services.map((s) => s.name), ['api', 'db', 'web']);
    assert.deepEqual(p.networks.map((n) => [n.name, n.external, n.internal]), [
      [`${PROJECT}_back`, false, true],
      [`${PROJECT}_front`, false, false],
      [lab!.externalNetwork, true, false],
    ]);
  });
});
