/**
 * netlens against Podman (podman system service, netavark, conmon) as a user points it there: the
 * session's own snapshot of the lab's Docker-compatible socket, with the local host shell. The model
 * is checked against the kernel (bridge names, veth peers by ifindex, the live iptables rules), and
 * each trace against a real probe between the lab's own containers and the host's loopback.
 */
import { strict as assert } from 'node:assert';
import { createSession, type Session } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { formatKernelCheck, formatTrace, tracePacket, type TraceRequest } from '../../../src/core/trace';
import { IMAGE, freePort, hostLinks, run } from '../../support/lab';
import { pageProbes, wget, removePodmanLab, startPodmanLab, type PodmanLab } from '../../support/podmanLab';

const DIR = '/tmp/nlpod-it';
const NET = 'nlpod-net';
const PAGE = 'netlens podman page';
const HTTPD = ['sh', '-c', `mkdir -p /www && echo '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www`];

describe('Podman through its Docker-compatible API (podman system service, netavark)', function () {
  this.timeout(300_000);
  let lab: PodmanLab | undefined;
  let session: Session | undefined;
  let topo: Topology;
  let port: number;
  let podPort: number;
  let podmanVersion = 'unknown';
  const ids: Record<string, string> = {};
  const pids: Record<string, number> = {};
  const ips: Record<string, string> = {};
  const tally: boolean[] = [];

  before(async function () {
    assert.equal(process.getuid?.(), 0, 'this suite needs root (podman, netns, iptables)');
    lab = await startPodmanLab(DIR);
    podmanVersion = lab.podman('version', '--format', '{{.Server.Version}}');
    port = await freePort();
    // no DNS: aardvark-dns would be one more daemon to own; the network is otherwise netavark's default
    lab.podman('network', 'create', '--disable-dns', NET);
    lab.podman('run', '-d', '--name', 'nlpod-a', '--network', NET, IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--name', 'nlpod-b', '--network', NET, '-p', `127.0.0.1:${port}:80`, IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--name', 'nlpod-h', '--network', 'host', IMAGE, 'sleep', '100000');
    lab.podman('run', '-d', '--name', 'nlpod-n', '--network', 'none', IMAGE, 'sleep', '100000');
    // a pod: its infra container (catatonit) owns the namespace, the members join it
    podPort = await freePort();
    lab.podman('pod', 'create', '--name', 'nlpod-p', '--infra-name', 'nlpod-p-infra', '--network', NET, '-p', `127.0.0.1:${podPort}:80`);
    lab.podman('run', '-d', '--pod', 'nlpod-p', '--name', 'nlpod-p1', IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--pod', 'nlpod-p', '--name', 'nlpod-p2', IMAGE, 'sleep', '100000');
    for (const c of ['nlpod-a', 'nlpod-b', 'nlpod-h', 'nlpod-n', 'nlpod-p-infra', 'nlpod-p1', 'nlpod-p2']) {
      const [id, pid] = lab.podman('inspect', '-f', '{{.Id}} {{.State.Pid}}', c).split(' ');
      ids[c] = id!;
      pids[c] = Number(pid);
    }
    for (const c of ['nlpod-a', 'nlpod-b', 'nlpod-p-infra']) ips[c] = lab.podman('inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, c);
    session = createSession({ dockerHost: lab.socketUrl, hostShell: 'local', env: {} });
    topo = await session.snapshot();
  });

  after(async function () {
    await session?.dispose();
    // also when start-up failed half-way and left no lab object behind
    if (lab) lab.stop();
    else removePodmanLab(DIR);
    console.log(`trace agrees with the kernel on Podman ${podmanVersion}: ${tally.filter(Boolean).length}/${tally.length}`);
  });

  it('knows the engine as Podman and says what its compatible API leaves out', () => {
    assert.equal(topo.engine.product, 'podman');
    assert.equal(topo.engine.version, podmanVersion);
    assert.ok(topo.engine.apiLimits?.some((l) => /no host and no none network/.test(l)), JSON.stringify(topo.engine.apiLimits));
    const mine = new Set(Object.values(ids));
    const gaps = topo.gaps.filter((g) => g.about?.kind === 'container' && mine.has((g.about as { id: string }).id));
    assert.deepEqual(gaps, [], 'no fact about the lab containers is missing');
    assert.deepEqual(topo.gaps.filter((g) => g.subject === 'host'), [], 'the host shell joined: it is the engine\'s host');
  });

  it("names the network's bridge as Podman and the kernel do (podmanN), not br-<id>", () => {
    const net = topo.networks.find((n) => n.name === NET);
    assert.ok(net, `network ${NET} in the model`);
    const podmanSays = lab!.podman('network', 'inspect', '-f', '{{.NetworkInterface}}', NET);
    assert.match(podmanSays, /^podman\d+$/);
    assert.equal(net.bridge, podmanSays);
    assert.equal(net.bridgePresent, true);
    const kernel = hostLinks().find((l) => l.ifname === net.bridge) as { ifname: string; link_type?: string } | undefined;
    assert.ok(kernel, `the kernel has ${net.bridge}`);
    assert.ok(
      topo.host?.interfaces.some((i) => i.name === net.bridge && i.kind === 'bridge'),
      `the model's host interfaces hold bridge ${net.bridge}`,
    );
    // the masquerade netavark wrote for the subnet, behind its POSTROUTING jump, as the live table holds it
    const live = run('iptables-save', ['-t', 'nat']).split('\n');
    const masq = net.natRules.filter((r) => / -j MASQUERADE$/.test(r.raw));
    assert.equal(masq.length, 1, JSON.stringify(net.natRules));
    assert.match(masq[0]!.chain, /^NETAVARK-[0-9A-F]+$/);
    assert.ok(live.includes(masq[0]!.raw) && live.includes(`-A POSTROUTING -s ${net.subnets[0]} -j ${masq[0]!.chain}`), masq[0]!.raw);
  });

  it("joins each container's endpoint to its host veth by the kernel's peer ifindex", () => {
    const net = topo.networks.find((n) => n.name === NET)!;
    const links = hostLinks();
    for (const c of ['nlpod-a', 'nlpod-b']) {
      const ep = net.endpoints.find((e) => e.containerId === ids[c]);
      assert.ok(ep, `${c} has an endpoint on ${NET}`);
      assert.equal(ep.ipv4, ips[c]);
      // the kernel's own answer: eth0's iflink inside the container is its peer's host ifindex
      const inside = JSON.parse(run('nsenter', ['-t', String(pids[c]), '-n', 'ip', '-json', 'link', 'show', 'eth0'])) as { link_index?: number }[];
      const peerIndex = inside[0]?.link_index;
      assert.ok(typeof peerIndex === 'number', `${c} eth0 names its peer`);
      const peer = links.find((l) => l.ifindex === peerIndex);
      assert.ok(peer, `host interface ${peerIndex}`);
      assert.equal(ep.hostVethIndex, peerIndex, c);
      assert.equal(ep.hostVeth, peer.ifname, c);
      assert.equal(peer.master, net.bridge, `${c}'s veth is a port of ${net.bridge}`);
      assert.equal(ep.containerInterface, 'eth0');
    }
  });

  it('reads host and none mode from each container (the compatible API lists no such networks)', () => {
    const byName = (n: string) => topo.containers.find((c) => c.name === n);
    assert.equal(byName('nlpod-h')?.networkMode, 'host');
    assert.equal(byName('nlpod-n')?.networkMode, 'none');
    // the list leaves a bridge container's mode unsaid too; only those on no network are inspected
    assert.ok(!['host', 'none'].includes(byName('nlpod-a')?.networkMode ?? ''), byName('nlpod-a')?.networkMode);
    for (const n of ['nlpod-h', 'nlpod-n']) assert.ok(!topo.networks.some((net) => net.endpoints.some((e) => e.containerName === n)), `${n} is on no network`);
    assert.ok(!topo.networks.some((n) => n.name === 'host' || n.name === 'none'), 'Podman lists no host or none network');
  });

  it("puts a pod's endpoint and publish on its infra container, its members in that namespace", () => {
    const infra = ids['nlpod-p-infra']!;
    const net = topo.networks.find((n) => n.name === NET)!;
    for (const m of ['nlpod-p1', 'nlpod-p2']) {
      const c = topo.containers.find((x) => x.name === m);
      assert.equal(c?.networkMode, `container:${infra}`, `${m} joined the infra container's namespace`);
      assert.equal(c?.sharesNetnsWith, infra);
      assert.ok(!net.endpoints.some((e) => e.containerId === ids[m]), `${m} has no endpoint of its own`);
    }
    const ep = net.endpoints.find((e) => e.containerId === infra);
    assert.equal(ep?.ipv4, ips['nlpod-p-infra']);
    const inside = JSON.parse(run('nsenter', ['-t', String(pids['nlpod-p1']), '-n', 'ip', '-json', 'link', 'show', 'eth0'])) as { link_index?: number }[];
    assert.equal(ep?.hostVethIndex, inside[0]?.link_index, "the member's eth0 is the infra container's, joined by the kernel's peer ifindex");
    const pubs = topo.publishes.filter((p) => p.hostPort === podPort);
    assert.deepEqual(pubs.map((p) => p.containerId), [infra], 'one publish, on the infra container');
    assert.match(pubs[0]!.dnatRule?.chain ?? '', /^NETAVARK-DN-/);
  });

  it("joins the publish to netavark's DNAT rule, as the live nat table holds it", () => {
    const pub = topo.publishes.find((p) => p.hostPort === port);
    assert.ok(pub, `publish 127.0.0.1:${port}`);
    assert.equal(pub.containerId, ids['nlpod-b']);
    assert.equal(pub.containerIp, ips['nlpod-b']);
    assert.ok(pub.dnatRule, 'a DNAT rule');
    assert.match(pub.dnatRule.chain, /^NETAVARK-DN-[0-9A-F]+$/);
    assert.match(pub.dnatRule.raw, new RegExp(`--to-destination ${ips['nlpod-b']!.replace(/\./g, '\\.')}:80\\b`));
    const live = run('iptables-save', ['-t', 'nat']).split('\n');
    assert.ok(live.includes(pub.dnatRule.raw), `the rule is in the live nat table: ${pub.dnatRule.raw}`);
    assert.equal(pub.proxy, null, 'no docker-proxy');
  });

  const { fromContainer, fromHost } = pageProbes(() => lab!, PAGE);
  /** a TCP connection the kernel must refuse (RST): a timeout or a page means the lab broke */
  const refused = (name: string, url: string) => () => {
    const r = lab!.tryPodman('exec', name, ...wget(url));
    if (r.ok) return true;
    if (!/refused/i.test(r.out)) throw new Error(`expected "connection refused" from ${url}, got: ${r.out.trim()}`);
    return false;
  };
  const cases = (): { name: string; req: TraceRequest; probe: () => boolean; expect: 'delivered' | 'dropped'; chain?: RegExp }[] => [
    { name: 'container to container on the Podman network', req: { from: 'nlpod-a', to: 'nlpod-b:80', proto: 'tcp' }, probe: fromContainer('nlpod-a', `http://${ips['nlpod-b']}/`), expect: 'delivered', chain: /^NETAVARK_FORWARD$/ },
    { name: 'host loopback to the published port (netavark DNAT)', req: { from: 'host', to: `127.0.0.1:${port}`, proto: 'tcp' }, probe: fromHost(`http://127.0.0.1:${port}/`), expect: 'delivered', chain: /^NETAVARK-DN-/ },
    { name: 'host-mode container to a container', req: { from: 'nlpod-h', to: 'nlpod-a:80', proto: 'tcp' }, probe: fromContainer('nlpod-h', `http://${ips['nlpod-a']}/`), expect: 'delivered' },
    { name: 'host loopback to the pod\'s published port', req: { from: 'host', to: `127.0.0.1:${podPort}`, proto: 'tcp' }, probe: fromHost(`http://127.0.0.1:${podPort}/`), expect: 'delivered', chain: /^NETAVARK-DN-/ },
    { name: 'container to a pod member', req: { from: 'nlpod-a', to: 'nlpod-p1:80', proto: 'tcp' }, probe: fromContainer('nlpod-a', `http://${ips['nlpod-p-infra']}/`), expect: 'delivered' },
    { name: 'container port nobody listens on', req: { from: 'nlpod-a', to: 'nlpod-b:81', proto: 'tcp' }, probe: refused('nlpod-a', `http://${ips['nlpod-b']}:81/`), expect: 'dropped' },
    { name: 'none-mode container to a container', req: { from: 'nlpod-n', to: 'nlpod-a:80', proto: 'tcp' }, probe: () => fromContainer('nlpod-n', `http://${ips['nlpod-a']}/`)(), expect: 'dropped' },
  ];
  for (const name of cases().map((c) => c.name)) {
    it(`trace agrees with the kernel: ${name}`, async () => {
      const c = cases().find((x) => x.name === name)!;
      const snapshot = await session!.snapshot();
      const result = tracePacket(snapshot, c.req);
      const routes = await session!.verifyTrace(snapshot, result);
      assert.notEqual(routes.agrees, false, `${name}: ${routes.observed}\n${formatKernelCheck(routes).join('\n')}`);
      const kernel = c.probe() ? 'delivered' : 'dropped';
      tally.push(result.verdict === kernel);
      assert.equal(result.verdict, kernel, `trace said ${result.verdict} (${result.decidedBy}), the kernel ${kernel}\n${formatTrace(result)}`);
      assert.equal(kernel, c.expect, `the probe itself gave an unexpected answer for ${name}`);
      // the rules that decided are netavark's, read from the live tables
      if (c.chain) assert.ok(result.hops.some((h) => h.rule && c.chain!.test(h.rule.chain)), `a rule of ${c.chain} decided a hop\n${formatTrace(result)}`);
      assert.deepEqual(result.missing, [], 'no fact the trace needed was missing');
      if (c.expect === 'delivered') assert.ok(routes.checks.some((k) => k.agrees === true), `ip route get confirmed at least one routing step\n${formatKernelCheck(routes).join('\n')}`);
    });
  }
});
