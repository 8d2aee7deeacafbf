/**
 * Compose projects derived from the labels docker-compose 1.29.2 wrote on a real project
 * (test/fixtures/model/compose-project.json, recorded by test/support/recordComposeFixture.ts from
 * the lab in test/support/composeLab.ts: web published, api depends_on db, back internal, an
 * external network made beforehand).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology } from '../../../src/core/model/build';
import { composeMembership, composeProjects, parseDependsOn } from '../../../src/core/model/projects';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';

interface Recorded {
  composeVersion: string;
  project: string;
  externalNetwork: string;
  webPort: number;
  engine: EngineFacts;
}

const rec = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/compose-project.json'), 'utf8')) as Recorded;
const topo: Topology = buildTopology({ engine: rec.engine, host: null, ipv4Rules: null, ipv6Rules: null });
const P = rec.project;

describe('model: Compose projects from recorded docker-compose labels', () => {
  const projects = composeProjects(topo);

  it('finds the one project, and no project for the built-in networks', () => {
    assert.equal(rec.composeVersion, '1.29.2');
    assert.deepEqual(projects.map((p) => p.name), [P]);
    for (const name of ['bridge', 'host', 'none']) assert.ok(!projects[0]!.networks.some((n) => n.name === name), name);
  });

  it('groups each container under the service its label names, with the container ids of the engine', () => {
    const p = projects[0]!;
    assert.deepEqual(p.services.map((s) => s.name), ['api', 'db', 'web']);
    for (const s of p.services) {
      const expected = rec.engine.containers.filter((c) => c.labels['com.docker.compose.service'] === s.name).map((c) => c.id);
      assert.deepEqual(s.containerIds, expected, s.name);
      assert.equal(s.containerIds.length, 1);
    }
    assert.ok(p.workingDir && p.workingDir.length > 0);
  });

  it('lists its own networks with their Compose names and the internal flag, the external one marked external', () => {
    const p = projects[0]!;
    const byName = new Map(p.networks.map((n) => [n.name, n]));
    assert.deepEqual(p.networks.map((n) => n.name), [`${P}_back`, `${P}_front`, rec.externalNetwork]);
    assert.deepEqual(
      { key: byName.get(`${P}_back`)!.key, internal: byName.get(`${P}_back`)!.internal, external: byName.get(`${P}_back`)!.external },
      { key: 'back', internal: true, external: false },
    );
    assert.deepEqual(
      { key: byName.get(`${P}_front`)!.key, internal: byName.get(`${P}_front`)!.internal, external: byName.get(`${P}_front`)!.external },
      { key: 'front', internal: false, external: false },
    );
    const ext = byName.get(rec.externalNetwork)!;
    assert.deepEqual({ key: ext.key, external: ext.external }, { key: null, external: true });
    const web = p.services.find((s) => s.name === 'web')!;
    assert.deepEqual(ext.containerIds, web.containerIds, 'only web is on the external network');
  });

  it('says depends_on is unknown where the labels do not carry it (docker-compose 1.x), not that there is none', () => {
    for (const s of projects[0]!.services) {
      assert.equal(s.dependsOn.known, false, s.name);
      if (!s.dependsOn.known) assert.match(s.dependsOn.reason, /com\.docker\.compose\.depends_on/);
    }
  });

  it('reads depends_on from the Compose v2 label where a container carries it', () => {
    // Compose v2's label format: service:condition:restart, comma separated; older v2 releases omit :restart
    assert.deepEqual(parseDependsOn('db:service_started:false,cache:service_healthy:true'), ['db', 'cache']);
    assert.deepEqual(parseDependsOn('db:service_started'), ['db']);
    const api = topo.containers.find((c) => c.labels['com.docker.compose.service'] === 'api')!;
    const labelled = { ...topo, containers: topo.containers.map((c) => (c.id === api.id ? { ...c, labels: { ...c.labels, 'com.docker.compose.depends_on': 'db:service_started:false' } } : c)) };
    const service = composeProjects(labelled)[0]!.services.find((s) => s.name === 'api')!;
    assert.deepEqual(service.dependsOn, { known: true, value: ['db'] });
  });

  it("is derived from the model: a removed container leaves its service, an unlabelled one is in no project", () => {
    const db = topo.containers.find((c) => c.labels['com.docker.compose.service'] === 'db')!;
    const without = { ...topo, containers: topo.containers.filter((c) => c.id !== db.id), networks: topo.networks.map((n) => ({ ...n, endpoints: n.endpoints.filter((e) => e.containerId !== db.id) })) };
    assert.deepEqual(composeProjects(without)[0]!.services.map((s) => s.name), ['api', 'web']);
    assert.equal(composeMembership(projects, db.id)?.service.name, 'db');
    assert.equal(composeMembership(projects, 'not-a-container'), null);
  });
});
