/**
 * The overlay join on recorded real facts: test/fixtures/overlay/swarm-overlay.json (a single-node
 * swarm with nlo-ov and two containers, written by test/support/recordOverlayFixture.ts) and
 * after-leave.docker-netns-section.json (the same namespaces read after `docker swarm leave`, when
 * nsenter refuses them). Every expectation is derived from data inside the recordings — the
 * kernel's vxlan details, the engine's `docker network inspect`, the iflinks — not typed in.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTopology } from '../../../src/core/model/build';
import { expectedOverlayNamespace, overlayNamespaceOf } from '../../../src/core/model/overlay';
import { parseDockerNetns } from '../../../src/core/host/commands/dockerNetns';
import type { BatchSection } from '../../../src/core/host/batch';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { DockerNetns, HostFacts, NetInterface } from '../../../src/core/host/types';
import type { NetworkNode, Topology } from '../../../src/core/model/types';
import { unknown } from '../../../src/core/known';

interface InspectedNetwork {
  Name: string;
  Id: string;
  Driver: string;
  Options: Record<string, string>;
  Containers: Record<string, { Name: string; MacAddress: string; IPv4Address: string }>;
}

interface Recorded {
  prefix: string;
  network: string;
  engine: EngineFacts;
  host: HostFacts;
  networkInspect: InspectedNetwork[];
}

const dir = join(__dirname, '../../../../test/fixtures/overlay');
const rec = JSON.parse(readFileSync(join(dir, 'swarm-overlay.json'), 'utf8')) as Recorded;
const afterLeave = (JSON.parse(readFileSync(join(dir, 'after-leave.docker-netns-section.json'), 'utf8')) as { section: BatchSection }).section;

const build = (host: HostFacts | null = rec.host): Topology => buildTopology({ engine: rec.engine, host, ipv4Rules: null, ipv6Rules: null });
const topo = build();
const network = (t: Topology, name: string): NetworkNode => {
  const n = t.networks.find((x) => x.name === name);
  assert.ok(n, `network ${name} is in the model`);
  return n;
};
const inspected = (name: string): InspectedNetwork => {
  const n = rec.networkInspect.find((x) => x.Name === name);
  assert.ok(n, `docker network inspect recorded ${name}`);
  return n;
};
const dockerNetns = (): readonly DockerNetns[] => {
  assert.ok(rec.host.dockerNetns?.known, 'the recording read Docker’s namespaces');
  return rec.host.dockerNetns.value;
};
const kernelNs = (name: string): readonly NetInterface[] => {
  const ns = dockerNetns().find((x) => x.name === name);
  assert.ok(ns && ns.interfaces.known, `namespace ${name} was read`);
  return ns.interfaces.value;
};
const containerIfaces = (id: string): readonly NetInterface[] => {
  assert.ok(rec.host.containerNetns.known);
  const ns = rec.host.containerNetns.value[id];
  assert.ok(ns && ns.interfaces.known, `netns of ${id.slice(0, 12)} was read`);
  return ns.interfaces.value;
};

describe('model: overlay networks from a recorded single-node swarm', () => {
  for (const name of [rec.network, 'ingress']) {
    it(`${name}: the kernel's VNI in the overlay namespace equals the one docker network inspect reported`, () => {
      const n = network(topo, name);
      assert.ok(n.overlay, 'overlay networks carry the overlay field');
      const inspectVni = Number(inspected(name).Options['com.docker.network.driver.overlay.vxlanid_list']);
      assert.ok(Number.isInteger(inspectVni) && inspectVni > 0);
      assert.equal(n.overlay.engineVni, inspectVni);
      assert.ok(n.overlay.vxlan, 'a vxlan device was found');
      assert.equal(n.overlay.vxlan.vni, inspectVni);
      // and the model read it from the namespace's own vxlan record, not from the engine option
      const dev = kernelNs(n.overlay.namespace).find((i) => i.name === n.overlay!.vxlan!.name);
      assert.equal(dev?.rawKind, 'vxlan');
      assert.equal(dev?.details.vxlanId, inspectVni);
      assert.equal(n.overlay.vxlan.port, dev?.details.port);
    });
  }

  it('names the namespace `1-<network id>` cut to 12 characters and finds br0 holding the gateway', () => {
    const n = network(topo, rec.network);
    assert.equal(n.overlay?.namespace, `1-${n.id}`.slice(0, 12));
    assert.equal(n.overlay?.namespacePresent, true);
    const br = kernelNs(n.overlay!.namespace).find((i) => i.name === n.overlay!.bridge);
    assert.equal(br?.kind, 'bridge');
    assert.deepEqual(n.overlay?.bridgeAddresses, br!.addresses.map((a) => `${a.address}/${a.prefixLen}`));
    assert.ok(n.gateways.every((g) => n.overlay!.bridgeAddresses.some((a) => a.startsWith(`${g}/`))), 'the engine gateway is br0’s address');
    assert.equal(n.bridge, null, 'no host bridge for an overlay');
  });

  it("each container's eth0 peer is a port of the overlay namespace's bridge; hostVeth stays null", () => {
    const n = network(topo, rec.network);
    const members = Object.entries(inspected(rec.network).Containers).filter(([id]) => /^[0-9a-f]{64}$/.test(id));
    assert.equal(members.length, 2);
    for (const [id, member] of members) {
      const ep = n.endpoints.find((e) => e.containerId === id);
      assert.ok(ep, `${member.Name} has an endpoint`);
      assert.equal(ep.mac, member.MacAddress);
      assert.equal(ep.hostVeth, null);
      const eth = containerIfaces(id).find((i) => i.mac === member.MacAddress);
      assert.ok(eth);
      assert.equal(ep.containerInterface, eth.name);
      assert.ok(ep.overlayPeer, `${member.Name} has an overlay peer`);
      assert.equal(ep.overlayPeer.namespace, n.overlay?.namespace);
      assert.equal(ep.overlayPeer.index, eth.linkIndex, 'the peer is the container iflink');
      const peer = kernelNs(ep.overlayPeer.namespace).find((i) => i.index === ep.overlayPeer!.index);
      assert.equal(peer?.linkIndex, eth.index, 'and its iflink is the container interface');
      assert.equal(peer?.master, n.overlay?.bridge);
      assert.equal(ep.overlayPeer.bridge, n.overlay?.bridge);
      const port = n.overlay?.ports.find((p) => p.index === peer!.index);
      assert.equal(port?.peerContainerId, id);
      assert.equal(port?.peerInterface, eth.name);
    }
  });

  it('the load-balancer endpoint and the ingress sandbox are the other bridge ports', () => {
    const ov = network(topo, rec.network).overlay!;
    const lbPort = ov.ports.find((p) => p.peerNamespace?.startsWith('lb_'));
    assert.equal(lbPort?.peerNamespace, `lb_${network(topo, rec.network).id}`.slice(0, 12));
    assert.equal(ov.ports.length, kernelNs(ov.namespace).filter((i) => i.master === ov.bridge && i.kind === 'veth').length);
    assert.ok(ov.ports.every((p) => p.peerContainerId !== null || p.peerNamespace !== null), 'every port leads somewhere known');
    const ingress = network(topo, 'ingress').overlay!;
    assert.deepEqual(ingress.ports.map((p) => p.peerNamespace), ['ingress_sbox']);
    // the sandbox's eth0 carries the address docker network inspect gave the ingress-sbox endpoint
    const sbox = kernelNs('ingress_sbox').find((i) => i.name === ingress.ports[0]!.peerInterface);
    const v4 = inspected('ingress').Containers['ingress-sbox']?.IPv4Address;
    assert.ok(v4 && sbox?.addresses.some((a) => `${a.address}/${a.prefixLen}` === v4));
  });

  it('docker_gwbridge endpoints (eth1) join like any bridge network, though the container listing omits them', () => {
    const gw = network(topo, 'docker_gwbridge');
    assert.equal(gw.bridge, 'docker_gwbridge');
    assert.equal(gw.bridgePresent, true);
    for (const [id, member] of Object.entries(inspected('docker_gwbridge').Containers).filter(([k]) => /^[0-9a-f]{64}$/.test(k))) {
      assert.ok(!rec.engine.containers.find((c) => c.id === id)?.endpoints.some((e) => e.networkName === 'docker_gwbridge'), 'the engine listing has no such endpoint');
      const ep = gw.endpoints.find((e) => e.containerId === id);
      assert.ok(ep, `${member.Name} is on docker_gwbridge`);
      assert.equal(ep.source, 'kernel');
      assert.equal(ep.mac, member.MacAddress);
      assert.equal(`${ep.ipv4}/${ep.ipv4PrefixLen}`, member.IPv4Address);
      const eth = containerIfaces(id).find((i) => i.mac === member.MacAddress)!;
      const hostVeth = (rec.host.interfaces.known ? rec.host.interfaces.value : []).find((i) => i.index === eth.linkIndex);
      assert.equal(ep.hostVeth, hostVeth?.name);
      assert.equal(hostVeth?.master, 'docker_gwbridge');
      assert.equal(ep.gateway, gw.gateways[0], 'the container routes out through docker_gwbridge');
    }
    // the engine's own endpoints are not repeated as kernel ones
    const overlayEp = network(topo, rec.network).endpoints;
    assert.ok(overlayEp.every((e) => e.source === undefined));
  });

  it("the host's docker_gwbridge port to ingress_sbox says so, with the netnsid the host uses for it", () => {
    const sbox = dockerNetns().find((x) => x.name === 'ingress_sbox');
    assert.ok(sbox && sbox.id !== null);
    const veth = topo.host?.interfaces.find((i) => i.peerDockerNetns === 'ingress_sbox');
    assert.ok(veth, 'a host veth leads into ingress_sbox');
    assert.equal(veth.master, 'docker_gwbridge');
    const raw = (rec.host.interfaces.known ? rec.host.interfaces.value : []).find((i) => i.name === veth.name)!;
    assert.equal(raw.linkNetnsId, sbox.id);
    assert.match(veth.peer ?? '', /^docker netns ingress_sbox eth\d$/);
    assert.deepEqual(topo.host?.dockerNetns?.map((d) => d.name).sort(), dockerNetns().map((d) => d.name).sort());
  });

  it('records no gap when every namespace was read', () => {
    assert.deepEqual(topo.gaps.filter((g) => /overlay|dockerNetns/.test(g.subject)), []);
  });
});

describe('model: overlay namespaces that cannot be read', () => {
  it('nsenter refusing the namespace (recorded after swarm leave) leaves the overlay empty with a gap naming it', () => {
    const refused = parseDockerNetns(afterLeave);
    const t = build({ ...rec.host, dockerNetns: { known: true, value: refused } });
    const n = network(t, rec.network);
    const refusedNs = refused.find((x) => x.name === n.overlay?.namespace);
    assert.ok(refusedNs && !refusedNs.interfaces.known, 'the after-leave recording holds the same namespace, unreadable');
    assert.equal(n.overlay?.namespacePresent, true);
    assert.equal(n.overlay?.vxlan, null);
    assert.equal(n.overlay?.bridge, null);
    assert.equal(n.overlay?.engineVni, Number(inspected(rec.network).Options['com.docker.network.driver.overlay.vxlanid_list']));
    const gap = t.gaps.find((g) => g.subject === `network ${rec.network} overlay namespace ${n.overlay?.namespace}`);
    assert.ok(gap, 'a gap names the namespace');
    assert.match(gap.reason, /nsenter --net=\/var\/run\/docker\/netns\/1-.*Invalid argument/);
    assert.ok(n.endpoints.every((e) => e.overlayPeer === null));
  });

  it('Docker namespaces unknown as a whole: every overlay says why, and host.dockerNetns is a gap', () => {
    const t = build({ ...rec.host, dockerNetns: unknown('cannot list /var/run/docker/netns (permission denied)') });
    assert.ok(t.gaps.some((g) => g.subject === 'host.dockerNetns' && /permission denied/.test(g.reason)));
    for (const name of [rec.network, 'ingress']) {
      const n = network(t, name);
      assert.equal(n.overlay?.namespacePresent, null);
      assert.equal(n.overlay?.namespace, expectedOverlayNamespace(n.id));
      assert.ok(t.gaps.some((g) => g.subject === `network ${name} overlay` && /permission denied/.test(g.reason)));
    }
  });

  it('host facts recorded without Docker namespaces: a gap says they were not collected, the rest stands', () => {
    const { dockerNetns: _omitted, ...older } = rec.host;
    const t = build(older);
    assert.ok(t.gaps.some((g) => g.subject === `network ${rec.network} overlay` && /collected without/.test(g.reason)));
    assert.ok(network(t, 'docker_gwbridge').endpoints.length > 0, 'the gwbridge join does not depend on them');
    assert.equal(t.host?.dockerNetns, undefined);
  });

  it('no host shell: overlay fields stay unknown, and no gap repeats the host one', () => {
    const t = build(null);
    assert.equal(network(t, rec.network).overlay?.namespacePresent, null);
    assert.ok(!t.gaps.some((g) => /overlay/.test(g.subject)));
  });

  it('an overlay with no local endpoint and no namespace is normal, not a gap', () => {
    const ingressNs = network(topo, 'ingress').overlay!.namespace;
    const without = dockerNetns().filter((x) => x.name !== ingressNs);
    const t = build({ ...rec.host, dockerNetns: { known: true, value: without } });
    assert.equal(network(t, 'ingress').overlay?.namespacePresent, false);
    assert.ok(!t.gaps.some((g) => g.subject.startsWith('network ingress')));
    // but a network whose containers run here must have one
    const ovNs = network(topo, rec.network).overlay!.namespace;
    const t2 = build({ ...rec.host, dockerNetns: { known: true, value: dockerNetns().filter((x) => x.name !== ovNs) } });
    assert.ok(t2.gaps.some((g) => g.subject === `network ${rec.network} overlay` && g.reason.includes(ovNs)));
  });

  it('overlayNamespaceOf prefers the newest epoch when Docker re-made the sandbox', () => {
    const live = dockerNetns().find((x) => x.name === network(topo, rec.network).overlay!.namespace)!;
    const id = network(topo, rec.network).id;
    const remade = { ...live, name: `2-${id}`.slice(0, 12) };
    assert.equal(overlayNamespaceOf(id, [live, remade])?.name, remade.name);
    assert.equal(overlayNamespaceOf(id.replace(/^./, (c) => (c === 'z' ? 'y' : 'z')), [live, remade]), undefined);
  });
});
