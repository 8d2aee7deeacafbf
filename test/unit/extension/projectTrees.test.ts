/**
 * Compose projects in the sidebar, over the project docker-compose 1.29.2 made on a real engine
 * (test/fixtures/model/compose-project.json): networks and containers grouped under their project,
 * service names with the container name beside them, the external network marked under the project
 * and left where it was, the "this project only" filter, one id per node.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology } from '../../../src/core/model/build';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { subjectNode } from '../../../src/extension/trees/nodeIds';
import type { ProjectFilter } from '../../../src/extension/trees/projectNodes';
import { changedNodes, treeSignatures } from '../../../src/extension/trees/treeChanges';
import type { TreeNode, ViewName } from '../../../src/extension/trees/treeNode';
import { subjects } from '../../../src/protocol/subject';

const rec = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/compose-project.json'), 'utf8')) as { project: string; externalNetwork: string; engine: EngineFacts };
const P = rec.project;
const topology: Topology = buildTopology({ engine: rec.engine, host: null, ipv4Rules: null, ipv6Rules: null, collectedAt: new Date('2026-11-30T17:00:00Z') });
const view = (t: Topology): EngineView => ({ key: 'local', label: 'local', status: { kind: 'connected', since: '2026-11-30T17:00:00Z' }, topology: t });
const root = (v: ViewName, filter: ProjectFilter = {}, t: Topology = topology): TreeNode => engineRoot(v, view(t), filter);
const child = (n: TreeNode, label: string): TreeNode => {
  const c = n.children.find((x) => x.label === label);
  assert.ok(c, `${n.label} has no child "${label}"; it has ${n.children.map((x) => x.label).join(', ')}`);
  return c;
};
const containerName = (service: string): string => rec.engine.containers.find((c) => c.labels['com.docker.compose.service'] === service)!.name;

describe('Compose projects in the trees (recorded docker-compose project)', () => {
  it('Networks: the project first, holding its own networks; the rest stay at the top, the external one among them', () => {
    const r = root('networks');
    assert.deepEqual(r.children.map((n) => n.label), [P, 'bridge', rec.externalNetwork, 'host', 'none']);
    const project = child(r, P);
    assert.ok(project.contextValue.includes(';project;'));
    assert.deepEqual(project.targets?.subject, subjects.project(P));
    assert.deepEqual(project.children.map((n) => n.label), [`${P}_back`, `${P}_front`, rec.externalNetwork]);
    assert.match(child(project, `${P}_back`).description ?? '', /internal/);
  });

  it('marks the external network under the project, with the services that use it, as a reference to the network', () => {
    const ext = child(child(root('networks'), P), rec.externalNetwork);
    assert.equal(ext.description, 'external · web');
    assert.equal(ext.icon?.id, 'link-external');
    assert.equal(ext.children.length, 0);
    const network = rec.engine.networks.find((n) => n.name === rec.externalNetwork)!;
    assert.deepEqual(ext.targets?.subject, subjects.network(network.id));
    // the network itself is drawn once, at the top, with its endpoint
    assert.equal(child(child(root('networks'), rec.externalNetwork), 'web').description?.split(' · ')[0], containerName('web'));
  });

  it('shows endpoints by service name with the container name beside', () => {
    const back = child(child(root('networks'), P), `${P}_back`);
    assert.deepEqual(back.children.map((n) => n.label), ['api', 'db']);
    for (const s of ['api', 'db']) assert.equal(child(back, s).description?.split(' · ')[0], containerName(s));
  });

  it('Containers: the project holds its containers by service, the container name beside', () => {
    const r = root('containers');
    assert.deepEqual(r.children.map((n) => n.label), [P]);
    const project = child(r, P);
    assert.deepEqual(project.children.map((n) => n.label), ['api', 'db', 'web']);
    for (const s of ['api', 'db', 'web']) assert.equal(child(project, s).description?.split(' · ')[0], containerName(s));
    assert.match(project.description ?? '', /3 services/);
  });

  it('gives every node its own id, and finds the project node from its subject', () => {
    for (const v of ['networks', 'containers'] as const) {
      const ids = flattenNodes([root(v)]).map((x) => x.node.id);
      assert.equal(new Set(ids).size, ids.length, `${v}: duplicate ids`);
    }
    const target = subjectNode('local', subjects.project(P));
    const node = flattenNodes([root(target.view)]).find((x) => x.node.id === target.id)?.node;
    assert.ok(node?.sheet, 'the project node is inspectable');
    const sheet = node.sheet();
    assert.deepEqual(sheet.sections.map((s) => s.heading), ['Services', 'Networks']);
    assert.ok(sheet.sections[0]!.rows.some((r) => r.label === 'api depends on' && r.value.kind === 'unknown'), 'depends_on unknown, not none');
  });

  it('"this project only": the project alone; a project the engine lacks says so', () => {
    assert.deepEqual(root('networks', { project: P }).children.map((n) => n.label), [P]);
    assert.deepEqual(root('containers', { project: P }).children.map((n) => n.label), [P]);
    const none = root('networks', { project: 'nope' }).children;
    assert.equal(none.length, 1);
    assert.equal(none[0]!.label, 'No Compose project nope');
  });

  it('without projects the trees are as before: no project node, containers by name', () => {
    const plain: Topology = { ...topology, containers: topology.containers.map((c) => ({ ...c, labels: {} })), networks: topology.networks.map((n) => ({ ...n, labels: {} })) };
    const r = root('containers', {}, plain);
    assert.deepEqual(r.children.map((n) => n.label), rec.engine.containers.map((c) => c.name).sort());
    assert.ok(!root('networks', {}, plain).children.some((n) => n.contextValue.includes(';project;')));
  });

  it('a removed container redraws its project and networks, not the whole tree', () => {
    const db = topology.containers.find((c) => c.labels['com.docker.compose.service'] === 'db')!;
    const after: Topology = { ...topology, containers: topology.containers.filter((c) => c.id !== db.id), networks: topology.networks.map((n) => ({ ...n, endpoints: n.endpoints.filter((e) => e.containerId !== db.id) })) };
    const changed = changedNodes(treeSignatures([root('networks')]), treeSignatures([root('networks', {}, after)]));
    assert.notEqual(changed, 'all');
    assert.ok(changed.length > 0);
  });
});
