/**
 * The Swarm's ingress routing mesh, recorded for real (test/fixtures/swarm-mesh, by
 * test/support/recordSwarmMeshFixture.ts): manager nlswm1, a namespace of this machine whose kernel
 * has no IPVS, runs the only task of a service published through ingress on 18096; worker nlswm2, a
 * Debian 12 VM whose kernel has IPVS, has no task, so a request to nlswm2:18096 is the mesh's to
 * carry to nlswm1. Each node's model is netlens's own snapshot; the ingress sandbox's IPVS table and
 * iptables rules, recorded beside it with the same tools the host batch runs, are put in as the
 * batch puts them (parseIpvsPart, the raw iptables-save text), and the ingress network's mesh is
 * joined from them as buildTopology joins it. The live counterpart: test/integration/model/swarmMesh.test.ts.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_IPVS_MARKER, parseProcIpVs } from '../../../src/core/host/commands/ipvs';
import { parseIpvsPart } from '../../../src/core/host/commands/dockerNetns';
import { buildIngressMesh } from '../../../src/core/model/mesh';
import { inCidr } from '../../../src/core/netfilter/matchEval';
import type { Topology } from '../../../src/core/model/types';
import { traceOverlay } from '../../../src/core/trace/overlayTrace';
import { tracePacket } from '../../../src/core/trace/tracePacket';
import { routeChecks } from '../../../src/core/trace/kernelCheck';
import { meshPortText, meshStateText } from '../../../src/protocol/facts/meshText';
import { renderTopology } from '../../../src/cli/renderTopology';
import { networkSheet } from '../../../src/protocol/facts/networkSheet';

const dir = join(__dirname, '../../../../test/fixtures/swarm-mesh');
const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { publishedPort: number; nlswm1: { address: string }; nlswm2: { address: string } };
const raw = (node: string, file: string): string | null => {
  const p = join(dir, node, 'ingress_sbox', `${file}.txt`);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
};

/** The recorded model with the sandbox's recorded reads put in, and the mesh joined as buildTopology joins it. */
function withSandbox(node: string): Topology {
  const t = JSON.parse(readFileSync(join(dir, node, 'model.json'), 'utf8')) as Topology;
  // the batch prints the marker where the namespace shows no /proc/net/ip_vs (nlswm1: `cat` failed, as recorded in .err)
  const ipvsText = raw(node, 'proc-net-ip_vs') ?? (readFileSync(join(dir, node, 'ingress_sbox', 'proc-net-ip_vs.err'), 'utf8').includes('No such file') ? NO_IPVS_MARKER : 'unexpected');
  const iptables = raw(node, 'iptables-save-c')!;
  const dockerNetns = t.host!.dockerNetns!.map((ns) =>
    ns.name === 'ingress_sbox' ? { ...ns, ipvs: parseIpvsPart(ipvsText, `nsenter --net=${ns.path} cat /proc/net/ip_vs`), iptablesSave: { known: true as const, value: iptables } } : ns,
  );
  const withNs: Topology = { ...t, host: { ...t.host!, dockerNetns } };
  const gw = withNs.networks.find((n) => n.name === 'docker_gwbridge')?.subnets ?? [];
  return {
    ...withNs,
    networks: withNs.networks.map((n) => {
      const mesh = buildIngressMesh({ network: n, hostRules: withNs.host!.firewall.ipv4, dockerNetns, dockerNetnsReason: null, gwbridgeSubnets: gw, inSubnet: (ip, c) => inCidr(ip, c) === true });
      return mesh ? { ...n, mesh } : n;
    }),
  };
}

const node1 = withSandbox('nlswm1');
const node2 = withSandbox('nlswm2');
const models = [node1, node2];
const ingress = (t: Topology) => t.networks.find((n) => n.name === 'ingress')!;

