/**
 * Compose projects derived from the labels docker-compose 1.29.2 wrote on a real project
 * (test/fixtures/model/compose-project.json, recorded by test/support/recordComposeFixture.ts from
 * the lab in test/support/composeLab.ts: web published, api depends_on db, back internal, an
 * external network made beforehand), and from the labels Compose v2 (2.40, Debian unstable's)
 * wrote on the same project (compose-project-v2.json, `recordComposeFixture.js v2`).
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
const recV2 = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/compose-project-v2.json'), 'utf8')) as Recorded;
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

  it('reads depends_on from the label Compose v2 wrote: api on db, and none (known, empty) for web and db', () => {
    assert.match(recV2.composeVersion, /^2\./);
    const topoV2: Topology = buildTopology({ engine: recV2.engine, host: null, ipv4Rules: null, ipv6Rules: null });
    const [p, ...others] = composeProjects(topoV2);
    assert.equal(others.length, 0);
    assert.equal(p!.name, recV2.project);
    // Compose v2's label format as recorded: service:condition:restart, comma separated
    const api = recV2.engine.containers.find((c) => c.labels['com.docker.compose.service'] === 'api')!;
    assert.equal(api.labels['com.docker.compose.depends_on'], 'db:service_started:false');
    assert.deepEqual(parseDependsOn(api.labels['com.docker.compose.depends_on']!), ['db']);
    assert.deepEqual(
      p!.services.map((s) => [s.name, s.dependsOn]),
      [
        ['api', { known: true, value: ['db'] }],
        ['db', { known: true, value: [] }],
        ['web', { known: true, value: [] }],
      ],
    );
    // the same grouping as with 1.29's labels, though v2 names containers with dashes (nlcrec-api-1)
    assert.deepEqual(p!.networks.map((n) => [n.name, n.external]).sort(), [[`${recV2.project}_back`, false], [`${recV2.project}_front`, false], [recV2.externalNetwork, true]].sort());
  });

  it("is derived from the model: a removed container leaves its service, an unlabelled one is in no project", () => {
    const db = topo.containers.find((c) => c.labels['com.docker.compose.service'] === 'db')!;
    const without = { ...topo, containers: topo.containers.filter((c) => c.id !== db.id), networks: topo.networks.map((n) => ({ ...n, endpoints: n.endpoints.filter((e) => e.containerId !== db.id) })) };
    assert.deepEqual(composeProjects(without)[0]!.services.map((s) => s.name), ['api', 'web']);
    assert.equal(composeMembership(projects, db.id)?.service.name, 'db');
    assert.equal(composeMembership(projects, 'not-a-container'), null);
  });
});
