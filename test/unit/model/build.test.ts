/**
 * The join on recorded real facts (test/fixtures/model/seed-lab.json, written by
 * test/support/recordModelFixture.ts from the seed lab on a real engine). Expectations are derived
 * from the recorded kernel data inside the fixture — container iflinks, host ifindexes, the
 * iptables-save text — not typed in by hand.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology, bridgeNameOf, type ModelInput } from '../../../src/core/model/build';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { ContainerNetns, HostFacts, NetInterface } from '../../../src/core/host/types';
import { unknown } from '../../../src/core/known';

interface Recorded {
  prefix: string;
  ports: [number, number];
  engine: EngineFacts;
  host: HostFacts;
}

const rec = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/seed-lab.json'), 'utf8')) as Recorded;
const P = rec.prefix;

function input(overrides: Partial<ModelInput> = {}): ModelInput {
  const host = overrides.host === undefined ? rec.host : overrides.host;
  return {
    engine: rec.engine,
    host,
    ipv4Rules: host && host.iptablesSave.known ? parseIptablesSave(host.iptablesSave.value, 'ipv4', 'iptables-save') : null,
    ipv6Rules: null,
    ...overrides,
  };
}

const idOf = (name: string): string => rec.engine.containers.find((c) => c.name === name)!.id;
const netnsOf = (name: string): ContainerNetns => {
  const all = rec.host.containerNetns;
  assert.ok(all.known);
  return all.value[idOf(name)];
};
const hostIfaces = (): readonly NetInterface[] => {
  assert.ok(rec.host.interfaces.known);
  return rec.host.interfaces.value;
};

describe('model: buildTopology on recorded seed-lab facts', () => {
  const topo = buildTopology(input());

  it('names bridges the way Docker does', () => {
    for (const n of rec.engine.networks) {
      const expected = n.driver !== 'bridge' ? null : n.name === 'bridge' ? 'docker0' : `br-${n.id.slice(0, 12)}`;
      assert.equal(bridgeNameOf(n), expected, n.name);
    }
  });

  it("joins each bridge endpoint to the host veth whose ifindex is the container interface's iflink", () => {
    let checked = 0;
    for (const net of topo.networks.filter((n) => n.driver === 'bridge')) {
      for (const ep of net.endpoints) {
        const ns = netnsOf(ep.containerName);
        assert.ok(ns.interfaces.known);
        const inside = ns.interfaces.value.find((i) => i.mac === ep.mac)!;
        const outside = hostIfaces().find((h) => h.index === inside.linkIndex)!;
        assert.equal(ep.containerInterface, inside.name);
        assert.equal(ep.hostVeth, outside.name);
        assert.equal(outside.master, net.bridge);
        checked++;
      }
    }
    assert.ok(checked >= 5, `checked ${checked} endpoints`);
  });

  it('joins w1 and w2 publishes to the DNAT rule in the recorded iptables-save and to docker-proxy', () => {
    assert.ok(rec.host.iptablesSave.known);
    const save = rec.host.iptablesSave.value;
    for (const [i, name] of [`${P}w1`, `${P}w2`].entries()) {
      const p = topo.publishes.find((x) => x.containerName === name && x.hostIp === '0.0.0.0')!;
      assert.equal(p.hostPort, rec.ports[i]);
      assert.ok(p.dnatRule && save.includes(p.dnatRule.raw), 'the DNAT rule is quoted verbatim');
      assert.ok(p.dnatRule.raw.includes(`--dport ${rec.ports[i]} `));
      assert.ok(p.filterRule?.raw.includes(`-d ${p.containerIp}/32`));
      assert.ok(p.proxy?.args.includes(`-host-port ${rec.ports[i]}`));
    }
  });

  it('shows the IPv6 publish as docker-proxy only, relaying to the IPv4 address', () => {
    const v6 = topo.publishes.find((x) => x.containerName === `${P}w1` && x.hostIp === '::');
    assert.ok(v6, 'the engine reported a [::] publish');
    assert.equal(v6.dnatRule, null);
    assert.ok(v6.proxy);
    assert.equal(v6.containerIp, topo.publishes.find((x) => x.containerName === `${P}w1` && x.hostIp === '0.0.0.0')!.containerIp);
  });

  it('describes the other end of every veth on the hand-made bridge as a named netns', () => {
    const ports = topo.host!.interfaces.filter((i) => i.master === `${P}br0`);
    assert.deepEqual(ports.map((p) => p.peerNetns).sort(), [`${P}BLUE`, `${P}RED`]);
    assert.ok(ports.every((p) => p.dockerNetworkId === null));
  });

  it('gives host-mode containers no interfaces of their own and shared-netns containers their owner', () => {
    const hostnet = topo.containers.find((c) => c.name === `${P}hostnet`)!;
    assert.deepEqual(hostnet.interfaces, []);
    assert.deepEqual(hostnet.routes, []);
    const sidecar = topo.containers.find((c) => c.name === `${P}sidecar`)!;
    assert.equal(sidecar.sharesNetnsWith, idOf(`${P}app`));
    const appVeth = topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === `${P}app`)!.hostVeth;
    assert.equal(topo.host!.interfaces.find((i) => i.name === appVeth)!.peerContainerId, idOf(`${P}app`));
  });

  it('knows the default gateway from the container routes', () => {
    const w1 = topo.containers.find((c) => c.name === `${P}w1`)!;
    const ns = netnsOf(`${P}w1`);
    assert.ok(ns.routes.known);
    const def = ns.routes.value.find((r) => r.dst === 'default' && r.family === 'inet')!;
    assert.equal(w1.defaultGateway, def.gateway);
  });

  it('carries the alias and the tmpfs the list alone does not give', () => {
    const db = topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === `${P}db`)!;
    assert.ok(db.aliases.includes('database'));
    const vols = topo.containers.find((c) => c.name === `${P}vols`)!;
    assert.ok(vols.mounts.some((m) => m.type === 'tmpfs' && m.destination === '/scratch'));
  });

  it('names the gap, not a guess, when there is no host shell', () => {
    const t = buildTopology(input({ host: null }));
    assert.ok(t.gaps.some((g) => g.subject === 'host'));
    assert.equal(t.host, null);
    const ep = t.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === `${P}w1`)!;
    assert.equal(ep.hostVeth, null);
    assert.ok(ep.ipv4, 'engine facts still stand');
    assert.ok(t.publishes.every((p) => p.dnatRule === null));
  });

  it('keeps the rest when one host fact is unknown', () => {
    const host: HostFacts = { ...rec.host, bridgePorts: unknown('bridge: command not found (exit 127)'), iptablesSave: unknown('iptables-save: permission denied') };
    const t = buildTopology(input({ host, ipv4Rules: null }));
    assert.ok(t.gaps.some((g) => g.subject === 'host.bridgePorts' && g.reason.includes('bridge')));
    assert.ok(t.networks.flatMap((n) => n.endpoints).some((e) => e.hostVeth !== null), 'veths still joined');
  });

  it('reports a container whose namespace vanished mid-refresh and keeps the others', () => {
    assert.ok(rec.host.containerNetns.known);
    const without = Object.fromEntries(Object.entries(rec.host.containerNetns.value).filter(([id]) => id !== idOf(`${P}w2`)));
    const t = buildTopology(input({ host: { ...rec.host, containerNetns: { known: true, value: without } } }));
    assert.ok(t.gaps.some((g) => g.subject === `container ${P}w2 netns`));
    const eps = t.networks.flatMap((n) => n.endpoints);
    assert.equal(eps.find((e) => e.containerName === `${P}w2`)!.hostVeth, null);
    assert.ok(eps.find((e) => e.containerName === `${P}w1`)!.hostVeth);
  });
});
