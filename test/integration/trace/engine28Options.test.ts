/**
 * Engine 28's layout and the options users set, judged by the kernel: two dockerd 28 of this suite's
 * own, each the Docker host of a network namespace (engine28Lab.ts), one with the defaults and one
 * with `--userland-proxy=false --allow-direct-routing`, networks in every gateway mode and with the
 * bridge driver's options. For each case netlens reads the host (engine socket + host batch inside its
 * namespace), traces, then a real bounded probe runs between the same endpoints; any disagreement
 * fails. Independent of the machine's own engine (20.10 or 28): it brings up its own.
 */
import { strict as assert } from 'node:assert';
import { formatTrace, tracePacket, type TraceRequest, type TraceResult } from '../../../src/core/trace';
import type { Topology } from '../../../src/core/model/types';
import type { HostFacts } from '../../../src/core/host/types';
import { PAGE, attempt, down, nsNames, record, up, type DaemonSpec, type RunningDaemon } from './engine28Lab';
import type { How, Probe, Verdict } from '../../support/kernelProbe';

interface Case {
  readonly name: string;
  readonly req: TraceRequest;
  readonly probe: Probe;
  /** what the lab is built to make the kernel do: a probe that says otherwise means the lab broke */
  readonly expect: Verdict;
  readonly how?: How;
  /** for a page from the outside servers' cgi-bin/addr: the source address the server saw */
  readonly seenFrom?: string;
  /** what the trace must name as the decider: agreeing for the wrong reason is not agreeing */
  readonly why?: RegExp;
  /** how a delivered publish got there: docker-proxy's second connection, or NAT alone (no proxy on the way) */
  readonly via?: 'proxy' | 'nat';
  /** a sysctl of the daemon's host set for this case alone (a fresh snapshot is taken, the old value put back after) */
  readonly sysctl?: { readonly key: string; readonly value: string };
}

// ---- daemon a: the defaults (userland proxy on, direct routing off), forwarding already on ----
const A_OUT = { hostIp: '10.213.71.1', peerIp: '10.213.71.2', prefix: 24 };
const A_LAN = { hostIp: '10.213.70.1', peerIp: '10.213.70.2', prefix: 26 };
const gw = (mode: string): string[] => ['-o', `com.docker.network.bridge.gateway_mode_ipv4=${mode}`];
const DAEMON_A: DaemonSpec = {
  key: 'a',
  title: 'default daemon',
  options: [],
  // forwarding on before Docker starts: Docker 28 leaves the FORWARD policy as it finds it (ACCEPT)
  ipForwardBefore: 1,
  out: A_OUT,
  lan: A_LAN,
  bip: '10.213.70.65/26',
  networks: [
    { name: 'nlo-nat', subnet: '10.213.72.0/24' },
    { name: 'nlo-unprot', subnet: '10.213.73.0/24', args: gw('nat-unprotected') },
    { name: 'nlo-routed', subnet: '10.213.74.0/24', args: gw('routed') },
    // 28.5.2 takes `isolated` only on an internal network ("can only be used for an internal network")
    { name: 'nlo-iso', subnet: '10.213.75.0/24', args: ['--internal', ...gw('isolated')] },
    { name: 'nlo-noicc', subnet: '10.213.76.0/24', args: ['-o', 'com.docker.network.bridge.enable_icc=false'] },
    { name: 'nlo-nomasq', subnet: '10.213.77.0/24', args: ['-o', 'com.docker.network.bridge.enable_ip_masquerade=false'] },
    { name: 'nlo-int', subnet: '10.213.78.0/24', args: ['--internal'] },
    // eth0 faces the outside: direct access to this network's containers is allowed from there only
    { name: 'nlo-trust', subnet: '10.213.79.0/24', args: ['-o', 'com.docker.network.bridge.trusted_host_interfaces=eth0'] },
  ],
  containers: [
    { name: 'web', network: 'nlo-nat', ip: '10.213.72.2', publish: ['8080:80', '5353:5353/udp', `${A_OUT.hostIp}:8081:80`, '127.0.0.1:8082:80'], udpReceiver: 5353 },
    { name: 'web2', network: 'nlo-nat', ip: '10.213.72.3' },
    { name: 'u1', network: 'nlo-unprot', ip: '10.213.73.2', publish: ['8090:80'] },
    { name: 'r1', network: 'nlo-routed', ip: '10.213.74.2', publish: ['80'] },
    { name: 's1', network: 'nlo-iso', ip: '10.213.75.2' },
    { name: 's2', network: 'nlo-iso', ip: '10.213.75.3' },
    { name: 'n1', network: 'nlo-noicc', ip: '10.213.76.2' },
    { name: 'n2', network: 'nlo-noicc', ip: '10.213.76.3' },
    { name: 'm1', network: 'nlo-nomasq', ip: '10.213.77.2' },
    { name: 'i1', network: 'nlo-int', ip: '10.213.78.2' },
    { name: 'i2', network: 'nlo-int', ip: '10.213.78.3' },
    { name: 't1', network: 'nlo-trust', ip: '10.213.79.2', publish: ['8083:80'] },
  ],
};

