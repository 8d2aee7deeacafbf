/**
 * The graph of a recorded Podman snapshot (test/fixtures/podman/topology.json, written by
 * recordPodmanFixtures.ts from a real podman system service and the local host shell):
 * expectations come from the recording's own facts (podman inspect in lab.txt, the model's bridge
 * and veths), not typed in.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { layoutTopology } from '../../../webview/layout';
import { DOCKER_FIXTURES } from '../../support/engineReplayServer';

const PODMAN = join(DOCKER_FIXTURES, '..', 'podman');
const topo = JSON.parse(readFileSync(join(PODMAN, 'topology.json'), 'utf8')) as Topology;
const lab = new Map(
  readFileSync(join(PODMAN, 'lab.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([name, id, , mode]) => [name!.endsWith('-infra') ? 'infra' : name!, { id: id!, mode: mode! }]),
);

describe('webview layout of a recorded Podman snapshot', () => {
  const layout = layoutTopology(topo);
  const node = (id: string) => {
    const n = layout.nodes.find((x) => x.id === id);
    assert.ok(n, `layout has node ${id}`);
    return n;
  };
  const net = topo.networks.find((n) => n.name === 'nlpod-net')!;

  it("draws the network as its bridge podmanN with a veth and a container per endpoint", () => {
    const head = node(topologyIds.network(net.id));
    assert.match(head.title, /^podman\d+$/);
    assert.equal(head.title, net.bridge);
    for (const name of ['nlpod-a', 'nlpod-b', 'infra']) {
      const id = lab.get(name)!.id;
      const ep = net.endpoints.find((e) => e.containerId === id)!;
      assert.ok(ep.hostVeth, `${name} joined to its veth`);
      assert.equal(node(topologyIds.endpoint(net.id, id)).title, ep.hostVeth);
      assert.equal(node(topologyIds.container(id)).column, head.id);
    }
  });

  it('keeps the host-mode container in the host band and the none-mode one standalone; no host or none column', () => {
    assert.equal(node(topologyIds.container(lab.get('nlpod-h')!.id)).column, null);
    assert.equal(node(topologyIds.container(lab.get('nlpod-n')!.id)).column, topologyIds.group('standalone'));
    assert.equal(topo.networks.filter((n) => n.driver === 'host' || n.driver === 'null').length, 0);
  });

  it("shows the pod's members beside their infra container's namespace, each once", () => {
    for (const name of ['nlpod-p1', 'nlpod-p2']) {
      const id = lab.get(name)!.id;
      assert.equal(lab.get(name)!.mode, `container:${lab.get('infra')!.id}`);
      assert.equal(layout.nodes.filter((n) => n.id === topologyIds.container(id)).length, 1, `${name} drawn once`);
      assert.ok(!net.endpoints.some((e) => e.containerId === id), `${name} has no endpoint of its own`);
    }
  });
});