describe('model: the Swarm routing mesh (recorded: a VM worker with IPVS, a manager without)', () => {
  it('parses /proc/net/ip_vs of the worker’s ingress sandbox: one fwmark service, its real server the task’s ingress address', () => {
    const services = parseProcIpVs(raw('nlswm2', 'proc-net-ip_vs')!);
    assert.equal(services.length, 1);
    const [s] = services;
    assert.deepEqual([s!.kind, s!.fwmark, s!.scheduler, s!.address], ['fwmark', 0x100, 'rr', null]);
    assert.deepEqual(s!.realServers.map((r) => [r.address, r.port, r.forward, r.weight]), [['10.0.0.5', 0, 'Masq', 1]]);
    // the held connection is counted active, as ipvsadm -Ln showed it
    assert.match(readFileSync(join(dir, 'nlswm2/ingress_sbox/ipvsadm-Ln-exact.txt'), 'utf8'), new RegExp(`10\\.0\\.0\\.5:0\\s+Masq\\s+1\\s+${s!.realServers[0]!.activeConnections}\\s+${s!.realServers[0]!.inactiveConnections}`));
  });

  it('refuses a line it has never seen, rather than dropping it', () => {
    assert.throws(() => parseProcIpVs(`${raw('nlswm2', 'proc-net-ip_vs')!}SOMETHING 1 2 3\n`), /has not seen/);
    assert.equal(parseIpvsPart('nsenter: reassociate to namespace failed', 'x').known, false);
  });

  it('joins the worker’s mesh: DOCKER-INGRESS DNAT → the sandbox on docker_gwbridge → mark 0x100 → IPVS → the task on the manager, behind vxlan0', () => {
    const m = ingress(node2).mesh!;
    assert.equal(m.sandboxPresent, true);
    assert.deepEqual([m.gatewayAddress, m.ingressAddress], ['172.18.0.2', '10.0.0.3']);
    assert.equal(m.ipvs.known && m.ipvs.value.present, true);
    assert.match(m.snat?.raw ?? '', /-m ipvs --ipvs -j SNAT --to-source 10\.0\.0\.3/);
    assert.equal(m.ports.length, 1);
    const [p] = m.ports;
    assert.deepEqual([p!.proto, p!.published, p!.dnatTo, p!.fwmark], ['tcp', lab.publishedPort, '172.18.0.2:18096', 0x100]);
    assert.match(p!.dnat!.raw, /-A DOCKER-INGRESS -p tcp -m tcp --dport 18096 -j DNAT/);
    assert.deepEqual(p!.backends.map((b) => [b.address, b.containerName, b.remoteUnderlay]), [['10.0.0.5', null, lab.nlswm1.address]]);
    assert.equal(meshPortText(p!), `tcp/18096 → DNAT 172.18.0.2:18096 → ingress_sbox mark 0x100 → IPVS FWM 256 rr → 10.0.0.5 (node ${lab.nlswm1.address})`);
  });

  it('says the manager’s kernel shows no IPVS, so it has no DNAT for the port, where the task runs', () => {
    const m = ingress(node1).mesh!;
    assert.equal(m.sandboxPresent, true);
    assert.deepEqual(m.ipvs, { known: true, value: { present: false, services: [] } });
    assert.ok(m.ports.every((p) => p.dnat === null && p.ipvs === null));
    assert.match(meshStateText(m), /IPVS: none \(this kernel shows no \/proc\/net\/ip_vs/);
    // the task's ingress address is a local endpoint there
    assert.ok(ingress(node1).endpoints.some((e) => e.ipv4 === '10.0.0.5' && /^nlswmweb\.1\./.test(e.containerName)));
  });

  it('the ingress network’s sheet (its drill-down pane) has the mesh in its own section, the same words as the CLI', () => {
    const sheet = networkSheet(node2, ingress(node2));
    const mesh = sheet.sections.find((x) => x.heading === 'Routing mesh on this host');
    assert.ok(mesh, JSON.stringify(sheet.sections.map((x) => x.heading)));
    assert.ok(JSON.stringify(mesh.rows).includes(meshPortText(ingress(node2).mesh!.ports[0]!)));
    assert.ok(JSON.stringify(mesh.rows).includes(meshStateText(ingress(node2).mesh!)));
  });

  it('the CLI text says the mesh under the ingress network', () => {
    const text = renderTopology(node2);
    assert.match(text, /routing mesh: ingress_sbox \(172\.18\.0\.2 on docker_gwbridge, 10\.0\.0\.3 on ingress\); IPVS: 1 service\(s\); SNAT to 10\.0\.0\.3/);
    assert.match(text, /tcp\/18096 → DNAT 172\.18\.0\.2:18096/);
  });
});

describe('trace through the routing mesh (recorded)', () => {
  const c1 = 'nlswmc1';
  const traced = () => traceOverlay(models, { fromHost: 0, from: c1, to: lab.nlswm2.address, proto: 'tcp', port: lab.publishedPort });

  it('nlswmc1 on the manager to the worker’s published port: out by docker_gwbridge, the worker’s DNAT, its sandbox, IPVS, back over the tunnel to the task', () => {
    const r = traced();
    const whats = r.hops.map((h) => `${h.namespace} | ${h.what}`);
    const at = (re: RegExp): number => {
      const i = whats.findIndex((w) => re.test(w));
      assert.ok(i >= 0, `${re} in\n${whats.join('\n')}`);
      return i;
    };
    const order = [
      at(/^nlswm1: container nlswmc1 \| route default via 172\.18\.0\.1 dev eth1/),
      at(/^nlswm1: host .*MASQUERADE/),
      at(/^nlswm2: host \| the packet from 10\.213\.95\.1 arrives on eth0/),
      at(/^nlswm2: host \| nat PREROUTING: accepted by rule 1 \(DNAT\); DNAT 10\.213\.95\.2:18096 → 172\.18\.0\.2:18096/),
      at(/^nlswm2: host \| bridge docker_gwbridge → port veth\w+ → Docker namespace ingress_sbox/),
      at(/^nlswm2: Docker namespace ingress_sbox \| mangle PREROUTING: accepted by policy ACCEPT; mark 0x0 → 0x100/),
      at(/^nlswm2: Docker namespace ingress_sbox \| routing decision: 172\.18\.0\.2 is a local address of Docker namespace ingress_sbox → INPUT/),
      at(/^nlswm2: Docker namespace ingress_sbox \| IPVS service FWM 256 \(0x100\), scheduler rr: NAT \(Masq\) to real server 10\.0\.0\.5 — a task on the node at 10\.213\.95\.1/),
      at(/^nlswm2: Docker namespace ingress_sbox \| nat POSTROUTING: accepted by rule \d+ \(SNAT\); SNAT .* → 10\.0\.0\.3/),
      at(/^nlswm2: overlay 1-[a-z0-9]+ \| .*vxlan0.* 10\.213\.95\.1/),
      at(/^nlswm1: host \| the VXLAN packet from 10\.213\.95\.2 arrives on eth0/),
      at(/^nlswm1: container nlswmweb\.1\.[a-z0-9]+ \| /),
    ];
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in the kernel’s order');
    // the task's own REDIRECT (18096 → 80) is in its nat table, which the snapshot does not read: asked for, not assumed away
    assert.equal(r.verdict, 'uncertain');
    assert.ok(r.missing.some((m) => /^nlswm1: the nat rules of container nlswmweb\.1\./.test(m.fact)), JSON.stringify(r.missing));
    assert.match(r.decidedBy, /if none of them rewrites the port, the packet would be dropped: no process listens on tcp\/18096/);
  });

  it('--verify can ask the sandbox’s own kernel about its routing steps (nsenter into the sandbox by its file)', () => {
    const r = traced();
    const mine = r.hops.filter((h) => h.namespace.startsWith('nlswm2: ')).map((h) => ({ ...h, namespace: h.namespace.slice('nlswm2: '.length) }));
    const { checks } = routeChecks(node2, { hops: mine });
    const inSandbox = checks.filter((c) => c.namespace === 'Docker namespace ingress_sbox');
    assert.ok(inSandbox.length >= 2, JSON.stringify(checks.map((c) => c.command)));
    for (const c of inSandbox) assert.match(c.command, /^nsenter --net=\/var\/run\/docker\/netns\/ingress_sbox ip route get /);
  });

  it('on the worker alone, the walk stops where the tunnel leaves, and says why', () => {
    const r = tracePacket(node2, { from: lab.nlswm1.address, to: `${lab.nlswm2.address}:${lab.publishedPort}`, proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.match(r.decidedBy, /IPVS sent it to 10\.0\.0\.5 through the ingress overlay's tunnel/);
  });

  it('on the manager, whose kernel has no IPVS, the same port is refused: no DNAT, nothing listens', () => {
    const r = tracePacket(node1, { from: lab.nlswm2.address, to: `${lab.nlswm1.address}:${lab.publishedPort}`, proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /connection refused/);
  });
});
