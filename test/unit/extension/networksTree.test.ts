import { strict as assert } from 'node:assert';
import { engineRoot, flattenNodes } from '../../../src/extension/trees/engineRoots';
import type { TreeNode } from '../../../src/extension/trees/treeNode';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { labTopology } from './sidebarFixture';

const connected = (): EngineView => ({ key: 'local', label: 'local', status: { kind: 'connected', since: '2026-11-22T09:51:00Z' }, topology: labTopology() });
const child = (n: TreeNode, label: string): TreeNode => {
  const c = n.children.find((x) => x.label === label);
  assert.ok(c, `${n.label} has no child "${label}"; it has ${n.children.map((x) => x.label).join(', ')}`);
  return c;
};

describe('Networks view over the recorded lab', () => {
  const root = engineRoot('networks', connected());

  it('has one child per network of the engine, each a network item', () => {
    const t = labTopology();
    assert.deepEqual(root.children.map((n) => n.label).sort(), t.networks.map((n) => n.name).sort());
    assert.ok(root.children.every((n) => n.contextValue.includes(';network;')));
  });

  it('shows driver, subnet and gateway, and the isolation badges, in the description', () => {
    assert.equal(child(root, 'nle-net').description, 'bridge · 192.168.0.0/20 · gw 192.168.0.1');
    const internal = child(root, 'nle-internal').description ?? '';
    assert.match(internal, /internal/);
    assert.match(internal, /ICC off/);
    assert.doesNotMatch(child(root, 'nle-net').description ?? '', /internal|ICC off/);
  });

  it('lists the endpoints with IP and host veth, and the macvlan parent', () => {
    const db = child(child(root, 'nle-net'), 'nle-db');
    assert.equal(db.description, '192.168.0.2 · vethc37d780');
    assert.equal(db.targets?.veth, 'vethc37d780');
    assert.equal(db.targets?.mac, '02:42:c0:a8:00:02');
    for (const cap of ['endpoint', 'inspect', 'ip', 'mac', 'veth', 'capture', 'trace']) assert.ok(db.contextValue.includes(`;${cap};`), `${cap} missing from ${db.contextValue}`);
    const mac = child(root, 'nle-mac');
    assert.equal(mac.children[0]?.label, 'parent nle-mvp0');
    assert.equal(child(mac, 'nle-mv').description, '192.168.177.2');
  });

  it('shows a multi-homed container on both of its networks with its own address on each', () => {
    assert.equal(child(child(root, 'nle-net'), 'nle-multi').targets?.ip, '192.168.0.4');
    assert.equal(child(child(root, 'nle-internal'), 'nle-multi').targets?.ip, '192.168.16.2');
  });

  it('follows a publish to its DNAT rule under the endpoint on docker0', () => {
    const web = child(child(root, 'bridge'), 'nle-web');
    const pub = child(web, '127.0.0.1:28381 → 172.17.0.8:80/tcp');
    assert.equal(pub.description, 'DNAT DOCKER #15');
    assert.deepEqual(pub.targets?.publish, { hostIp: '127.0.0.1', hostPort: 28381, protocol: 'tcp' });
    assert.match(pub.contextValue, /;browse;/);
  });

  it('says what host and none mean instead of an empty address', () => {
    assert.equal(child(child(root, 'host'), 'nle-hostnet').description, "host's network stack");
    assert.equal(child(child(root, 'none'), 'nle-none').description, 'no network');
  });

  it('gives every node a unique id that a second build reproduces (so expansion survives a refresh)', () => {
    const ids = flattenNodes([root]).map((x) => x.node.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(flattenNodes([engineRoot('networks', connected())]).map((x) => x.node.id), ids);
  });
});