// ---- daemon b: --userland-proxy=false --allow-direct-routing, forwarding off before it starts ----
const B_OUT = { hostIp: '10.213.70.129', peerIp: '10.213.70.130', prefix: 27 };
const B_LAN = { hostIp: '10.213.70.161', peerIp: '10.213.70.162', prefix: 27 };
const DAEMON_B: DaemonSpec = {
  key: 'b',
  title: 'daemon with --userland-proxy=false --allow-direct-routing',
  options: ['--userland-proxy=false', '--allow-direct-routing'],
  // Docker turns forwarding on itself, and so sets the FORWARD policy to DROP
  ipForwardBefore: 0,
  out: B_OUT,
  lan: B_LAN,
  bip: '10.213.70.193/27',
  networks: [{ name: 'nlo-bnomasq', subnet: '10.213.70.224/28', args: ['-o', 'com.docker.network.bridge.enable_ip_masquerade=false'] }],
  containers: [
    { name: 'b1', network: 'bridge', ip: '10.213.70.194', publish: ['8080:80', '127.0.0.1:8082:80', '5353:5353/udp'], udpReceiver: 5353 },
    { name: 'b2', network: 'bridge', ip: '10.213.70.195' },
    { name: 'bm1', network: 'nlo-bnomasq', ip: '10.213.70.226' },
  ],
};

const http = (from: string, url: string): Probe => ({ from, http: url });
const ping = (from: string, ip: string): Probe => ({ from, ping: ip });
const OUT_A = `netns:${nsNames('a').out}`;
const LAN_A = `netns:${nsNames('a').lan}`;
const OUT_B = `netns:${nsNames('b').out}`;

