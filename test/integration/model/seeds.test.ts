/**
 * Every scenario of the seed articles, built on the real engine and kernel, then read back through
 * netlens (createSession → snapshot) and checked against the kernel's and the engine's own answers —
 * never against numbers remembered from an earlier run.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type Session } from '../../../src/core/session';
import type { Endpoint, Topology } from '../../../src/core/model/types';
import { containerIflink, containerId, docker, hostLinks, requireRealEngine, run } from '../../support/lab';
import { createSeedLab, type SeedLab } from '../../support/seedLab';

const P = 'nlm-';

describe('model on the real engine: the seed scenarios', function () {
  this.timeout(180_000);
  let session: Session;
  let topo: Topology;
  let bindDir: string;
  let lab: SeedLab | undefined;
  const ports: number[] = [];

  before(async () => {
    requireRealEngine();
    lab = await createSeedLab(P);
    ports.push(...lab.ports);
    bindDir = lab.bindDir;
    session = createSession({ hostShell: 'local' });
    topo = await session.snapshot();
  });

  after(async () => {
    await session?.dispose();
    lab?.remove();
  });

  const container = (name: string) => {
    const c = topo.containers.find((x) => x.name === name);
    assert.ok(c, `container ${name} is in the model`);
    return c;
  };

  it('puts w1 and w2 on docker0 with the IPs the engine assigned', () => {
    const bridge = topo.networks.find((n) => n.name === 'bridge');
    assert.ok(bridge);
    assert.equal(bridge.bridge, 'docker0');
    assert.equal(bridge.bridgePresent, true);
    for (const name of [`${P}w1`, `${P}w2`]) {
      const ep: Endpoint | undefined = bridge.endpoints.find((e) => e.containerName === name);
      assert.ok(ep, `${name} has an endpoint on bridge`);
      assert.equal(ep.ipv4, docker('inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', name));
      assert.equal(ep.mac, docker('inspect', '-f', '{{.NetworkSettings.Networks.bridge.MacAddress}}', name));
    }
  });

  it("names each container's host veth: the host interface whose ifindex is the container eth0's iflink", () => {
    const links = hostLinks();
    for (const name of [`${P}w1`, `${P}w2`, `${P}db`, `${P}app`]) {
      const iflink = containerIflink(name);
      const kernelVeth = links.find((l) => l.ifindex === iflink);
      assert.ok(kernelVeth, `the kernel has an interface with ifindex ${iflink}`);
      const ep: Endpoint | undefined = topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === name);
      assert.ok(ep);
      assert.equal(ep.hostVeth, kernelVeth.ifname, `${name}'s veth`);
      assert.equal(ep.hostVethIndex, iflink);
      const net = topo.networks.find((n) => n.id === ep.networkId)!;
      assert.equal(kernelVeth.master, net.bridge, `${kernelVeth.ifname} is enslaved to ${net.bridge}`);
      const hostSide = topo.host!.interfaces.find((i) => i.index === iflink)!;
      assert.equal(hostSide.peerContainerId, containerId(name));
    }
  });

  it('joins each publish to `docker port`, its DNAT rule and its docker-proxy process', () => {
    for (const [i, name] of [`${P}w1`, `${P}w2`].entries()) {
      const expected = docker('port', name).split('\n').filter((l) => l.includes('0.0.0.0'));
      assert.equal(expected.length, 1, `docker port ${name}: ${expected.join(' | ')}`);
      const pubs = topo.publishes.filter((p) => p.containerName === name && p.hostIp === '0.0.0.0');
      assert.equal(pubs.length, 1);
      const p = pubs[0];
      assert.equal(`${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}`, expected[0]);
      assert.equal(p.hostPort, ports[i]);
      assert.ok(p.dnatRule, 'a DNAT rule implements the publish');
      assert.equal(p.dnatRule.table, 'nat');
      assert.match(p.dnatRule.raw, new RegExp(`--dport ${ports[i]} .*--to-destination ${p.containerIp!.replace(/\./g, '\\.')}:80`));
      const save = run('iptables-save', ['-t', 'nat']);
      assert.ok(save.includes(p.dnatRule.raw), 'the quoted rule is in iptables-save as written');
      assert.ok(p.proxy, 'a docker-proxy serves it');
      const cmdline = readFileSync(`/proc/${p.proxy.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline[0].endsWith('docker-proxy'), `pid ${p.proxy.pid} is docker-proxy`);
      assert.ok(cmdline.includes(String(ports[i])));
    }
  });

  it('shows the user-defined bridge br-<id12> with its subnet, gateway and MASQUERADE rule', () => {
    const net = topo.networks.find((n) => n.name === `${P}net`)!;
    const inspect = JSON.parse(docker('network', 'inspect', `${P}net`))[0];
    assert.equal(net.bridge, `br-${inspect.Id.slice(0, 12)}`);
    assert.ok(hostLinks().some((l) => l.ifname === net.bridge), 'the kernel has that bridge');
    assert.deepEqual(net.subnets, [inspect.IPAM.Config[0].Subnet]);
    assert.deepEqual(net.gateways, [inspect.IPAM.Config[0].Gateway]);
    assert.ok(net.natRules.some((r) => r.raw.includes(`-s ${net.subnets[0]}`) && r.raw.includes('MASQUERADE')));
    const db = net.endpoints.find((e) => e.containerName === `${P}db`)!;
    assert.ok(db.aliases.includes('database'), `aliases: ${db.aliases.join(',')}`);
  });

  it('models host, none and container:<id> network modes', () => {
    const hostnet = container(`${P}hostnet`);
    assert.equal(hostnet.networkMode, 'host');
    assert.equal(hostnet.interfaces.length, 0);
    const nonet = container(`${P}nonet`);
    assert.equal(nonet.networkMode, 'none');
    assert.equal(nonet.interfaces.length, 0, 'only loopback inside, which the model leaves out');
    assert.ok(nonet.pid, 'its process was found all the same');
    const sidecar = container(`${P}sidecar`);
    assert.equal(sidecar.sharesNetnsWith, containerId(`${P}app`));
    assert.deepEqual(sidecar.interfaces.map((i) => i.mac), container(`${P}app`).interfaces.map((i) => i.mac));
  });

  it('hangs the macvlan container off its parent veth, with no bridge', () => {
    const net = topo.networks.find((n) => n.name === `${P}mac`)!;
    assert.equal(net.driver, 'macvlan');
    assert.equal(net.parent, `${P}mvp0`);
    assert.equal(net.bridge, null);
    const mac1 = container(`${P}mac1`);
    const iface = mac1.interfaces.find((i) => i.kind === 'macvlan');
    assert.ok(iface, 'the container has a macvlan interface');
    assert.equal(iface.hostPeer, `${P}mvp0`);
    const parent = topo.host!.interfaces.find((i) => i.name === `${P}mvp0`)!;
    assert.equal(parent.dockerNetworkId, net.id);
  });

  it('records --link with its alias', () => {
    const ep = topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === `${P}linker`)!;
    assert.ok(ep.links.some((l) => l.includes('webalias')), `links: ${ep.links.join(',')}`);
    // on a user-defined network the link lives only in the container's inspect
    const user = topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === `${P}userlinker`)!;
    assert.ok(user.links.some((l) => l.includes('dbalias')), `links: ${user.links.join(',')}`);
  });

  it('lists the volume, the read-only bind and the tmpfs with their host paths', () => {
    const c = container(`${P}vols`);
    const byDest = new Map(c.mounts.map((m) => [m.destination, m]));
    const vol = byDest.get('/data')!;
    assert.equal(vol.type, 'volume');
    assert.equal(vol.source, JSON.parse(docker('volume', 'inspect', `${P}vol`))[0].Mountpoint);
    assert.equal(vol.rw, true);
    const bind = byDest.get('/site')!;
    assert.equal(bind.type, 'bind');
    assert.equal(bind.source, bindDir);
    assert.equal(bind.rw, false);
    assert.equal(byDest.get('/scratch')?.type, 'tmpfs');
    assert.ok(topo.volumes.some((v) => v.name === `${P}vol`));
  });

  it('shows the hand-made RED/BLUE namespaces on a bridge Docker did not make', () => {
    const br = topo.host!.interfaces.find((i) => i.name === `${P}br0`)!;
    assert.equal(br.kind, 'bridge');
    assert.equal(br.dockerNetworkId, null);
    for (const [ns, addr] of [[`${P}RED`, '11.11.11.2'], [`${P}BLUE`, '11.11.11.3']]) {
      const named = topo.host!.namedNetns.find((n) => n.name === ns);
      assert.ok(named, `netns ${ns} is listed`);
      assert.ok(named.interfaces.known && named.interfaces.value.some((i) => i.addresses.some((a) => a.address === addr)));
      const port = topo.host!.interfaces.find((i) => i.master === `${P}br0` && i.peerNetns === ns);
      assert.ok(port, `a port of ${P}br0 leads into ${ns}`);
    }
  });

  it('reads the overlay2 layers and docker diff on demand', async () => {
    docker('exec', `${P}app`, 'touch', '/newfile');
    const storage = await session.storage(`${P}app`);
    assert.equal(storage.driver, docker('inspect', '-f', '{{.GraphDriver.Name}}', `${P}app`));
    assert.equal(storage.upperDir, docker('inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', `${P}app`));
    assert.ok(storage.lowerDirs.length >= 1);
    assert.ok(readFileSync(join(storage.upperDir!, 'newfile')).length === 0, 'the new file sits in UpperDir on disk');
    const diff = await session.diff(`${P}app`);
    assert.ok(diff.some((d) => d.kind === 'A' && d.path === '/newfile'));
  });

  it('makes one shell round trip per snapshot, and list calls only once container details are cached', async () => {
    assert.equal(topo.stats.shellRoundTrips, 1);
    const again = await session.snapshot();
    assert.equal(again.stats.shellRoundTrips, 1);
    // The first snapshot inspected each container once (aliases, tmpfs); the second only those
    // that appeared or changed state in between — none of ours.
    const before = new Map(topo.containers.map((c) => [c.id, c.state]));
    const changed = again.containers.filter((c) => before.get(c.id) !== c.state).length;
    assert.equal(again.stats.apiCalls, 5 + changed, `api calls: ${again.stats.apiCalls}, changed containers: ${changed}`);
    const ours = topo.gaps.filter((g) => g.subject.includes(P));
    assert.deepEqual(ours, []);
  });
});
