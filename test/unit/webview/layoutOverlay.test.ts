/**
 * The topology drawing of overlay networks from a real snapshot taken during a single-node swarm
 * (test/fixtures/overlay/swarm-overlay.topology.json): the network's head names the kernel's VXLAN
 * device, its VNI and port and the namespace it lives in, and search finds it by those names.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildColumns } from '../../../webview/layoutColumns';
import type { Topology } from '../../../src/core/model/types';

const topo = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/overlay/swarm-overlay.topology.json'), 'utf8')) as Topology;

describe('webview layout: overlay networks (recorded swarm snapshot)', () => {
  const columns = buildColumns(topo, new Map(topo.containers.map((c) => [c.id, c])));
  for (const n of topo.networks.filter((x) => x.driver === 'overlay')) {
    it(`${n.name}: the head shows the VXLAN device the kernel has, and the column hangs off it`, () => {
      const col = columns.find((c) => c.head.title === n.name);
      assert.ok(col, `a column for ${n.name}`);
      const vx = n.overlay?.vxlan;
      assert.ok(vx && vx.vni !== null);
      assert.match(col.head.lines[0] ?? '', new RegExp(`^overlay · VXLAN ${vx.name} udp/${vx.port} id ${vx.vni} · netns ${n.overlay!.namespace}`));
      assert.equal(col.uplink, 'vxlan');
      assert.ok(col.head.facets.names.includes(n.overlay!.namespace.toLowerCase()));
      assert.ok(col.head.facets.names.includes(vx.name));
    });
  }
});
