/**
 * The layout's Compose frames and depends_on edges over the project docker-compose 1.29.2 made on a
 * real engine (test/fixtures/model/compose-project.json; its Compose v2 recording for depends_on), sent as the extension sends it
 * (topologyView with the projects the model derives).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology } from '../../../src/core/model/build';
import { composeProjects } from '../../../src/core/model/projects';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { topologyView } from '../../../src/protocol/topologyView';
import { layoutTopology } from '../../../webview/layout';
import { resolveTarget } from '../../../webview/resolveTarget';

const rec = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/compose-project.json'), 'utf8')) as { project: string; externalNetwork: string; engine: EngineFacts };
const P = rec.project;
const topology: Topology = buildTopology({ engine: rec.engine, host: null, ipv4Rules: null, ipv6Rules: null });
const view = (t: Topology) => topologyView(t, composeProjects(t));
const idOf = (service: string): string => topology.containers.find((c) => c.labels['com.docker.compose.service'] === service)!.id;
const netId = (name: string): string => topology.networks.find((n) => n.name === name)!.id;

describe('layout: Compose project frames (recorded docker-compose project)', () => {
  const layout = layoutTopology(view(topology));

  it('frames the project: its own network heads and rows, its containers; not the external network', () => {
    assert.deepEqual(layout.frames.map((f) => [f.id, f.label]), [[topologyIds.project(P), P]]);
    const members = new Set(layout.frames[0]!.members);
    for (const s of ['api', 'db', 'web']) assert.ok(members.has(topologyIds.container(idOf(s))), s);
    for (const n of [`${P}_back`, `${P}_front`]) assert.ok(members.has(topologyIds.network(netId(n))), n);
    assert.ok(!members.has(topologyIds.network(netId(rec.externalNetwork))));
    assert.ok(!members.has(topologyIds.network(netId('bridge'))));
    // every member lies in one of the frame's boxes
    const byId = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const id of members) {
      const n = byId.get(id)!;
      assert.ok(layout.frames[0]!.boxes.some((b) => n.x >= b.x && n.y >= b.y && n.x + n.width <= b.x + b.width && n.y + n.height <= b.y + b.height), `${id} inside`);
    }
  });

  it("draws a project's container in its project's column, by service name", () => {
    const web = layout.nodes.find((n) => n.id === topologyIds.container(idOf('web')))!;
    assert.equal(web.column, topologyIds.network(netId(`${P}_front`)), 'web sits on front, not on the external network');
    assert.equal(web.title, 'web');
    assert.equal(web.lines[0], topology.containers.find((c) => c.id === idOf('web'))!.name);
  });

  it('focuses a project on the first network head in its frame', () => {
    const id = resolveTarget(view(topology), layout, topologyIds.project(P));
    assert.ok(id && layout.frames[0]!.members.includes(id) && id.startsWith('net:'));
    assert.equal(resolveTarget(view(topology), layout, topologyIds.project('nope')), null);
  });

  it('draws depends_on only where a label says it', () => {
    assert.equal(layout.edges.filter((e) => e.role === 'dependsOn').length, 0, 'docker-compose 1.29 wrote none');
    // the same project brought up by Compose v2, which labels api with depends_on db
    const v2 = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/compose-project-v2.json'), 'utf8')) as { engine: EngineFacts };
    const labelled: Topology = buildTopology({ engine: v2.engine, host: null, ipv4Rules: null, ipv6Rules: null });
    const id2 = (service: string): string => labelled.containers.find((c) => c.labels['com.docker.compose.service'] === service)!.id;
    const deps = layoutTopology(view(labelled)).edges.filter((e) => e.role === 'dependsOn');
    assert.deepEqual(deps.map((e) => [e.source, e.target]), [[topologyIds.container(id2('api')), topologyIds.container(id2('db'))]]);
  });

  it('draws no frame for a view without projects, and the rest as before', () => {
    const bare = layoutTopology(topology);
    assert.equal(bare.frames.length, 0);
    assert.equal(bare.nodes.length, layout.nodes.length);
  });
});
