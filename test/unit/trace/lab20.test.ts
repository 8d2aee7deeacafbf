import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTrace, tracePacket } from '../../../src/core/trace';
import { isNetlensError } from '../../../src/core/errors';
import type { Topology } from '../../../src/core/model/types';
import { FIXTURES } from '../../support/netfilterFixtures';

// A real snapshot of this machine's Engine 20.10 with the trace lab up (see test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const with_ = (sysctls: Record<string, string>): Topology => ({ ...LAB, host: { ...LAB.host!, sysctls: { ...LAB.host!.sysctls, ...sysctls } } });
// expectations come from the recording's own truth (the engine's bridge names, the rules' positions), never from an earlier run
const bridgeOf = (network: string): string => LAB.networks.find((n) => n.name === network)!.bridge!;
const BR_A = bridgeOf('nlt-a');
const BR_B = bridgeOf('nlt-b');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const userRule = (comment: string) => LAB.host!.firewall.ipv4!.tables['filter']!.chains['DOCKER-USER']!.rules.find((r) => r.comment === comment)!;

describe('trace on the recorded Engine 20.10 lab', () => {
  it('same bridge: delivered at layer 2, still through filter FORWARD (bridge-nf-call-iptables=1)', () => {
    const r = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered');
    assert.ok(r.hops.some((h) => h.kind === 'bridge' && /layer-2 forward/.test(h.what)));
    assert.ok(r.hops.some((h) => h.chain === 'FORWARD' && h.rule?.raw === `-A FORWARD -i ${BR_A} -o ${BR_A} -j ACCEPT`));
  });

  it('to a container in another one\'s namespace (--network container:): traced to that one\'s address', () => {
    const shared = LAB.containers.find((c) => c.name === 'nlt-shared')!;
    const owner = LAB.containers.find((c) => c.id === shared.sharesNetnsWith)!;
    const ownerIp = LAB.networks.flatMap((n) => n.endpoints).find((e) => e.containerId === owner.id)!.ipv4!;
    const r = tracePacket(LAB, { from: 'nlt-a1', to: 'nlt-shared:80', proto: 'tcp' });
    const direct = tracePacket(LAB, { from: 'nlt-a1', to: `${owner.name}:80`, proto: 'tcp' });
    assert.equal(r.verdict, direct.verdict);
    assert.equal(r.hops[0]!.what, `nlt-shared uses --network container:${owner.name}: it is reached at ${owner.name}'s address`);
    assert.ok(r.hops.some((h) => h.packet.dst === ownerIp), formatTrace(r));
  });

  it('across bridges: dropped by the isolation chain', () => {
    // icmp: the recorded DOCKER-USER rule with -m length makes tcp to nlt-b1 uncertain (see below)
    const r = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, new RegExp(`^filter DOCKER-ISOLATION-STAGE-2 rule \\d+: -A DOCKER-ISOLATION-STAGE-2 -o ${BR_B} -j DROP$`));
  });

  it('publish from the outside netns: delivered via DNAT; the reply comes back from the published address', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered');
    assert.ok(r.hops.some((h) => h.rule?.raw === `-A DOCKER ! -i ${BR_A} -p tcp -m tcp --dport 47180 -j DNAT --to-destination 10.213.20.2:80`));
    assert.equal(r.reply!.at(-1)!.packet.src, '10.213.99.1');
  });

  it('publish bound to 127.0.0.1, from outside: dropped (no DNAT for that address, docker-proxy only on loopback)', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47181', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /127\.0\.0\.1:47181 \(nlt-lo\) is bound to another address/);
  });

  it('publish bound to 127.0.0.1, from the host: docker-proxy relays it to the container', () => {
    const r = tracePacket(LAB, { from: 'host', to: '127.0.0.1:47181', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    assert.match(r.decidedBy, /^docker-proxy \(userland\) relayed the publish/);
    const proxy = LAB.publishes.find((p) => p.hostPort === 47181)!.proxy!;
    assert.ok(r.hops.some((h) => h.kind === 'proxy' && h.what.includes(`pid ${proxy.pid}`)));
  });

  it('direct routing from outside: published port accepted by the DOCKER chain, unpublished dropped by the FORWARD policy', () => {
    const pub = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(pub.verdict, 'delivered');
    const unpub = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'nlt-a2:80', proto: 'tcp' });
    assert.equal(unpub.verdict, 'dropped');
    assert.equal(unpub.decidedBy, 'filter FORWARD policy DROP');
  });

  it('ICC off: dropped at the FORWARD rule for the bridge', () => {
    const r = tracePacket(LAB, { from: 'nlt-n1', to: 'nlt-n2:80', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^filter FORWARD rule \d+: -A FORWARD -i (br-\w+) -o \1 -j DROP$/);
  });

  it('internal: outside traffic dropped by DOCKER-ISOLATION-STAGE-1; inside the network delivered', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'nlt-i1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^filter DOCKER-ISOLATION-STAGE-1 rule \d+: -A DOCKER-ISOLATION-STAGE-1 ! -s 10\.213\.23\.0\/24 -o br-\w+ -j DROP$/);
    assert.equal(tracePacket(LAB, { from: 'nlt-i1', to: 'nlt-i2:80', proto: 'tcp' }).verdict, 'delivered');
  });

  it('DOCKER-USER DROP recorded in the dump decides for outside UDP to a publish', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
    assert.equal(r.verdict, 'dropped');
    const rule = userRule('nlt fixture: outside udp blocked');
    assert.equal(r.decidedBy, `filter DOCKER-USER rule ${rule.index}: ${rule.raw}`);
  });

  it('an unknown match (-m length) on the path: uncertain, naming the rule', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'nlt-b1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    const rule = userRule('nlt fixture: unknown module');
    assert.match(r.decidedBy, new RegExp(`^filter DOCKER-USER rule ${rule.index}: ${esc(rule.raw)} — match module "length" is not understood by netlens$`));
  });

  it('ip_forward=0: dropped, decided by the sysctl; same-bridge traffic is unaffected', () => {
    const off = with_({ 'net.ipv4.ip_forward': '0' });
    const r = tracePacket(off, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /net\.ipv4\.ip_forward=0/);
    assert.equal(tracePacket(off, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' }).verdict, 'delivered');
  });

  it('bridge-nf-call-iptables unknown: uncertain where the bridged packet is dropped by a rule (with it off no rule would run), firm where every hook accepts', () => {
    const sysctls = { ...LAB.host!.sysctls };
    delete (sysctls as Record<string, string>)['net.bridge.bridge-nf-call-iptables'];
    const topo: Topology = { ...LAB, host: { ...LAB.host!, sysctls, bridgeNfCallIptables: null } };
    const r = tracePacket(topo, { from: 'nlt-n1', to: 'nlt-n2:80', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.deepEqual(r.missing.map((m) => m.fact), ['sysctl net.bridge.bridge-nf-call-iptables']);
    assert.match(r.decidedBy, /the packet would be dropped: filter FORWARD rule/);
    const same = tracePacket(topo, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(same.verdict, 'delivered', same.decidedBy);
  });

  it('none: no route; host mode: sends from the host; container: mode uses the other netns', () => {
    const none = tracePacket(LAB, { from: 'nlt-none', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(none.verdict, 'dropped');
    assert.match(none.decidedBy, /no route to 10\.213\.20\.2 \(network unreachable\)/);
    const host = tracePacket(LAB, { from: 'nlt-hostnet', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(host.verdict, 'delivered');
    assert.equal(host.hops[0]!.kind, 'note');
    const shared = tracePacket(LAB, { from: 'nlt-shared', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(shared.verdict, 'delivered');
    assert.ok(shared.hops.some((h) => h.namespace === 'container nlt-a2'));
  });

  it('multi-homed: the route picks the interface on the destination\'s network', () => {
    const r = tracePacket(LAB, { from: 'nlt-multi', to: 'nlt-b1', proto: 'icmp' });
    assert.equal(r.verdict, 'delivered');
    assert.equal(r.hops[0]!.interface, 'eth1');
    const to = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-multi:80', proto: 'tcp' });
    assert.equal(to.verdict, 'delivered');
    assert.ok(to.hops.some((h) => h.kind === 'note' && /2 addresses; tracing to 10\.213\.20\.4 on nlt-a/.test(h.what)));
  });

  it('macvlan: the host cannot reach a child of its parent interface', () => {
    const r = tracePacket(LAB, { from: 'host', to: 'nlt-mac1', proto: 'icmp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^macvlan: the host cannot reach children of its parent interface nlt-mvp0/);
    const back = tracePacket(LAB, { from: 'nlt-mac1', to: 'host', proto: 'icmp' });
    assert.equal(back.verdict, 'dropped');
  });

  it('hairpin to its own publish through the gateway: docker-proxy answers (the DOCKER chain RETURNs for the bridge)', () => {
    const r = tracePacket(LAB, { from: 'nlt-a1', to: 'host:47180', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    assert.ok(r.hops.some((h) => h.matchedRules?.some((m) => m.rule.raw === `-A DOCKER -i ${BR_A} -j RETURN`)));
    assert.ok(r.hops.some((h) => h.kind === 'proxy'));
  });

  it('formats numbered steps with the deciding rule and the assumptions', () => {
    const text = formatTrace(tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'nlt-a2:80', proto: 'tcp' }));
    assert.match(text, /^Trace tcp from netns:nlt-OUT to nlt-a2:80\n {2}1\. \[netns nlt-OUT nlt-out0\] route default via 10\.213\.99\.1/);
    assert.match(text, /Verdict: DROPPED — decided by filter FORWARD policy DROP/);
  });

  it('bad requests fail clearly', () => {
    const bad: [object, string, RegExp][] = [
      [{ from: 'nope', to: 'nlt-a1:80', proto: 'tcp' }, 'NOT_FOUND', /no container, netns or address "nope"/],
      [{ from: 'nlt-a2', to: 'nlt-a1', proto: 'tcp' }, 'BAD_INPUT', /needs a port/],
      [{ from: 'nlt-a2', to: 'nlt-a1:99999', proto: 'tcp' }, 'BAD_INPUT', /out of range/],
      [{ from: 'netns:x;rm', to: 'nlt-a1:80', proto: 'tcp' }, 'BAD_INPUT', /not a netns name/],
      [{ from: 'nlt-a2', to: 'nlt-a1:80', proto: 'sctp' }, 'BAD_INPUT', /tcp, udp or icmp/],
      [{ from: 'fd00::2', to: 'nlt-a1:80', proto: 'tcp', family: 'ipv4' }, 'BAD_INPUT', /--family ipv4 was asked, but --from fd00::2 is an IPv6 address/],
      [{ from: '10.213.20.3', to: 'fd00::5', proto: 'icmp' }, 'BAD_INPUT', /--from 10\.213\.20\.3 is IPv4 and --to fd00::5 is IPv6/],
      [{ from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp', family: 'ipv6' }, 'NOT_FOUND', /container nlt-a1 has no IPv6 address/],
      [{ from: 'nlt-a2', to: '[fd00::5]:99999', proto: 'tcp' }, 'BAD_INPUT', /out of range/],
      [{ from: 'nlt-a2', to: '[nope]:80', proto: 'tcp' }, 'BAD_INPUT', /"nope" is not an IPv6 address/],
      [{ from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp', family: 'ipv5' }, 'BAD_INPUT', /family must be ipv4 or ipv6/],
    ];
    for (const [req, code, re] of bad) {
      assert.throws(() => tracePacket(LAB, req as never), (e: unknown) => isNetlensError(e) && e.code === code && re.test(e.message), JSON.stringify(req));
    }
  });
});

describe('trace sources given as an address', () => {
  it('an address of a container is that container (its own routes), an unknown one a peer behind a host route', () => {
    const r = tracePacket(LAB, { from: '10.213.20.3', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(r.hops[0]!.namespace, 'container nlt-a2');
    assert.equal(r.verdict, 'delivered');
    const peer = tracePacket(LAB, { from: '10.213.99.2', to: 'nlt-a2:80', proto: 'tcp' });
    assert.equal(peer.hops[0]!.namespace, 'netns nlt-OUT', 'the outside netns owns that address');
    const far = tracePacket(LAB, { from: '198.18.0.9', to: 'host:47180', proto: 'tcp' });
    assert.equal(far.hops[0]!.namespace, 'outside');
    assert.equal(far.hops[0]!.interface, 'eth0');
    assert.equal(far.verdict, 'delivered');
  });
});

describe('trace with facts missing from the model', () => {
  it('a container whose netns could not be read is traced from its endpoints, and the verdict is uncertain, naming it', () => {
    const topo: Topology = { ...LAB, containers: LAB.containers.map((c) => (c.name === 'nlt-a2' ? { ...c, interfaces: [], routes: [], unknown: { netns: 'nsenter: permission denied' } } : c)) };
    const r = tracePacket(topo, { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' });
    assert.equal(r.verdict, 'uncertain');
    assert.match(r.decidedBy, /^not known: the interfaces of container nlt-a2 \(nsenter: permission denied\); .* the packet would be dropped: filter DOCKER-ISOLATION-STAGE-2/);
    assert.ok(r.missing.some((m) => m.fact === 'the routes of container nlt-a2' && /connected subnets and default via 10\.213\.20\.1/.test(m.assumed)));
  });

  it('without host facts nothing that crosses the host is firm: same-bridge and across bridges are uncertain', () => {
    const topo: Topology = { ...LAB, host: null };
    const same = tracePacket(topo, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    assert.equal(same.verdict, 'uncertain');
    assert.ok(same.missing.some((m) => m.fact === 'the host firewall (iptables-save / nft)' && /no host facts/.test(m.why)), JSON.stringify(same.missing));
    const across = tracePacket(topo, { from: 'nlt-a2', to: 'nlt-b1:80', proto: 'tcp' });
    assert.equal(across.verdict, 'uncertain');
  });

  it('with the firewall unreadable, a pair the kernel drops is uncertain, not delivered', () => {
    const topo: Topology = { ...LAB, host: { ...LAB.host!, firewall: { ...LAB.host!.firewall, ipv4: null }, unknown: { firewallIpv4: 'iptables-save: command not found' } } };
    const r = tracePacket(topo, { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' });
    assert.equal(r.verdict, 'uncertain');
    assert.match(r.decidedBy, /^not known: the host firewall \(iptables-save \/ nft\) \(iptables-save: command not found\)/);
  });

  it("one source of the firewall missing: nft unreadable is uncertain; nft not installed is an assumption unless the engine says it uses nftables", () => {
    const withHost = (unknownFacts: Record<string, string>, firewallBackend: string | null = null): Topology => ({ ...LAB, engine: { ...LAB.engine, firewallBackend }, host: { ...LAB.host!, unknown: { ...LAB.host!.unknown, ...unknownFacts } } });
    const req = { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' } as const;
    const denied = tracePacket(withHost({ nftables: 'nft-ruleset exited with 1: Operation not permitted' }), req);
    assert.equal(denied.verdict, 'uncertain');
    assert.deepEqual(denied.missing.map((m) => m.fact), ["the host's nftables tables (nft -j list ruleset)"]);
    const absent = withHost({ nftables: 'nft not found on the host (command -v), needed for nft-ruleset' });
    const firm = tracePacket(absent, req);
    assert.equal(firm.verdict, 'dropped', firm.decidedBy);
    assert.ok(firm.assumptions.some((a) => /^no nftables tables beside iptables' own: nft not found/.test(a)));
    assert.equal(tracePacket({ ...absent, engine: { ...absent.engine, firewallBackend: 'nftables' } }, req).verdict, 'uncertain');
    const noIptables = tracePacket(withHost({ iptables: 'iptables-save exited with 1: Permission denied' }), req);
    assert.equal(noIptables.verdict, 'uncertain');
    assert.match(noIptables.decidedBy, /^not known: the host's iptables rules \(iptables-save\) \(iptables-save exited with 1: Permission denied\)/);
  });

  it("the host's sockets unknown: a host port is uncertain, not refused", () => {
    const topo: Topology = { ...LAB, host: { ...LAB.host!, listeners: { known: false, reason: '/proc/net/tcp: permission denied' } } };
    const r = tracePacket(topo, { from: 'nlt-a2', to: 'host:47189', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.deepEqual(r.missing.map((m) => [m.fact, m.why]), [["the host's listening sockets", '/proc/net/tcp: permission denied']]);
    assert.equal(tracePacket(LAB, { from: 'nlt-a2', to: 'host:47189', proto: 'tcp' }).verdict, 'dropped', 'with the sockets read, nobody holds that port');
  });

  it('a stopped container is refused with its state, not traced as "no route"', () => {
    const topo: Topology = { ...LAB, containers: LAB.containers.map((c) => (c.name === 'nlt-a2' ? { ...c, state: 'exited' } : c)) };
    assert.throws(() => tracePacket(topo, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' }), (e: unknown) => isNetlensError(e) && /nlt-a2 is exited, not running/.test(e.message));
  });
});
