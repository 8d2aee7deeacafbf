import { strict as assert } from 'node:assert';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import { diffNodes, storageNodes } from '../../../src/extension/trees/containerNodes';
import type { TreeNode } from '../../../src/extension/trees/treeNode';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { labDiff, labLayers, labTopology } from './sidebarFixture';

const view = (): EngineView => ({ key: 'local', label: 'local', status: { kind: 'connected', since: '2026-11-22T09:51:00Z' }, topology: labTopology() });
const child = (n: TreeNode, label: string): TreeNode => {
  const c = n.children.find((x) => x.label === label);
  assert.ok(c, `${n.label} has no child "${label}"; it has ${n.children.map((x) => x.label).join(', ')}`);
  return c;
};

describe('Host view over the recorded lab', () => {
  const root = engineRoot('host', view());

  it('puts each Docker bridge over its ports, and names the container at the far end of each veth', () => {
    const userBridge = child(child(root, 'Docker bridges'), 'nle-br-user');
    assert.equal(userBridge.description, 'nle-net · 192.168.0.1');
    const port = child(userBridge, 'vethc37d780');
    assert.equal(port.description, '→ container nle-db eth0');
    assert.equal(port.targets?.captureInterface, 'vethc37d780');
  });

  it('keeps bridges Docker did not make apart, with the netns on the other end of their veths', () => {
    const br0 = child(child(root, 'Bridges Docker did not make'), 'nle-br0');
    assert.match(br0.description ?? '', /not Docker/);
    assert.equal(child(br0, 'nle-reth1').description, '→ netns nle-RED nle-reth0');
  });

  it('lists named netns with their interfaces and addresses', () => {
    const red = child(child(root, 'Network namespaces'), 'nle-RED');
    assert.equal(child(red, 'nle-reth0').description, 'veth · 10.77.0.2/24');
  });

  it('shows each published port with its DNAT rule, FORWARD rule and docker-proxy', () => {
    const pub = child(child(root, 'Published ports'), '0.0.0.0:28380 → 172.17.0.8:80/tcp');
    assert.deepEqual(pub.children.map((c) => c.label), ['DNAT nat/DOCKER #16', 'FORWARD filter/DOCKER #8', 'docker-proxy pid 3773']);
    assert.equal(pub.children[0]?.description, '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 28380 -j DNAT --to-destination 172.17.0.8:80');
  });

  it('says whether IPv4 forwarding is on', () => {
    assert.equal(root.children.find((c) => c.label.startsWith('ip_forward'))?.label, 'ip_forward: on');
  });

  it('places every bridge port once, so getParent has one answer', () => {
    const ids = flattenNodes([root]).map((x) => x.node.id);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('Containers view over the recorded lab', () => {
  const root = engineRoot('containers', view());
  const web = child(root, 'nle-web');

  it('shows the container on its network with IP, interface and veth', () => {
    assert.equal(child(web, 'bridge').description, '172.17.0.8 · eth0 ↔ veth7f24172');
  });

  it('shows mounts with host path and rw/ro', () => {
    const mounts = child(web, 'Mounts');
    const srv = child(mounts, '/srv');
    assert.equal(srv.description, 'bind · ro');
    // markdown-escaped: \/tmp\/nle\-bind renders as /tmp/nle-bind
    assert.ok((srv.tooltip ?? '').includes('host path: \\/tmp\\/nle\\-bind'), srv.tooltip);
    assert.equal(child(mounts, '/data').description, 'volume nle-data · rw');
  });

  it('fetches layers and docker diff only when expanded, and shows them from the engine', () => {
    assert.deepEqual(child(web, 'Layers').lazy, { kind: 'storage', containerId: web.targets?.containerId });
    assert.equal(child(web, 'Changes (docker diff)').lazy?.kind, 'diff');
    const layers = storageNodes('local', web.targets!.containerId!, labLayers());
    assert.deepEqual(layers.map((l) => l.label), ['MergedDir', 'UpperDir', 'WorkDir', 'LowerDir 1', 'LowerDir 2']);
    assert.match(layers[1]!.description!, /^\/var\/lib\/docker\/overlay2\/[0-9a-f]{64}\/diff$/);
    const diff = diffNodes('local', web.targets!.containerId!, labDiff());
    const added = diff.find((d) => d.label === '/www/nle.txt');
    assert.equal(added?.description, 'added');
    assert.equal(diff.find((d) => d.label === '/www')?.description, 'changed');
  });
});
