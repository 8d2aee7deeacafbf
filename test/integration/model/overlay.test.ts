/**
 * Overlay networks on the real engine: the test makes a single-node swarm itself (and refuses to
 * run on a node already in one, rather than take over and leave someone else's swarm), an
 * attachable overlay with two containers, takes a snapshot through createSession, then asks the
 * kernel itself — nsenter into the overlay's namespace, the containers' iflinks — and checks the
 * model against those answers. after() always leaves the swarm and removes what it made.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type Session } from '../../../src/core/session';
import { createLocalShell } from '../../../src/core/host/shell';
import { collectHostFacts } from '../../../src/core/host/collect';
import type { Endpoint, NetworkNode, Topology } from '../../../src/core/model/types';
import { containerPid, docker, requireRealEngine, run } from '../../support/lab';
import { createOverlayLab, swarmState, type OverlayLab } from '../../support/overlayLab';

const P = 'nlo-i';

interface IpLink {
  ifname: string;
  ifindex: number;
  link_index?: number;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; port?: number } };
}

const nsLinks = (ns: string): IpLink[] => JSON.parse(run('nsenter', [`--net=/var/run/docker/netns/${ns}`, 'ip', '-json', '-d', 'link'])) as IpLink[];
const iflink = (container: string, dev: string): number => Number(run('cat', [`/proc/${containerPid(container)}/root/sys/class/net/${dev}/iflink`]));

describe('model on the real engine: an overlay network in a single-node swarm', function () {
  this.timeout(120_000);
  let lab: OverlayLab | undefined;
  let session: Session | undefined;
  let topo: Topology;
  let overlay: NetworkNode;

  before(async () => {
    requireRealEngine();
    lab = createOverlayLab(P);
    session = createSession({ hostShell: 'local' });
    topo = await session.snapshot();
    const n = topo.networks.find((x) => x.name === lab!.network);
    assert.ok(n, `network ${lab.network} is in the model`);
    overlay = n;
  });

  after(async () => {
    await session?.dispose();
    lab?.remove();
    // the engine is shared: it must be back out of swarm mode whatever happened above
    if (lab) assert.equal(swarmState(), 'inactive', 'the overlay lab left the swarm');
  });

  it('reads the VXLAN device in the overlay namespace: the VNI the kernel holds is the one the engine reports', () => {
    const ov = overlay.overlay;
    assert.ok(ov && ov.namespacePresent, 'the overlay namespace was found');
    const kernelVxlan = nsLinks(ov.namespace).find((l) => l.linkinfo?.info_kind === 'vxlan');
    assert.ok(kernelVxlan, 'the kernel shows a vxlan device there');
    const engineVni = Number(docker('network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', lab!.network));
    assert.equal(kernelVxlan.linkinfo?.info_data?.id, engineVni);
    assert.deepEqual(ov.vxlan, { name: kernelVxlan.ifname, index: kernelVxlan.ifindex, vni: engineVni, port: kernelVxlan.linkinfo?.info_data?.port, local: null });
    assert.equal(ov.engineVni, engineVni);
    assert.equal(kernelVxlan.master, ov.bridge);
  });

  it("lists the overlay bridge's ports as the kernel does, and each container's eth0 peer is one of them", () => {
    const ov = overlay.overlay!;
    const ports = nsLinks(ov.namespace).filter((l) => l.master === ov.bridge && l.linkinfo?.info_kind === 'veth');
    assert.deepEqual(ov.ports.map((p) => p.name).sort(), ports.map((p) => p.ifname).sort());
    for (const name of lab!.containers) {
      const peerIndex = iflink(name, 'eth0');
      const ep = overlay.endpoints.find((e) => e.containerName === name);
      assert.ok(ep, `${name} is on ${lab!.network}`);
      assert.equal(ep.containerInterface, 'eth0');
      assert.equal(ep.hostVeth, null, 'no host veth on an overlay');
      assert.equal(ep.overlayPeer?.index, peerIndex);
      assert.equal(ep.overlayPeer?.namespace, ov.namespace);
      assert.ok(ports.some((p) => p.ifindex === peerIndex && p.ifname === ep.overlayPeer?.interface), `${name}'s peer is a port of ${ov.bridge}`);
      assert.equal(ov.ports.find((p) => p.index === peerIndex)?.peerContainerId, ep.containerId);
    }
  });

  it('joins each container’s eth1 to docker_gwbridge through the host veth the kernel names', () => {
    const gw = topo.networks.find((n) => n.name === 'docker_gwbridge');
    assert.ok(gw && gw.bridge === 'docker_gwbridge' && gw.bridgePresent);
    const hostPorts = JSON.parse(run('ip', ['-json', 'link', 'show', 'master', 'docker_gwbridge'])) as IpLink[];
    for (const name of lab!.containers) {
      const peer = hostPorts.find((l) => l.ifindex === iflink(name, 'eth1'));
      assert.ok(peer, `${name}'s eth1 peer is a docker_gwbridge port`);
      const ep: Endpoint | undefined = gw.endpoints.find((e) => e.containerName === name);
      assert.equal(ep?.hostVeth, peer.ifname);
      assert.equal(ep?.containerInterface, 'eth1');
      assert.equal(ep?.source, 'kernel');
    }
  });

  it('finds the ingress network’s namespace and the ingress sandbox behind its bridge port', () => {
    const ingress = topo.networks.find((n) => n.ingress && n.driver === 'overlay');
    assert.ok(ingress?.overlay?.namespacePresent);
    const sbox = ingress.overlay.ports.find((p) => p.peerNamespace === 'ingress_sbox');
    assert.ok(sbox, 'a port of the ingress bridge leads to ingress_sbox');
    // (sysfs is not per netns here: read the peer's iflink with ip inside the namespace)
    const peer = nsLinks('ingress_sbox').find((l) => l.ifname === sbox.peerInterface);
    assert.equal(peer?.link_index, sbox.index);
  });

  it('stays one shell round trip, with no gap about overlays', () => {
    assert.equal(topo.stats.shellRoundTrips, 1);
    assert.deepEqual(topo.gaps.filter((g) => /overlay|dockerNetns/.test(g.subject)), []);
  });

  it('without nsenter on the host, each Docker namespace is unknown and says why', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nlo-bin-'));
    try {
      for (const tool of ['sh', 'ip', 'ps', 'cat']) symlinkSync(run('sh', ['-c', `command -v ${tool}`]), join(bin, tool));
      const shell = createLocalShell({ env: { ...process.env, PATH: bin } });
      try {
        const facts = await collectHostFacts(shell);
        assert.ok(facts.dockerNetns?.known, 'the list itself is known');
        assert.ok(facts.dockerNetns.value.length >= 3, 'overlay, lb_ and ingress_sbox were listed');
        for (const ns of facts.dockerNetns.value) {
          assert.ok(!ns.interfaces.known);
          assert.match(ns.interfaces.reason, /nsenter: not found on the host/);
        }
      } finally {
        await shell.dispose();
      }
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
