/** The sidebar over a recorded Podman snapshot (test/fixtures/podman/topology.json, see its README). */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { engineRoot } from '../../../src/extension/trees/engineRoots';
import { markdownText } from '../../../src/extension/text/markdownText';
import type { TreeNode } from '../../../src/extension/trees/treeNode';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { DOCKER_FIXTURES } from '../../support/engineReplayServer';

const topo = JSON.parse(readFileSync(join(DOCKER_FIXTURES, '..', 'podman', 'topology.json'), 'utf8')) as Topology;
const view = (): EngineView => ({ key: 'podman', label: 'podman', status: { kind: 'connected', since: '2026-11-30T17:42:00Z' }, topology: topo });

describe('sidebar over a recorded Podman snapshot', () => {
  it('names the engine Podman, with the compatible API\'s limits in its tooltip', () => {
    const root = engineRoot('networks', view());
    assert.equal(root.description, `${topo.engine.endpoint.url} · Podman ${topo.engine.version}`);
    assert.match(root.tooltip ?? '', /^\*\*Podman engine\*\*/);
    for (const limit of topo.engine.apiLimits ?? []) assert.ok(root.tooltip?.includes(markdownText(limit)), limit);
    assert.ok((topo.engine.apiLimits ?? []).length > 0);
  });

  it('lists the Podman network with its endpoints, each with its address and host veth', () => {
    const root = engineRoot('networks', view());
    const net = topo.networks.find((n) => n.name === 'nlpod-net')!;
    const item: TreeNode | undefined = root.children.find((n) => n.label === 'nlpod-net');
    assert.ok(item, root.children.map((n) => n.label).join(', '));
    for (const ep of net.endpoints) {
      const endpoint: TreeNode | undefined = item.children.find((c) => c.label === ep.containerName);
      assert.ok(endpoint, `${ep.containerName} under nlpod-net`);
      assert.equal(endpoint.description, `${ep.ipv4} · ${ep.hostVeth}`);
    }
  });
});
