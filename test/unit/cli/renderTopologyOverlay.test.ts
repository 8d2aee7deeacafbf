/**
 * The CLI tree for an overlay network, printed from a real snapshot taken during a single-node
 * swarm (test/fixtures/overlay/swarm-overlay.topology.json, test/support/recordOverlayFixture.ts).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopology } from '../../../src/cli/renderTopology';
import type { NetworkNode, Topology } from '../../../src/core/model/types';

const topo = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/overlay/swarm-overlay.topology.json'), 'utf8')) as Topology;
const text = renderTopology(topo);
const lines = text.split('\n');

/** The lines printed under one network, up to the next network. */
function block(n: NetworkNode): string[] {
  const start = lines.findIndex((l) => l.startsWith(`├─ ${n.name} (`));
  assert.ok(start >= 0, `${n.name} is printed`);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('│'));
  return lines.slice(start + 1, end);
}

describe('cli: topology tree for overlay networks (recorded swarm snapshot)', () => {
  for (const n of topo.networks.filter((x) => x.driver === 'overlay')) {
    it(`${n.name}: prints its namespace, its bridge and "vxlan <name> vni <id> port <port>"`, () => {
      const ov = n.overlay;
      assert.ok(ov && ov.vxlan && ov.bridge);
      const b = block(n);
      assert.ok(b.includes(`│  ├─ namespace ${ov.namespace}`), b.join('\n'));
      assert.ok(b.some((l) => l.startsWith(`│  ├─ bridge ${ov.bridge} ${ov.bridgeAddresses[0]}`)));
      assert.ok(b.includes(`│  ├─ vxlan ${ov.vxlan.name} vni ${ov.vxlan.vni} port ${ov.vxlan.port}`));
      assert.equal(ov.vxlan.port, 4789, 'Docker’s default VXLAN port, as the kernel reported it');
      for (const p of ov.ports.filter((x) => x.peerNamespace)) assert.ok(b.some((l) => l.includes(`${p.name} ⇄ docker netns ${p.peerNamespace}`)));
      for (const ep of n.endpoints) {
        assert.ok(ep.overlayPeer);
        assert.ok(b.some((l) => l.includes(ep.containerName) && l.includes(`eth0 ⇄ ${ep.overlayPeer!.interface} (in ${ov.namespace})`)));
      }
    });
  }

  it('docker_gwbridge: each container’s eth1 and its host veth, marked as seen in the kernel', () => {
    const gw = topo.networks.find((n) => n.name === 'docker_gwbridge')!;
    const b = block(gw);
    assert.ok(b.includes('│  ├─ bridge docker_gwbridge'));
    assert.ok(gw.endpoints.length >= 2);
    for (const ep of gw.endpoints) assert.ok(b.some((l) => l.includes(`${ep.containerInterface} ⇄ ${ep.hostVeth}  (from the kernel)`)), b.join('\n'));
  });
});
