/**
 * A Swarm across two daemons (issue 13): two nodes of the suite's own (test/support/swarmLab.ts —
 * two dockerds in namespaces of their own joined by one veth, manager and worker), an attachable
 * overlay with a container on each node and a global service published through the ingress mesh.
 * This machine's engine is never put into swarm mode. Each node is read by its own host shell (the
 * node's namespaces entered); the model is checked against what each node's kernel answers inside
 * the overlay's namespace (vxlan0, `bridge fdb`, `ip neigh`), against the manager's task list, and
 * against real traffic: a ping between the two containers leaves node1 as VXLAN to node2's underlay
 * address on the tunnel's port, as counted by iptables rules of the test's own in the nodes.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../../src/core/session';
import { hostLinks } from '../../../src/core/model/hostLinks';
import type { NetworkNode, Topology } from '../../../src/core/model/types';
import { traceOverlay } from '../../../src/core/trace/overlayTrace';
import { tracePacket } from '../../../src/core/trace/tracePacket';
import { run } from '../../support/lab';
import { startSwarmLab, type SwarmLab, type SwarmNode } from '../../support/swarmLab';

const cli = join(__dirname, '../../../../dist/cli.js');

interface IpLink {
  ifname: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; port?: number } };
}
interface Fdb {
  mac: string;
  ifname?: string;
  dst?: string;
}

describe('a Swarm across two daemons of the suite’s own: manager and worker over a veth (real engines)', function () {
  this.timeout(120_000);
  let lab: SwarmLab | undefined;
  const models: Topology[] = [];

  /** a command inside a node (its network, mount and UTS namespaces) */
  const inNode = (n: SwarmNode, ...argv: string[]): string => run(n.enter[0]!, [...n.enter.slice(1), ...argv]);
  const inOverlay = (n: SwarmNode, ns: string, ...argv: string[]): string => inNode(n, 'nsenter', `--net=${n.netnsDir}/${ns}`, ...argv);
  const overlayOf = (t: Topology, name: string): NetworkNode => {
    const net = t.networks.find((x) => x.name === name);
    assert.ok(net?.overlay, `overlay ${name} is in the model of ${t.host?.hostname}`);
    return net;
  };
  const snapshot = async (n: SwarmNode): Promise<Topology> => {
    const s = createSession({ dockerHost: n.socket, localShell: { prefix: n.enter } });
    try {
      return await s.snapshot();
    } finally {
      await s.dispose();
    }
  };
  const overlayIp = (n: SwarmNode, container: string): string => n.docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${lab!.network}").IPAddress}}`, container);

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this suite needs root (namespaces, dockerd)');
    lab = await startSwarmLab();
    // the nodes run whichever dockerd is first on PATH (Debian 12's 20.10; 28 with .cache/engine28 first)
    console.log(`      nodes: Engine ${lab.nodes.map((n) => n.docker('version', '--format', '{{.Server.Version}}')).join(', ')}`);
    for (const n of lab.nodes) models.push(await snapshot(n));
  });
  after(() => {
    lab?.stop();
    if (lab) for (const n of lab.nodes) assert.ok(!existsSync(`/run/netns/${n.name}`), `${n.name}'s namespace is gone`);
  });

  it('reads each node with its own shell: its hostname, its own Docker namespaces, no gap', () => {
    lab!.nodes.forEach((n, i) => {
      const t = models[i]!;
      assert.equal(t.host?.hostname, n.name);
      assert.equal(t.engine.swarm.state, 'active');
      const names = (t.host?.dockerNetns ?? []).map((x) => x.name);
      // under the daemon's own --exec-root, not this machine's engine's /var/run/docker/netns
      assert.ok((t.host?.dockerNetns ?? []).every((x) => x.path === `${n.netnsDir}/${x.name}`));
      assert.ok(names.includes('ingress_sbox') && names.some((x) => x.startsWith('lb_')), names.join(' '));
      assert.deepEqual(t.gaps, [], `${n.name}: ${t.gaps.map((g) => `${g.subject}: ${g.reason}`).join('; ')}`);
    });
  });

  it('holds the overlay on both nodes with the VNI and UDP port each kernel’s vxlan0 has', () => {
    const vnis = lab!.nodes.map((n, i) => {
      const ov = overlayOf(models[i]!, lab!.network).overlay!;
      assert.equal(ov.namespacePresent, true);
      const k = (JSON.parse(inOverlay(n, ov.namespace, 'ip', '-json', '-d', 'link')) as IpLink[]).find((l) => l.linkinfo?.info_kind === 'vxlan');
      assert.ok(k, `${n.name}: a vxlan device in ${ov.namespace}`);
      assert.equal(ov.vxlan?.name, k.ifname);
      assert.equal(ov.vxlan?.vni, k.linkinfo?.info_data?.id);
      assert.equal(ov.vxlan?.port, k.linkinfo?.info_data?.port);
      assert.equal(ov.vxlan?.vni, ov.engineVni);
      return ov.vxlan?.vni;
    });
    assert.equal(vnis[0], vnis[1], 'one VNI on both nodes');
  });

  it('puts each node’s forwarding entries behind the tunnel to the other node, as bridge fdb and ip neigh show them', () => {
    lab!.nodes.forEach((n, i) => {
      const other = lab!.nodes[1 - i]!;
      const ov = overlayOf(models[i]!, lab!.network).overlay!;
      assert.ok(ov.remotes?.known, `${n.name}: remotes known`);
      const fdb = (JSON.parse(inOverlay(n, ov.namespace, 'bridge', '-json', 'fdb', 'show')) as Fdb[]).filter((e) => e.ifname === ov.vxlan?.name && e.dst);
      assert.deepEqual(
        ov.remotes.value.map((r) => [r.mac, r.underlay]).sort(),
        fdb.map((e) => [e.mac, e.dst]).sort(),
      );
      assert.ok(ov.remotes.value.every((r) => r.underlay === other.address));
      // the other node's container is one of them, with its overlay address
      const ip = overlayIp(other, lab!.containers[1 - i]!);
      assert.ok(ov.remotes.value.some((r) => r.addresses.includes(ip)), `${n.name} reaches ${ip} through the tunnel: ${JSON.stringify(ov.remotes.value)}`);
    });
  });

  it('finds the ingress sandbox on each node behind a port of the ingress overlay’s bridge', () => {
    for (const t of models) {
      const ingress = t.networks.find((x) => x.ingress && x.driver === 'overlay');
      assert.ok(ingress?.overlay?.ports.some((p) => p.peerNamespace === 'ingress_sbox'), `${t.host?.hostname}: ${JSON.stringify(ingress?.overlay?.ports)}`);
    }
  });

  it('shows which task runs where: each node’s model holds the one task the manager places there', () => {
    const manager = lab!.nodes[0];
    const placed = manager.docker('service', 'ps', '--filter', 'desired-state=running', '--format', '{{.ID}} {{.Node}}', lab!.service).split('\n').filter(Boolean);
    assert.equal(placed.length, 2);
    lab!.nodes.forEach((n, i) => {
      const tasks = models[i]!.containers.filter((c) => c.labels['com.docker.swarm.service.name'] === lab!.service);
      assert.equal(tasks.length, 1, `${n.name} runs one task`);
      const taskId = tasks[0]!.labels['com.docker.swarm.task.id'] ?? '';
      assert.ok(placed.some((l) => taskId.startsWith(l.split(' ')[0]!) && l.split(' ')[1] === n.name), `${taskId} on ${n.name}: ${placed.join('; ')}`);
      assert.equal(tasks[0]!.labels['com.docker.swarm.node.id'], n.docker('info', '-f', '{{.Swarm.NodeID}}'));
      assert.ok(overlayOf(models[i]!, lab!.network).endpoints.some((e) => e.containerId === tasks[0]!.id && e.overlayPeer), 'the task is on the overlay, with its peer in the overlay namespace');
    });
  });

  it('joins the nodes by the veth and by one VXLAN tunnel each way per overlay', () => {
    const [a, b] = lab!.nodes;
    const { links, tunnels, unknown } = hostLinks(models);
    assert.deepEqual(unknown, []);
    assert.deepEqual(links.map((l) => [l.from, l.to, l.address, l.dev, l.direct]).sort(), [[0, 1, b.address, 'eth0', true], [1, 0, a.address, 'eth0', true]]);
    for (const [from, to] of [[0, 1], [1, 0]] as const) {
      const t = tunnels?.find((x) => x.from === from && x.to === to && x.networkName === lab!.network);
      assert.ok(t, `a tunnel ${from} → ${to}: ${JSON.stringify(tunnels)}`);
      const far = overlayOf(models[to]!, lab!.network).overlay!;
      assert.deepEqual([t.local, t.remote, t.dev, t.port, t.vni, t.farNamespace], [lab!.nodes[from].address, lab!.nodes[to].address, 'eth0', 4789, far.vxlan?.vni, far.namespace]);
      assert.ok(tunnels?.some((x) => x.from === from && x.to === to && x.networkName === 'ingress'), 'the ingress overlay too');
    }
  });

  it('agrees with real traffic: a ping from the node1 container to the node2 one leaves as VXLAN to node2 on the tunnel’s port, and node2 takes it in', () => {
    const [a, b] = lab!.nodes;
    const t = hostLinks(models).tunnels!.find((x) => x.from === 0 && x.to === 1 && x.networkName === lab!.network)!;
    // counting rules (no target: they only count) of the test's own, in the nodes' own namespaces
    const out = ['OUTPUT', '-p', 'udp', '-s', t.local!, '-d', t.remote, '--dport', String(t.port), '-m', 'comment', '--comment', 'nlswm-count'];
    const inp = ['INPUT', '-p', 'udp', '-s', t.local!, '-d', t.remote, '--dport', String(t.port), '-m', 'comment', '--comment', 'nlswm-count'];
    inNode(a, 'iptables', '-I', ...out);
    inNode(b, 'iptables', '-I', ...inp);
    const count = (n: SwarmNode, chain: string): number => {
      const line = inNode(n, 'iptables', '-L', chain, '-v', '-x', '-n').split('\n').find((l) => l.includes('nlswm-count'));
      return Number(line?.trim().split(/\s+/)[0]);
    };
    const target = overlayIp(b, lab!.containers[1]);
    assert.ok(t.endpoints.some((e) => e.addresses.includes(target)), 'the model puts the target behind this tunnel');
    a.docker('exec', lab!.containers[0], 'ping', '-c', '3', '-W', '2', target);
    assert.ok(count(a, 'OUTPUT') >= 3, `node1 sent ≥3 VXLAN packets to ${t.remote}:${t.port}: ${count(a, 'OUTPUT')}`);
    assert.ok(count(b, 'INPUT') >= 3, `node2 took ≥3 in: ${count(b, 'INPUT')}`);
  });

  it('traces node1’s container to node2’s across the hosts, and the kernel agrees: the underlay route, the VXLAN packet on the wire, the ping', () => {
    const [a, b] = lab!.nodes;
    const target = overlayIp(b, lab!.containers[1]);
    const r = traceOverlay(models, { fromHost: 0, from: lab!.containers[0], to: target, proto: 'icmp' });
    assert.equal(r.verdict, 'delivered', `${r.decidedBy}\n${r.hops.map((h) => `${h.namespace} ${h.what}`).join('\n')}`);
    assert.equal(r.toHost, 1);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.assumptions, [], 'the far host is walked, not assumed');
    assert.deepEqual([r.outer?.src, r.outer?.dst, r.outer?.dport, r.outer?.dev], [a.address, b.address, 4789, 'eth0']);
    const kinds = r.hops.map((h) => `${h.namespace.split(':')[0]} ${h.kind}`);
    assert.ok(kinds.indexOf(`${a.name} link`) < kinds.indexOf(`${b.name} link`), 'node1 before node2');
    assert.ok(r.hops.some((h) => /encapsulates: VXLAN VNI \d+/.test(h.what)) && r.hops.some((h) => /decapsulates/.test(h.what)));
    // the kernel's own choice of underlay route and source on node1
    const [got] = JSON.parse(inNode(a, 'ip', '-json', 'route', 'get', b.address)) as { dev: string; prefsrc: string }[];
    assert.deepEqual([got?.dev, got?.prefsrc], [r.outer?.dev, r.outer?.src]);
    // the packets on the wire: counted by rules of the test's own that match exactly the trace's outer packet
    const rule = (chain: string) => [chain, '-p', 'udp', '-s', r.outer!.src, '-d', r.outer!.dst, '--dport', String(r.outer!.dport), '-m', 'comment', '--comment', 'nlswm-trace'];
    inNode(a, 'iptables', '-I', ...rule('OUTPUT'));
    inNode(b, 'iptables', '-I', ...rule('INPUT'));
    try {
      const count = (n: SwarmNode, chain: string): number => Number(inNode(n, 'iptables', '-L', chain, '-v', '-x', '-n').split('\n').find((l) => l.includes('nlswm-trace'))?.trim().split(/\s+/)[0]);
      a.docker('exec', lab!.containers[0], 'ping', '-c', '2', '-W', '2', target);
      assert.ok(count(a, 'OUTPUT') >= 2 && count(b, 'INPUT') >= 2, `counted ${count(a, 'OUTPUT')} out of node1, ${count(b, 'INPUT')} into node2`);
    } finally {
      inNode(a, 'iptables', '-D', ...rule('OUTPUT'));
      inNode(b, 'iptables', '-D', ...rule('INPUT'));
    }
  });

  it('traces a TCP request to node2’s task across the hosts as delivered to httpd, and it answers', () => {
    const b = lab!.nodes[1];
    const task = models[1]!.containers.find((c) => c.labels['com.docker.swarm.service.name'] === lab!.service)!;
    const ip = overlayOf(models[1]!, lab!.network).endpoints.find((e) => e.containerId === task.id)!.ipv4!;
    const r = traceOverlay(models, { fromHost: 0, from: lab!.containers[0], to: ip, proto: 'tcp', port: 80 });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    assert.match(r.hops.at(-1)!.what, /listens/);
    assert.equal(r.hops.at(-1)!.namespace, `${b.name}: container ${task.name}`);
    assert.match(lab!.nodes[0].docker('exec', lab!.containers[0], 'timeout', '5', 'wget', '-qO-', `http://${ip}/`), /netlens test page/);
    const refused = traceOverlay(models, { fromHost: 0, from: lab!.containers[0], to: ip, proto: 'tcp', port: 81 });
    assert.equal(refused.verdict, 'dropped');
    assert.match(refused.decidedBy, /connection refused/);
  });

  it('a DROP of the VXLAN packets in node2’s INPUT: the trace stops at that rule, and the kernel drops the ping', async () => {
    const [a, b] = lab!.nodes;
    const target = overlayIp(b, lab!.containers[1]);
    const drop = ['INPUT', '-p', 'udp', '-s', a.address, '--dport', '4789', '-m', 'comment', '--comment', 'nlswm-drop', '-j', 'DROP'];
    inNode(b, 'iptables', '-I', ...drop);
    try {
      const r = traceOverlay([models[0]!, await snapshot(b)], { fromHost: 0, from: lab!.containers[0], to: target, proto: 'icmp' });
      assert.equal(r.verdict, 'dropped', r.decidedBy);
      assert.match(r.decidedBy, /nlswm-drop/);
      assert.ok(r.hops.some((h) => h.namespace === `${b.name}: host` && h.chain === 'INPUT'), 'dropped in node2’s INPUT');
      const ping = spawnSync(a.enter[0]!, [...a.enter.slice(1), 'docker', '-H', a.socket, 'exec', lab!.containers[0], 'ping', '-c', '2', '-W', '1', target], { encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(ping.status, 0, 'the kernel dropped it too');
    } finally {
      inNode(b, 'iptables', '-D', ...drop);
    }
  });

  it('a DROP of node2’s VXLAN packets in node1’s INPUT: the request arrives, the trace stops the reply at that rule, and the kernel’s ping gets no answer', async () => {
    const [a, b] = lab!.nodes;
    const target = overlayIp(b, lab!.containers[1]);
    const drop = ['INPUT', '-p', 'udp', '-s', b.address, '--dport', '4789', '-m', 'comment', '--comment', 'nlswm-drop-back', '-j', 'DROP'];
    inNode(a, 'iptables', '-I', ...drop);
    try {
      const r = traceOverlay([await snapshot(a), models[1]!], { fromHost: 0, from: lab!.containers[0], to: target, proto: 'icmp' });
      assert.equal(r.verdict, 'dropped', r.decidedBy);
      assert.match(r.decidedBy, /^reply: .*nlswm-drop-back/);
      assert.equal(r.toHost, 1, 'the request itself arrived');
      assert.ok(r.reply?.some((h) => h.namespace === `${a.name}: host` && h.chain === 'INPUT'));
      const ping = spawnSync(a.enter[0]!, [...a.enter.slice(1), 'docker', '-H', a.socket, 'exec', lab!.containers[0], 'ping', '-c', '2', '-W', '1', target], { encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(ping.status, 0, 'no answer came back');
    } finally {
      inNode(a, 'iptables', '-D', ...drop);
    }
  });

  it('the published port on node2, from node1: the trace and a real connection agree (this kernel has no IPVS, so Docker programs no ingress DNAT and the port is refused)', () => {
    const [a, b] = lab!.nodes;
    const r = tracePacket(models[1]!, { from: a.address, to: `${b.address}:${lab!.publishedPort}`, proto: 'tcp' });
    const connect = spawnSync(a.enter[0]!, [...a.enter.slice(1), 'timeout', '5', 'bash', '-c', `exec 3<>/dev/tcp/${b.address}/${lab!.publishedPort}`], { encoding: 'utf8', timeout: 10_000 });
    const ipvs = existsSync('/proc/net/ip_vs');
    const ingressDnat = inNode(b, 'iptables', '-t', 'nat', '-S').includes('DOCKER-INGRESS');
    assert.equal(ingressDnat, ipvs, 'Docker programs the ingress DNAT exactly when the kernel has IPVS');
    assert.equal(r.verdict === 'dropped', connect.status !== 0, `trace ${r.verdict} (${r.decidedBy}); kernel: ${connect.status === 0 ? 'connected' : connect.stderr.trim()}`);
    if (!ipvs) assert.match(r.decidedBy, /connection refused/);
  });

  it('the CLI reads both nodes with --docker-host twice and prints the tunnels between them', () => {
    const [a, b] = lab!.nodes;
    // each node's host shell: the helper container on the node's own engine
    const out = execFileSync('node', [cli, 'topology', '--json', '--docker-host', a.socket, '--docker-host', b.socket, '--host-shell', 'container'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    const parsed = JSON.parse(out) as { engines: Topology[]; tunnels: { from: number; to: number; networkName: string; remote: string; local: string }[] };
    assert.deepEqual(parsed.engines.map((e) => e.host?.hostname), [a.name, b.name]);
    const ours = parsed.tunnels.filter((x) => x.networkName === lab!.network).map((x) => [x.from, x.to, x.local, x.remote]).sort();
    assert.deepEqual(ours, [[0, 1, a.address, b.address], [1, 0, b.address, a.address]]);
    const text = execFileSync('node', [cli, 'topology', '--docker-host', a.socket, '--docker-host', b.socket, '--host-shell', 'container'], { encoding: 'utf8', timeout: 90_000 });
    assert.match(text, new RegExp(`overlay ${lab!.network} VXLAN VNI \\d+ udp/4789 ${a.address.replace(/\./g, '\\.')} → ${b.address.replace(/\./g, '\\.')} \\(dev eth0\\)`));
  });

  it('the CLI traces across the hosts with --docker-host twice: container names on either host, JSON and text', () => {
    const [a, b] = lab!.nodes;
    const hosts = ['--docker-host', a.socket, '--docker-host', b.socket, '--host-shell', 'container'];
    const json = JSON.parse(execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', lab!.containers[1], '--proto', 'icmp', '--json'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 })) as { verdict: string; toHost: number; outer: { src: string; dst: string } };
    assert.deepEqual([json.verdict, json.toHost, json.outer.src, json.outer.dst], ['delivered', 1, a.address, b.address]);
    const text = execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', `${lab!.containers[1]}:80`, '--proto', 'tcp'], { encoding: 'utf8', timeout: 90_000 });
    assert.match(text, new RegExp(`^Trace tcp from ${lab!.containers[0]} on ${a.name} to ${lab!.containers[1]} \\(10\\.213\\.96\\.\\d+\\):80`));
    assert.match(text, /vxlan0 encapsulates: VXLAN VNI \d+/);
    assert.match(text, /Verdict: DROPPED — decided by no process listens on tcp\/80/);
  });

  it('trace --verify across the hosts asks each host\'s own kernel about the routing steps taken on it', () => {
    const [a, b] = lab!.nodes;
    const hosts = ['--docker-host', a.socket, '--docker-host', b.socket, '--host-shell', 'container'];
    const out = execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', lab!.containers[1], '--proto', 'icmp', '--verify', '--json'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    const json = JSON.parse(out) as { verdict: string; kernel: { agrees: boolean | null; observed: string; checks: { namespace: string; command: string; agrees: boolean | null }[]; skipped: string[] } };
    assert.equal(json.verdict, 'delivered');
    assert.equal(json.kernel.agrees, true, `${json.kernel.observed}\n${json.kernel.skipped.join('\n')}`);
    const on = new Set(json.kernel.checks.map((c) => c.namespace.split(': ')[0]));
    assert.deepEqual([...on].sort(), [a.name, b.name].sort(), 'steps on both hosts, each asked of its own kernel');
    for (const c of json.kernel.checks) assert.match(c.command, new RegExp(`# on ${c.namespace.split(': ')[0]}$`));
    // the outer packet's underlay route was asked of the sending host
    assert.ok(json.kernel.checks.some((c) => c.namespace === `${a.name}: host` && c.command.includes(b.address)), JSON.stringify(json.kernel.checks.map((c) => c.command)));
    const text = execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', lab!.containers[1], '--proto', 'icmp', '--verify'], { encoding: 'utf8', timeout: 90_000 });
    assert.match(text, /Kernel check \(ip route get, read-only\): AGREES/);
  });

  it('trace --probe across the hosts sends one real ping from the sender, watches the rules on its way on both hosts, and a DROP on the far one counts it', () => {
    const [a, b] = lab!.nodes;
    const hosts = ['--docker-host', a.socket, '--docker-host', b.socket, '--host-shell', 'container'];
    const out = execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', lab!.containers[1], '--proto', 'icmp', '--probe', '--json'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    const json = JSON.parse(out) as { verdict: string; probe: { agrees: boolean | null; observed: string; outcome: string; command: string; rules: { host?: string; agrees: boolean | null; step: number }[] } };
    assert.equal(json.verdict, 'delivered');
    assert.equal(json.probe.outcome, 'answered', json.probe.observed);
    assert.equal(json.probe.agrees, true, json.probe.observed);
    assert.match(json.probe.command, /ping -c 1/);
    // the rules on its way (policies are not counted per rule; nat sees the tunnel flow's first packet only)
    assert.ok(json.probe.rules.every((r) => r.agrees !== false), JSON.stringify(json.probe.rules));
    // a DROP of the tunnel's packets in node2's INPUT: the trace says dropped, and the probe's ping gets no answer
    const rule = ['INPUT', '-s', a.address, '-p', 'udp', '--dport', '4789', '-m', 'comment', '--comment', 'nlswm-probe', '-j', 'DROP'];
    inNode(b, 'iptables', '-I', ...rule);
    try {
      const dropped = JSON.parse(execFileSync('node', [cli, 'trace', ...hosts, '--from', lab!.containers[0], '--to', lab!.containers[1], '--proto', 'icmp', '--probe', '--json'], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 })) as typeof json;
      assert.equal(dropped.verdict, 'dropped');
      assert.equal(dropped.probe.agrees, true, dropped.probe.observed);
      assert.notEqual(dropped.probe.outcome, 'answered');
      // the DROP in node2's INPUT counted the probe's tunnel packet there
      assert.ok(dropped.probe.rules.some((r) => r.host === b.name && r.agrees === true), JSON.stringify(dropped.probe.rules));
    } finally {
      inNode(b, 'iptables', '-D', ...rule);
    }
  });
});
