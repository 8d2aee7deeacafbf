/**
 * A two-node Swarm, recorded (test/fixtures/topology/swarm-two-nodes, by
 * test/support/recordSwarmFixture.ts): manager nlswm1 at 10.213.95.1 and worker nlswm2 at
 * 10.213.95.2 over one veth, an attachable overlay with a container on each node, a global service
 * published through the ingress mesh. Each node's dockerd keeps its namespaces under its own
 * --exec-root. The live counterpart: test/integration/model/swarmTwoNodes.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerNetns } from '../../../src/core/host/commands/dockerNetns';
import type { BatchSection } from '../../../src/core/host/batch';
import { formatHostLinks, hostLinks } from '../../../src/core/model/hostLinks';
import type { NetworkNode, Topology } from '../../../src/core/model/types';
import { hopsOnHost, mergeHostChecks, traceOverlay } from '../../../src/core/trace/overlayTrace';
import { routeChecks, summariseRouteChecks, type KernelCheck } from '../../../src/core/trace/kernelCheck';
import { mergeHostProbes, type ProbeResult, type WatchedRuleResult } from '../../../src/core/trace/probe';
import { otherHostNodes } from '../../../src/extension/trees/engineRoots';
import { networkSheet } from '../../../src/protocol/facts/networkSheet';
import { renderTopology } from '../../../src/cli/renderTopology';

interface Recording {
  node: { name: string; address: string; netnsDir: string };
  lab: { network: string; containers: [string, string]; service: string };
  topology: Topology;
  dockerNetnsSection: BatchSection;
}
const dir = join(__dirname, '../../../../test/fixtures/topology/swarm-two-nodes');
const rec = ['nlswm1', 'nlswm2'].map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as Recording);
const models = rec.map((r) => r.topology);
const overlay = (t: Topology, name: string): NetworkNode => t.networks.find((x) => x.name === name)!;

describe('model: a two-node Swarm (recorded)', () => {
  it('reads Docker’s namespaces under the daemon’s own --exec-root, and the VXLAN forwarding entries of overlay namespaces only', () => {
    for (const r of rec) {
      const ns = parseDockerNetns(r.dockerNetnsSection);
      assert.ok(ns.length >= 4);
      for (const n of ns) {
        assert.equal(n.path, `${r.node.netnsDir}/${n.name}`);
        assert.equal(n.fdb !== undefined, /^\d+-/.test(n.name), `${n.name}: fdb read for overlay namespaces only`);
      }
      const other = rec.find((x) => x !== r)!.node.address;
      const vx = ns.filter((n) => n.fdb?.known).flatMap((n) => (n.fdb?.known ? n.fdb.value : [])).filter((e) => e.dst !== null);
      assert.ok(vx.length > 0 && vx.every((e) => e.dev === 'vxlan0' && e.dst === other && e.flags.includes('self')));
    }
  });

  it('puts the other node’s container behind vxlan0 with its overlay address and MAC', () => {
    rec.forEach((r, i) => {
      const other = rec[1 - i]!;
      const ov = overlay(r.topology, r.lab.network).overlay!;
      assert.ok(ov.remotes?.known);
      const far = other.topology.containers.find((c) => c.name === other.lab.containers[1 - i])!;
      const iface = far.interfaces.find((x) => x.addresses.some((a) => a.address.startsWith('10.213.96.')));
      assert.ok(iface, `${far.name} has an overlay address`);
      const addr = iface.addresses.find((a) => a.address.startsWith('10.213.96.'))!.address;
      const remote = ov.remotes.value.find((x) => x.addresses.includes(addr));
      assert.ok(remote, `${r.node.name} reaches ${addr}`);
      assert.equal(remote.underlay, other.node.address);
      assert.equal(remote.mac, iface.mac?.toLowerCase());
    });
  });

  it('joins the nodes by one tunnel per overlay and direction: VNI, port, underlay addresses, the far namespace', () => {
    const { tunnels, unknown } = hostLinks(models);
    assert.deepEqual(unknown, []);
    const ours = tunnels!.filter((t) => t.networkName === rec[0]!.lab.network);
    assert.deepEqual(ours.map((t) => [t.from, t.to, t.local, t.remote, t.dev, t.port]).sort(), [
      [0, 1, '10.213.95.1', '10.213.95.2', 'eth0', 4789],
      [1, 0, '10.213.95.2', '10.213.95.1', 'eth0', 4789],
    ]);
    for (const t of ours) {
      const far = overlay(models[t.to]!, t.networkName).overlay!;
      assert.equal(t.vni, far.vxlan?.vni);
      assert.equal(t.farNamespace, far.namespace);
    }
    assert.equal(tunnels!.filter((t) => t.networkName === 'ingress').length, 2, 'the ingress overlay is tunnelled both ways too');
  });

  it('says the tunnel in the CLI’s text', () => {
    const text = formatHostLinks(hostLinks(models)).join('\n');
    assert.match(text, /nlswm1 \(unix:\/\/\/var\/lib\/nlswm1\/docker\.sock\) → nlswm2 \(unix:\/\/\/var\/lib\/nlswm2\/docker\.sock\): overlay nlswmov VXLAN VNI \d+ udp\/4789 10\.213\.95\.1 → 10\.213\.95\.2 \(dev eth0\), \d endpoint\(s\) there, namespace 1-[a-z0-9]{10}/);
  });

  it('the network sheet and the CLI text name the endpoints behind vxlan0, per node', () => {
    const t = models[0]!;
    const net = overlay(t, rec[0]!.lab.network);
    const c2 = overlay(models[1]!, rec[0]!.lab.network).endpoints.find((e) => e.containerName === 'nlswmc2')!.ipv4!;
    const sheet = networkSheet(t, net);
    const rows = sheet.sections.flatMap((x) => x.rows);
    const behind = rows.find((r) => r.label === 'vxlan0 → 10.213.95.2');
    assert.ok(behind, JSON.stringify(rows.map((r) => r.label)));
    assert.ok(JSON.stringify(behind.value).includes(c2));
    assert.match(renderTopology(t), new RegExp(`vxlan0 → node 10\\.213\\.95\\.2: .*${c2.replace(/\./g, '\\.')}`));
  });

  it('the Host view shows each overlay’s tunnel under the link to the other node', () => {
    const [group] = otherHostNodes('n1', ['n1', 'n2'], models);
    const link = group!.children.find((c) => c.label.startsWith('→ nlswm2'))!;
    assert.equal(link.expanded, true);
    assert.deepEqual(
      link.children.map((c) => c.label).sort(),
      ['overlay ingress', 'overlay nlswmov'],
    );
    const ov = link.children.find((c) => c.label === 'overlay nlswmov')!;
    assert.match(ov.description ?? '', /^VXLAN VNI \d+ · udp\/4789 · 10\.213\.95\.1 → 10\.213\.95\.2 · 3 endpoints$/);
    const back = otherHostNodes('n2', ['n1', 'n2'], models)[0]!.children[0]!;
    assert.ok(back.children.some((c) => /10\.213\.95\.2 → 10\.213\.95\.1/.test(c.description ?? '')));
  });

  it('a dst that is no address of any host read here stays out of the tunnels and is said', () => {
    // node1 alone: its forwarding entries name 10.213.95.2, a host not read
    const { tunnels, unknown } = hostLinks([models[0]!]);
    assert.deepEqual(tunnels, []);
    assert.ok(unknown.some((u) => /overlay nlswmov reaches \d endpoint\(s\) at 10\.213\.95\.2, an address of no host read here/.test(u)), unknown.join('\n'));
  });

  describe('trace across the hosts over the overlay', () => {
    const overlayAddr = (t: Topology, name: string): string => overlay(t, rec[0]!.lab.network).endpoints.find((e) => e.containerName === name)!.ipv4!;
    const c2 = overlayAddr(models[1]!, 'nlswmc2');

    it('node1’s container to node2’s: route, veth into the overlay namespace, br0, vxlan0 encapsulation, node1’s OUTPUT, node2’s PREROUTING/INPUT and VXLAN socket, decapsulation, delivery', () => {
      const r = traceOverlay(models, { fromHost: 0, from: 'nlswmc1', to: c2, proto: 'icmp' });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      assert.equal(r.toHost, 1);
      assert.deepEqual([r.outer?.src, r.outer?.dst, r.outer?.dport, r.outer?.dev], ['10.213.95.1', '10.213.95.2', 4789, 'eth0']);
      assert.equal(r.outer?.vni, overlay(models[1]!, rec[0]!.lab.network).overlay?.vxlan?.vni);
      const where = r.hops.map((h) => h.namespace);
      assert.equal(where[0], 'nlswm1: container nlswmc1');
      assert.equal(where.at(-1), 'nlswm2: container nlswmc2');
      assert.ok(r.hops.some((h) => h.namespace === 'nlswm2: host' && /udp 0\.0\.0\.0:4789/.test(h.what)), 'the far VXLAN socket is found among node2’s listeners');
      assert.deepEqual(r.assumptions, []);
      // and back: node2's container answers over the same kind of tunnel the other way
      assert.equal(r.reply?.[0]?.namespace, 'nlswm2: container nlswmc2');
      assert.equal(r.reply?.at(-1)?.namespace, 'nlswm1: container nlswmc1');
      assert.ok(r.reply?.some((h) => /encapsulates: .* 10\.213\.95\.2 → 10\.213\.95\.1:4789/.test(h.what)));
      assert.equal(r.reply?.[0]?.step, r.hops.length + 1);
    });

    it('--verify splits the walk by host, each host\'s routing steps under its own labels, and judges the answers together', () => {
      const r = traceOverlay(models, { fromHost: 0, from: 'nlswmc1', to: c2, proto: 'icmp' });
      const mine = [0, 1].map((i) => hopsOnHost(models, r, i)!);
      assert.equal(mine[0]!.hops.length + mine[1]!.hops.length, r.hops.length, 'every forward hop is on one host');
      assert.equal(mine[0]!.hops[0]!.namespace, 'container nlswmc1');
      assert.equal(mine[1]!.hops.at(-1)!.namespace, 'container nlswmc2');
      assert.equal((mine[0]!.reply?.length ?? 0) + (mine[1]!.reply?.length ?? 0), r.reply?.length);
      const asked = [0, 1].map((i) => routeChecks(models[i]!, mine[i]!));
      assert.ok(asked.every((a) => a.checks.length > 0), 'each host has routing steps to ask its kernel about');
      // the judging of answers (netlens's own RouteCheckResult, not tool output): each agrees, or the second host's first disagrees
      const answered = (i: number, wrong: boolean): KernelCheck =>
        summariseRouteChecks(asked[i]!.checks.map((c, k) => ({ ...c, observed: wrong && k === 0 ? 'dev nowhere0' : 'as expected', agrees: !(wrong && k === 0) })), asked[i]!.skipped);
      const agreeing = mergeHostChecks([{ host: 'nlswm1', check: answered(0, false) }, { host: 'nlswm2', check: answered(1, false) }]);
      assert.equal(agreeing.agrees, true);
      assert.deepEqual(agreeing.checks.map((c) => c.step), [...agreeing.checks.map((c) => c.step)].sort((a, b) => a - b), 'in walking order across the hosts');
      assert.ok(agreeing.checks.every((c) => /^nlswm[12]: /.test(c.namespace) && c.command.endsWith(`# on ${c.namespace.split(': ')[0]}`)));
      const disagreeing = mergeHostChecks([{ host: 'nlswm1', check: answered(0, false) }, { host: 'nlswm2', check: answered(1, true) }]);
      assert.equal(disagreeing.agrees, false);
      assert.match(disagreeing.observed, /^the kernel disagrees at step \d+ \(nlswm2: /);
      // two hosts of one name cannot be told apart by their hops' labels
      const twins = [models[0]!, { ...models[1]!, host: { ...models[1]!.host!, hostname: models[0]!.host!.hostname } }];
      assert.equal(hopsOnHost(twins, r, 0), null);
    });

    it('--probe across the hosts: one far rule that did not count the packet is a disagreement; a nat rule that did not is unsettled; unread counters are said', () => {
      // netlens's own WatchedRuleResult (the counting itself is judgeProbe's, tested on recorded probes), on node2's recorded rules
      const forward = models[1]!.host!.firewall!.ipv4!.tables['filter']!.chains['FORWARD']!.rules.slice(0, 2);
      assert.equal(forward.length, 2);
      const seen = (packets: number | null, table = 'filter'): WatchedRuleResult[] =>
        forward.map((r, k) => ({ step: 10 + k, table, chain: r.chain, index: r.index, raw: r.raw, packets, agrees: packets === null ? null : packets > 0 }));
      const sent: ProbeResult = { agrees: true, observed: 'answered in 1 ms, as the trace says', outcome: 'answered', command: 'ping', rules: [] };
      const all = mergeHostProbes({ host: 'nlswm1', probe: sent }, [{ host: 'nlswm2', rules: seen(1), failure: null }]);
      assert.equal(all.agrees, true);
      assert.ok(all.rules.every((x) => x.host === 'nlswm2'));
      assert.match(all.observed, /on nlswm2 2 of 2 rules on the way counted it$/);
      const missed = mergeHostProbes({ host: 'nlswm1', probe: sent }, [{ host: 'nlswm2', rules: seen(0), failure: null }]);
      assert.equal(missed.agrees, false);
      assert.match(missed.observed, /^the kernel disagrees at step 10 on nlswm2: filter\/FORWARD #1 did not count the probe/);
      const nat = mergeHostProbes({ host: 'nlswm1', probe: sent }, [{ host: 'nlswm2', rules: seen(0, 'nat'), failure: null }]);
      assert.equal(nat.agrees, true, 'nat sees a flow\'s first packet only: the tunnel\'s flow may be older than the probe');
      assert.ok(nat.rules.every((x) => x.agrees === null));
      const unread = mergeHostProbes({ host: 'nlswm1', probe: sent }, [{ host: 'nlswm2', rules: seen(null), failure: 'no shell' }]);
      assert.equal(unread.agrees, true, 'the sender\'s own word stands');
      assert.match(unread.observed, /nlswm2's counters not read \(no shell\)/);
    });

    it('TCP to a port nothing listens on in node2’s container: refused there', () => {
      const r = traceOverlay(models, { fromHost: 0, from: 'nlswmc1', to: c2, proto: 'tcp', port: 80 });
      assert.equal(r.verdict, 'dropped');
      assert.equal(r.hops.at(-1)?.namespace, 'nlswm2: container nlswmc2');
      assert.match(r.decidedBy, /connection refused/);
    });

    it('to a container on the same node: br0 delivers it, no tunnel', () => {
      const task = models[0]!.containers.find((c) => c.labels['com.docker.swarm.service.name'] === rec[0]!.lab.service)!;
      const r = traceOverlay(models, { fromHost: 0, from: 'nlswmc1', to: overlayAddr(models[0]!, task.name), proto: 'tcp', port: 80 });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      assert.equal(r.outer, undefined);
      assert.match(r.hops.at(-1)!.what, /httpd|listens/);
    });

    it('an address no endpoint of the overlay has: dropped at br0 (no ARP answer)', () => {
      const r = traceOverlay(models, { fromHost: 0, from: 'nlswmc1', to: '10.213.96.250', proto: 'icmp' });
      assert.equal(r.verdict, 'dropped');
      assert.match(r.decidedBy, /no endpoint of nlswmov/);
    });

    it('with node2 not read: the VXLAN packet leaves node1 and the rest is uncertain, said', () => {
      const r = traceOverlay([models[0]!], { fromHost: 0, from: 'nlswmc1', to: c2, proto: 'icmp' });
      assert.equal(r.verdict, 'uncertain');
      assert.match(r.decidedBy, /10\.213\.95\.2, a host not read/);
      assert.ok(r.assumptions.some((x) => /10\.213\.95\.2 is no host read here/.test(x)));
    });
  });
});