const CASES_A: readonly Case[] = [
  // publishes
  { name: 'a publish from outside, on the host address (DNAT)', req: { from: OUT_A, to: `${A_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('out', `http://${A_OUT.hostIp}:8080/`), expect: 'delivered', via: 'nat' },
  { name: 'a UDP publish from outside', req: { from: OUT_A, to: `${A_OUT.hostIp}:5353`, proto: 'udp' }, probe: { from: 'out', udp: { container: 'web', ip: A_OUT.hostIp, port: 5353 } }, expect: 'delivered' },
  { name: 'a publish on one host address, reached there', req: { from: OUT_A, to: `${A_OUT.hostIp}:8081`, proto: 'tcp' }, probe: http('out', `http://${A_OUT.hostIp}:8081/`), expect: 'delivered' },
  { name: "a publish on one host address, reached on the host's other address", req: { from: OUT_A, to: `${A_LAN.hostIp}:8081`, proto: 'tcp' }, probe: http('out', `http://${A_LAN.hostIp}:8081/`), expect: 'dropped', how: 'refused' },
  { name: 'a loopback publish, from the host (docker-proxy)', req: { from: 'host', to: '127.0.0.1:8082', proto: 'tcp' }, probe: http('host', 'http://127.0.0.1:8082/'), expect: 'delivered', via: 'proxy' },
  { name: "a loopback publish's port, from outside on the host address", req: { from: OUT_A, to: `${A_OUT.hostIp}:8082`, proto: 'tcp' }, probe: http('out', `http://${A_OUT.hostIp}:8082/`), expect: 'dropped', how: 'refused' },
  { name: 'a container to its own publish on the host address (docker-proxy)', req: { from: 'web', to: `${A_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('web', `http://${A_OUT.hostIp}:8080/`), expect: 'delivered', via: 'proxy' },
  // the raw table's direct-access drops
  { name: "a published container's own address, from outside (raw DROP)", req: { from: OUT_A, to: 'web:80', proto: 'tcp' }, probe: http('out', 'http://10.213.72.2/'), expect: 'dropped', how: 'timeout', why: /^raw PREROUTING rule \d+: -A PREROUTING -d 10\.213\.72\.2\/32 ! -i br-[0-9a-f]{12} -j DROP$/ },
  { name: "an unpublished container's address, from outside (raw DROP)", req: { from: OUT_A, to: 'web2:80', proto: 'tcp' }, probe: http('out', 'http://10.213.72.3/'), expect: 'dropped', how: 'timeout', why: /^raw PREROUTING rule \d+: / },
  { name: "ping to a container's address, from outside (raw DROP)", req: { from: OUT_A, to: 'web', proto: 'icmp' }, probe: ping('out', '10.213.72.2'), expect: 'dropped', how: 'timeout', why: /^raw PREROUTING rule \d+: / },
  // egress
  { name: 'a container to a server outside (masquerade) and its reply', req: { from: 'web2', to: `${A_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('web2', `http://${A_OUT.peerIp}/cgi-bin/addr`), expect: 'delivered', seenFrom: A_OUT.hostIp },
  { name: 'across two networks (isolation)', req: { from: 'web2', to: 'n1:80', proto: 'tcp' }, probe: http('web2', 'http://10.213.76.2/'), expect: 'dropped', how: 'timeout' },
  // nat-unprotected
  { name: "nat-unprotected: an unpublished port on the container's address, from outside", req: { from: OUT_A, to: 'u1:81', proto: 'tcp' }, probe: http('out', 'http://10.213.73.2:81/'), expect: 'delivered' },
  { name: 'nat-unprotected: its publish, from outside', req: { from: OUT_A, to: `${A_OUT.hostIp}:8090`, proto: 'tcp' }, probe: http('out', `http://${A_OUT.hostIp}:8090/`), expect: 'delivered' },
  // routed
  { name: "routed: the published port on the container's address, from outside", req: { from: OUT_A, to: 'r1:80', proto: 'tcp' }, probe: http('out', 'http://10.213.74.2/'), expect: 'delivered' },
  { name: 'routed: an unpublished port, from outside', req: { from: OUT_A, to: 'r1:81', proto: 'tcp' }, probe: http('out', 'http://10.213.74.2:81/'), expect: 'dropped', how: 'timeout', why: /^filter DOCKER rule \d+: -A DOCKER ! -i br-[0-9a-f]{12} -o br-[0-9a-f]{12} -j DROP$/ },
  { name: 'routed: ping from outside', req: { from: OUT_A, to: 'r1', proto: 'icmp' }, probe: ping('out', '10.213.74.2'), expect: 'delivered' },
  { name: 'routed: the container to a server outside (not masqueraded)', req: { from: 'r1', to: `${A_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('r1', `http://${A_OUT.peerIp}/cgi-bin/addr`), expect: 'delivered', seenFrom: '10.213.74.2' },
  // isolated (internal)
  // the isolated network's bridge has no address, so the host has no route to it at all
  { name: 'isolated: between its containers', req: { from: 's1', to: 's2:80', proto: 'tcp' }, probe: http('s1', 'http://10.213.75.3/'), expect: 'delivered' },
  { name: 'isolated: a container, from outside', req: { from: OUT_A, to: 's1:80', proto: 'tcp' }, probe: http('out', 'http://10.213.75.2/'), expect: 'dropped', how: 'unreachable', why: /^route: the host has no route to 10\.213\.75\.2/ },
  { name: 'isolated: a container to outside', req: { from: 's1', to: A_OUT.peerIp, proto: 'icmp' }, probe: ping('s1', A_OUT.peerIp), expect: 'dropped', how: 'unreachable' },
  // enable_icc=false
  { name: 'enable_icc=false: between its containers', req: { from: 'n1', to: 'n2:80', proto: 'tcp' }, probe: http('n1', 'http://10.213.76.3/'), expect: 'dropped', how: 'timeout', why: /^filter DOCKER-FORWARD rule \d+: -A DOCKER-FORWARD -i br-[0-9a-f]{12} -o br-[0-9a-f]{12} -j DROP$/ },
  { name: 'enable_icc=false: a container to a server outside', req: { from: 'n1', to: `${A_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('n1', `http://${A_OUT.peerIp}/cgi-bin/addr`), expect: 'delivered', seenFrom: A_OUT.hostIp },
  // enable_ip_masquerade=false in nat mode: the request leaves with the container's address, the
  // outside routes its answer back through the host, and the raw table drops it (its destination is
  // the container's address and it comes in on eth0, not on the bridge)
  { name: 'enable_ip_masquerade=false: a container to a server outside (the reply meets the raw DROP)', req: { from: 'm1', to: `${A_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('m1', `http://${A_OUT.peerIp}/cgi-bin/addr`), expect: 'dropped', how: 'timeout' },
  // --internal
  { name: 'internal: between its containers', req: { from: 'i1', to: 'i2:80', proto: 'tcp' }, probe: http('i1', 'http://10.213.78.3/'), expect: 'delivered' },
  { name: 'internal: a container, from outside', req: { from: OUT_A, to: 'i1:80', proto: 'tcp' }, probe: http('out', 'http://10.213.78.2/'), expect: 'dropped', how: 'timeout' },
  { name: 'internal: a container to outside', req: { from: 'i1', to: A_OUT.peerIp, proto: 'icmp' }, probe: ping('i1', A_OUT.peerIp), expect: 'dropped', how: 'unreachable' },
  // trusted_host_interfaces=eth0
  { name: "trusted_host_interfaces: the published port on the container's address, from the trusted interface", req: { from: OUT_A, to: 't1:80', proto: 'tcp' }, probe: http('out', 'http://10.213.79.2/'), expect: 'delivered' },
  { name: 'trusted_host_interfaces: an unpublished port, from the trusted interface', req: { from: OUT_A, to: 't1:81', proto: 'tcp' }, probe: http('out', 'http://10.213.79.2:81/'), expect: 'dropped', how: 'timeout', why: /^filter DOCKER rule \d+: / },
  { name: "trusted_host_interfaces: the published port on the container's address, from another interface", req: { from: LAN_A, to: 't1:80', proto: 'tcp' }, probe: http('lan', 'http://10.213.79.2/'), expect: 'dropped', how: 'timeout', why: /^raw PREROUTING rule \d+: -A PREROUTING -d 10\.213\.79\.2\/32 ! -i br-/ },
  // the FORWARD policy as Docker left it (ACCEPT: forwarding was already on)
  { name: 'outside to the other LAN, through the host (FORWARD policy ACCEPT)', req: { from: OUT_A, to: `${A_LAN.peerIp}:80`, proto: 'tcp' }, probe: http('out', `http://${A_LAN.peerIp}/`), expect: 'delivered' },
];

const CASES_B: readonly Case[] = [
  { name: 'the host to 127.0.0.1:<loopback publish> (NAT, route_localnet)', req: { from: 'host', to: '127.0.0.1:8082', proto: 'tcp' }, probe: http('host', 'http://127.0.0.1:8082/'), expect: 'delivered', via: 'nat' },
  // what Docker's route_localnet=1 is for: without it the kernel will not send a packet from 127.0.0.1 out by docker0
  { name: 'the host to 127.0.0.1:<loopback publish>, route_localnet turned off on docker0', req: { from: 'host', to: '127.0.0.1:8082', proto: 'tcp' }, probe: http('host', 'http://127.0.0.1:8082/'), expect: 'dropped', how: 'timeout', sysctl: { key: 'net.ipv4.conf.docker0.route_localnet', value: '0' }, why: /route_localnet=0/ },
  { name: 'the host to 127.0.0.1:<publish on every address> (NAT, route_localnet)', req: { from: 'host', to: '127.0.0.1:8080', proto: 'tcp' }, probe: http('host', 'http://127.0.0.1:8080/'), expect: 'delivered', via: 'nat' },
  { name: 'the host to a publish on its own address (nat OUTPUT)', req: { from: 'host', to: `${B_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('host', `http://${B_OUT.hostIp}:8080/`), expect: 'delivered', via: 'nat' },
  { name: 'a container to its own publish via the host address (hairpin NAT)', req: { from: 'b1', to: `${B_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('b1', `http://${B_OUT.hostIp}:8080/`), expect: 'delivered', via: 'nat' },
  { name: "a neighbour to a container's publish via the host address", req: { from: 'b2', to: `${B_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('b2', `http://${B_OUT.hostIp}:8080/`), expect: 'delivered', via: 'nat' },
  { name: 'a publish from outside (DNAT)', req: { from: OUT_B, to: `${B_OUT.hostIp}:8080`, proto: 'tcp' }, probe: http('out', `http://${B_OUT.hostIp}:8080/`), expect: 'delivered', via: 'nat' },
  { name: 'a UDP publish from outside', req: { from: OUT_B, to: `${B_OUT.hostIp}:5353`, proto: 'udp' }, probe: { from: 'out', udp: { container: 'b1', ip: B_OUT.hostIp, port: 5353 } }, expect: 'delivered' },
  { name: "a loopback publish's port, from outside on the host address", req: { from: OUT_B, to: `${B_OUT.hostIp}:8082`, proto: 'tcp' }, probe: http('out', `http://${B_OUT.hostIp}:8082/`), expect: 'dropped', how: 'refused' },
  { name: "--allow-direct-routing: the published port on the container's address, from outside", req: { from: OUT_B, to: 'b1:80', proto: 'tcp' }, probe: http('out', 'http://10.213.70.194/'), expect: 'delivered' },
  { name: '--allow-direct-routing: an unpublished port, from outside', req: { from: OUT_B, to: 'b1:81', proto: 'tcp' }, probe: http('out', 'http://10.213.70.194:81/'), expect: 'dropped', how: 'timeout', why: /^filter DOCKER rule \d+: -A DOCKER ! -i docker0 -o docker0 -j DROP$/ },
  { name: '--allow-direct-routing: an unpublished container, from outside', req: { from: OUT_B, to: 'b2:80', proto: 'tcp' }, probe: http('out', 'http://10.213.70.195/'), expect: 'dropped', how: 'timeout' },
  { name: 'enable_ip_masquerade=false with direct routing allowed: a container to a server outside', req: { from: 'bm1', to: `${B_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('bm1', `http://${B_OUT.peerIp}/cgi-bin/addr`), expect: 'delivered', seenFrom: '10.213.70.226' },
  { name: 'a docker0 container to a server outside (masquerade)', req: { from: 'b2', to: `${B_OUT.peerIp}:80`, proto: 'tcp' }, probe: http('b2', `http://${B_OUT.peerIp}/cgi-bin/addr`), expect: 'delivered', seenFrom: B_OUT.hostIp },
  // the FORWARD policy as Docker left it (DROP: Docker turned forwarding on)
  { name: 'outside to the other LAN, through the host (FORWARD policy DROP)', req: { from: OUT_B, to: `${B_LAN.peerIp}:80`, proto: 'tcp' }, probe: http('out', `http://${B_LAN.peerIp}/`), expect: 'dropped', how: 'timeout', why: /FORWARD.*policy DROP|policy DROP/ },
];

function argvFrom(d: RunningDaemon, from: string): string[] {
  const ns = nsNames(d.spec.key);
  if (from === 'out') return ['nsenter', `--net=/run/netns/${ns.out}`];
  if (from === 'lan') return ['nsenter', `--net=/run/netns/${ns.lan}`];
  if (from === 'host') return ['nsenter', `--net=/run/netns/${ns.host}`];
  return ['nsenter', '-t', String(d.pid(from)), '-n'];
}

async function probeKernel(d: RunningDaemon, p: Probe): Promise<{ verdict: Verdict; how: How | 'ok' | string; body: string }> {
  const prefix = argvFrom(d, p.from);
  if (p.udp) {
    const receiver = d.udp.get(p.udp.container);
    if (!receiver) throw new Error(`no UDP receiver in ${p.udp.container}`);
    const py = `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(3):\n  s.sendto(b'nlo-udp',('${p.udp.ip}',${p.udp.port}));time.sleep(0.2)`;
    const sent = attempt(prefix[0]!, [...prefix.slice(1), 'python3', '-c', py], 10_000);
    if (sent.code !== 0) throw new Error(`UDP send failed: ${sent.out}`);
    const got = await receiver.received('nlo-udp');
    return { verdict: got ? 'delivered' : 'dropped', how: got ? 'ok' : 'timeout', body: '' };
  }
  const argv = p.http ? ['timeout', '3', 'busybox', 'wget', '-qO-', p.http] : ['timeout', '3', 'busybox', 'ping', '-c1', '-W2', p.ping!];
  const r = attempt(prefix[0]!, [...prefix.slice(1), ...argv], 15_000);
  // a wget only counts when the page came back, not merely when the command ran
  if (r.code === 0 && (!p.http || r.out.includes(PAGE))) return { verdict: 'delivered', how: 'ok', body: r.out };
  const how = /refused/i.test(r.out) ? 'refused' : /unreachable/i.test(r.out) ? 'unreachable' : r.code === 124 || (p.ping && r.code === 1) ? 'timeout' : `exit ${r.code}: ${r.out.trim()}`;
  return { verdict: 'dropped', how, body: r.out };
}

/** The source address of the packet as the trace delivers it to its destination. */
function tracedSource(result: TraceResult): string | null {
  const delivered = [...result.hops].reverse().find((h) => h.kind === 'deliver');
  return delivered?.packet.src ?? null;
}

describe('trace agrees with the kernel on Engine 28 options (dockerds of its own in nlo-* namespaces)', function () {
  this.timeout(300_000);
  const tally: { name: string; agree: boolean }[] = [];
  let daemons: RunningDaemon[] = [];
  let stop: (() => Promise<void>) | null = null;
  const snaps = new Map<string, { topology: Topology; host: HostFacts }>();
  let started = 0;

  before(async function () {
    started = Date.now();
    assert.equal(process.getuid?.(), 0, 'this suite needs root (network namespaces, dockerd)');
    for (const tool of ['nsenter', 'busybox', 'ss', 'python3', 'docker', 'runc', 'iptables']) {
      assert.equal(attempt('sh', ['-c', `command -v ${tool}`]).code, 0, `this suite needs ${tool}`);
    }
    const lab = await up([DAEMON_A, DAEMON_B]);
    daemons = lab.daemons;
    stop = lab.stop;
    // NLO_RECORD_DIR=DIR: keep what the daemons' hosts looked like, for fixtures
    if (process.env['NLO_RECORD_DIR']) record(daemons, process.env['NLO_RECORD_DIR']);
    for (const d of daemons) {
      const snap = await d.snapshot();
      snaps.set(d.spec.key, snap);
    }
    console.log(`    lab up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${daemons.map((d) => `${d.spec.key} = Engine ${d.version}`).join(', ')}`);
  });

  after(async function () {
    const t = Date.now();
    await (stop ?? down)();
    console.log(`    lab removed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const version = daemons[0]?.version ?? '28 (did not start)';
    console.log(`trace agrees with the kernel on ${version} options: ${tally.filter((t) => t.agree).length}/${tally.length} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const t of tally.filter((x) => !x.agree)) console.log(`  disagrees: ${t.name}`);
  });

  for (const [spec, cases] of [[DAEMON_A, CASES_A], [DAEMON_B, CASES_B]] as const) {
    describe(`${spec.key}: ${spec.title}`, () => {
      const daemon = (): RunningDaemon => {
        const d = daemons.find((x) => x.spec.key === spec.key);
        assert.ok(d, `daemon ${spec.key} is up`);
        return d;
      };
      const snap = (): { topology: Topology; host: HostFacts } => snaps.get(spec.key)!;

      it("netlens read the whole host: Engine 28's chains, the FORWARD policy Docker left, no gaps, every container on its veth", function () {
        const { topology } = snap();
        assert.deepEqual(topology.gaps, [], 'netlens established every fact of the lab host');
        const filter = topology.host?.firewall.ipv4?.tables['filter'];
        for (const chain of ['DOCKER-USER', 'DOCKER-FORWARD', 'DOCKER-CT', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-BRIDGE', 'DOCKER']) assert.ok(filter?.chains[chain], `filter ${chain}, read from the kernel`);
        const policy = filter?.chains['FORWARD']?.policy;
        console.log(`        FORWARD policy as Docker left it: ${policy} (ip_forward was ${spec.ipForwardBefore} before dockerd started)`);
        assert.equal(policy, spec.ipForwardBefore ? 'ACCEPT' : 'DROP');
        for (const c of spec.containers) {
          const ep = topology.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === c.name);
          assert.equal(ep?.ipv4, c.ip, `${c.name}'s address`);
          assert.ok(ep?.hostVeth, `${c.name}'s veth was joined from the kernel`);
        }
      });

      it(spec.options.includes('--userland-proxy=false') ? 'no docker-proxy: none runs in its namespace, none in the model' : "the model's docker-proxy processes are this daemon's, each joined to its publish", function () {
        const { topology, host } = snap();
        assert.ok(host.dockerProxies.known, 'the batch read the process list');
        const ips = new Set(spec.containers.map((c) => c.ip));
        // the machine's process list holds every engine's docker-proxy (the other daemon's, the machine's own)
        const mine = host.dockerProxies.value.filter((p) => ips.has(p.containerIp));
        assert.deepEqual(host.dockerProxies.value.filter((p) => !ips.has(p.containerIp)).map((p) => p.args), [], "no other daemon's docker-proxy in this host's facts");
        if (spec.options.includes('--userland-proxy=false')) {
          assert.deepEqual(mine, [], 'no docker-proxy of this daemon');
          assert.deepEqual(topology.publishes.filter((p) => p.proxy).map((p) => `${p.hostIp}:${p.hostPort}`), [], 'no publish is joined to a docker-proxy');
        } else {
          assert.ok(mine.length > 0, 'this daemon runs docker-proxy');
          for (const p of topology.publishes.filter((x) => !x.hostIp.includes(':'))) assert.ok(p.proxy, `publish ${p.hostIp}:${p.hostPort} is joined to its docker-proxy`);
        }
      });

      for (const c of cases) {
        it(c.name, async function () {
          const hostNs = ['nsenter', `--net=/run/netns/${nsNames(spec.key).host}`];
          const sysctlFile = c.sysctl ? `/proc/sys/${c.sysctl.key.replace(/\./g, '/')}` : '';
          const before = c.sysctl ? attempt(hostNs[0]!, [...hostNs.slice(1), 'cat', sysctlFile]).out.trim() : '';
          let result: TraceResult;
          let kernel: Awaited<ReturnType<typeof probeKernel>>;
          try {
            let topology = snap().topology;
            if (c.sysctl) {
              assert.equal(attempt(hostNs[0]!, [...hostNs.slice(1), 'sh', '-c', `echo ${c.sysctl.value} > ${sysctlFile}`]).code, 0, `set ${c.sysctl.key}`);
              topology = (await daemon().snapshot()).topology;
            }
            result = tracePacket(topology, c.req);
            kernel = await probeKernel(daemon(), c.probe);
          } finally {
            if (c.sysctl) attempt(hostNs[0]!, [...hostNs.slice(1), 'sh', '-c', `echo ${before} > ${sysctlFile}`]);
          }
          const agree = result.verdict === kernel.verdict;
          if (process.env['NLO_VERBOSE']) console.log(formatTrace(result).replace(/^/gm, '          | '));
          console.log(`        trace: ${result.verdict} — ${result.decidedBy}\n        kernel: ${kernel.verdict} (${kernel.how})${kernel.body && c.seenFrom ? ` — ${kernel.body.trim()}` : ''}`);
          tally.push({ name: `${spec.key}: ${c.name}`, agree });
          assert.ok(agree, `trace said ${result.verdict} (${result.decidedBy}), the kernel ${kernel.verdict} (${kernel.how})\n${formatTrace(result)}`);
          // the lab second: a probe that contradicts the lab's design means the lab is not what it claims
          assert.equal(kernel.verdict, c.expect, `the kernel itself gave an unexpected answer (${kernel.how})`);
          if (c.how) assert.equal(kernel.how, c.how, 'the kernel turned the probe away otherwise than the lab implies');
          if (c.why) assert.match(result.decidedBy, c.why, 'the trace agrees, but names another decider');
          if (c.via === 'proxy') assert.match(result.decidedBy, /^docker-proxy \(userland\) relayed the publish/, 'docker-proxy takes this connection');
          if (c.via === 'nat') {
            assert.deepEqual(result.hops.filter((h) => h.kind === 'proxy').map((h) => h.what), [], 'no docker-proxy on the way');
            assert.ok(result.hops.some((h) => h.rule && / -j DNAT /.test(h.rule.raw)), `a DNAT rule on the way\n${formatTrace(result)}`);
          }
          if (c.seenFrom) {
            assert.ok(kernel.body.includes(`${PAGE} from ${c.seenFrom}\n`), `the server saw the request come from ${c.seenFrom}: ${kernel.body.trim()}`);
            assert.equal(tracedSource(result), c.seenFrom, 'the trace delivers the request with the source address the server saw');
          }
        });
      }
    });
  }
});
