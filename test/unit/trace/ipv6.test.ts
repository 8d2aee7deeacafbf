import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNetlensError } from '../../../src/core/errors';
import type { Topology } from '../../../src/core/model/types';
import { evaluateChain, evaluateHook } from '../../../src/core/netfilter/evaluate';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { parseNftJson } from '../../../src/core/netfilter/nftables';
import type { EvalContext, Packet } from '../../../src/core/netfilter/packet';
import { known } from '../../../src/core/known';
import { formatTrace, tracePacket, type TraceRequest } from '../../../src/core/trace';
import { FIXTURES } from '../../support/netfilterFixtures';

// Real snapshots of the IPv6 lab (test/integration/trace/ipv6Lab.ts; see test/fixtures/trace/README.md):
// Engine 20.10.24 with --experimental --ip6tables, and Engine 28.5.2, each a dockerd in netns nl6-host.
const load = (name: string): Topology => JSON.parse(readFileSync(join(FIXTURES, 'trace', name), 'utf8'));
const LABS = { '20.10': load('ipv6-20.10.topology.json'), '28': load('ipv6-28.topology.json') } as const;
const HOST6 = 'fd6e:6c36:0:1::1';
const OUT6 = 'fd6e:6c36:0:1::2';
const OUT = 'netns:nl6-out';
const V6 = { family: 'ipv6' } as const;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function withHost(t: Topology, change: (h: NonNullable<Topology['host']>) => Partial<NonNullable<Topology['host']>>): Topology {
  return { ...t, host: { ...t.host!, ...change(t.host!) } };
}

for (const [engine, LAB] of Object.entries(LABS) as [keyof typeof LABS, Topology][]) {
  // expectations come from the recording itself: bridge names, addresses, rule positions
  const bridgeOf = (network: string) => LAB.networks.find((n) => n.name === network)!.bridge!;
  const v6Of = (container: string) => LAB.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === container && e.ipv6)!.ipv6!;
  const BR_A = bridgeOf('nl6-a');
  const A1 = v6Of('nl6-a1');
  const B1 = v6Of('nl6-b1');
  const trace = (req: TraceRequest) => tracePacket(LAB, req);

  describe(`IPv6 trace on the recorded Engine ${engine} lab (${LAB.engine.version})`, () => {
    it('the recording is what the suite expects: IPv6 networks, an ip6tables ruleset, IPv6 forwarding on', () => {
      assert.ok(LAB.networks.find((n) => n.name === 'nl6-a')!.enableIPv6);
      assert.ok(LAB.host!.firewall.ipv6, 'ip6tables-save was read');
      assert.equal(LAB.host!.sysctls['net.ipv6.conf.all.forwarding'], '1');
      assert.equal(LAB.host!.sysctls['net.bridge.bridge-nf-call-ip6tables'], '1');
    });

    it('a container name with family ipv6 resolves to its IPv6 endpoint; same network is bridged through ip6tables', () => {
      const r = trace({ from: 'nl6-a2', to: 'nl6-a1:80', proto: 'tcp', ...V6 });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      assert.equal(r.family, 'ipv6');
      assert.equal(r.hops[0]!.packet.dst, A1);
      assert.ok(r.hops.some((h) => h.sysctl === 'net.bridge.bridge-nf-call-ip6tables' && /passes the ip6tables/.test(h.what)));
      assert.ok(r.hops.every((h) => h.packet.src.includes(':') && h.packet.dst.includes(':')), 'never an IPv4 address on the way');
      assert.match(r.hops.find((h) => h.kind === 'deliver')!.what, /tcp \[::\]:80/, 'the [::] socket takes it');
      assert.deepEqual(r.assumptions, [], 'no dual-stack assumption for IPv6 on [::]');
    });

    it('ICMPv6 echo: type 128 out, 129 back', () => {
      const r = trace({ from: 'nl6-a2', to: 'nl6-a1', proto: 'icmp', ...V6 });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      assert.match(formatTrace(r), /^Trace icmp \(IPv6\) from nl6-a2 to nl6-a1/);
    });

    it('across two IPv6 networks: dropped where the kernel drops it', () => {
      for (const proto of ['tcp', 'icmp'] as const) {
        const r = trace({ from: 'nl6-a2', to: proto === 'tcp' ? 'nl6-b1:80' : 'nl6-b1', proto, ...V6 });
        assert.equal(r.verdict, 'dropped');
        if (engine === '28') assert.match(r.decidedBy, new RegExp(`^raw PREROUTING rule \\d+: -A PREROUTING -d ${esc(B1)}/128 ! -i ${bridgeOf('nl6-b')} -j DROP$`));
        else assert.match(r.decidedBy, new RegExp(`^filter DOCKER-ISOLATION-STAGE-2 rule \\d+: -A DOCKER-ISOLATION-STAGE-2 -o ${bridgeOf('nl6-b')} -j DROP$`));
      }
    });

    it('to the outside: MASQUERADE takes the global address of the way out, never fe80::, and conntrack brings the reply back', () => {
      const r = trace({ from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      const masq = r.hops.find((h) => h.rule?.raw.endsWith('-j MASQUERADE'))!;
      assert.equal(masq.rule!.raw, `-A POSTROUTING -s fd6e:6c36:0:10::/64 ! -o ${BR_A} -j MASQUERADE`);
      assert.equal(masq.packet.src, HOST6);
      assert.ok(r.reply!.some((h) => /conntrack \(NAT at priority -100\)/.test(h.what)));
      assert.equal(r.reply!.at(-1)!.packet.dst, v6Of('nl6-a2'));
    });

    it('an ICMPv6 rule on echo-request (type 128) is not an echo-reply rule: the recorded rule drops pings from outside, not the answers to pings from inside', () => {
      const fixtureRule = LAB.host!.firewall.ipv6!.tables['filter']!.chains['FORWARD']!.rules[0]!;
      assert.equal(fixtureRule.comment, 'nl6 fixture: outside echo-request dropped');
      const outward = trace({ from: 'nl6-a2', to: OUT6, proto: 'icmp' });
      assert.equal(outward.verdict, 'delivered', outward.decidedBy);
      // the answer comes from OUT6 as type 129: the rule reads the type, not only the source
      assert.ok(!outward.reply!.some((h) => h.rule?.raw === fixtureRule.raw || h.matchedRules?.some((m) => m.rule.raw === fixtureRule.raw)));
      assert.ok(outward.reply!.some((h) => h.packet.src === OUT6 && h.chain === 'FORWARD'), 'the answer did pass FORWARD');
      const inward = trace({ from: OUT, to: 'nl6-a2', proto: 'icmp', ...V6 });
      assert.equal(inward.verdict, 'dropped');
      if (engine === '28') assert.match(inward.decidedBy, /^raw PREROUTING rule \d+: /, 'Engine 28 drops direct access before FORWARD');
      else assert.equal(inward.decidedBy, `filter FORWARD rule 1: ${fixtureRule.raw}`);
      // the same rule does not take tcp
      assert.notEqual(trace({ from: OUT, to: 'nl6-a1:80', proto: 'tcp', ...V6 }).decidedBy, `filter FORWARD rule 1: ${fixtureRule.raw}`);
    });

    it('a publish reached over IPv6 is DNATed by ip6tables to the container\'s IPv6 address', () => {
      const r = trace({ from: OUT, to: `[${HOST6}]:47680`, proto: 'tcp' });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      const dnat = r.hops.find((h) => h.rule?.raw.includes('-j DNAT'))!;
      assert.ok(dnat.rule!.raw.endsWith(`-j DNAT --to-destination [${A1}]:80`));
      assert.match(dnat.what, new RegExp(`DNAT \\[${esc(HOST6)}\\]:47680 → \\[${esc(A1)}\\]:80`));
      assert.equal(r.reply!.at(-1)!.packet.src, HOST6, 'the reply comes back from the published address');
    });

    it('an IPv6 publish of an IPv4-only container: docker-proxy takes it and relays over IPv4', () => {
      const r = trace({ from: OUT, to: `[${HOST6}]:47681`, proto: 'tcp' });
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      assert.match(r.decidedBy, /^docker-proxy \(userland\) relayed the publish/);
      const proxy = LAB.publishes.find((p) => p.hostIp === '::' && p.hostPort === 47681)!.proxy!;
      const hop = r.hops.find((h) => h.kind === 'proxy')!;
      assert.match(hop.what, new RegExp(`docker-proxy \\(pid ${proxy.pid}\\) listens for nl6-v1's publish \\[::\\]:47681; it opens its own connection to 10\\.216\\.12\\.2:80`));
      assert.ok(r.hops.some((h) => /is IPv4: it passes the iptables rules/.test(h.what)));
      const v4leg = r.hops.filter((h) => h.packet.dst === '10.216.12.2');
      assert.ok(v4leg.length > 0 && v4leg.every((h) => !h.packet.src.includes(':')), 'the leg is IPv4 end to end');
      // the client's reply is IPv6 again, and the container's reply to the proxy IPv4
      assert.ok(r.reply!.some((h) => h.packet.src === '10.216.12.2') && r.reply!.at(-1)!.packet.src === HOST6);
    });

    it('empty ports are refused: a container port, a host port (no IPv4 socket takes IPv6)', () => {
      const c = trace({ from: 'nl6-a2', to: 'nl6-a1:81', proto: 'tcp', ...V6 });
      assert.equal(c.verdict, 'dropped');
      assert.match(c.decidedBy, /^no process listens on tcp\/81 in container nl6-a1/);
      const h = trace({ from: OUT, to: `[${HOST6}]:47689`, proto: 'tcp' });
      assert.equal(h.verdict, 'dropped');
      assert.match(h.decidedBy, /^no process listens on tcp\/47689 in host/);
      // no receiver was running when this was recorded: the datagram is answered with port unreachable
      const u = trace({ from: 'nl6-a2', to: 'nl6-a1:5353', proto: 'udp', ...V6 });
      assert.equal(u.verdict, 'dropped');
      assert.match(u.decidedBy, /^no process listens on udp\/5353 in container nl6-a1: the kernel answers with ICMP port unreachable/);
    });

    it('to "host" over IPv6: the container\'s IPv6 gateway; from the host itself, ::1', () => {
      const r = trace({ from: 'nl6-a2', to: 'host', proto: 'icmp', ...V6 });
      assert.equal(r.verdict, 'delivered');
      assert.equal(r.hops[0]!.packet.dst, 'fd6e:6c36:0:10::1');
      const lo = trace({ from: 'host', to: 'host', proto: 'icmp', ...V6 });
      assert.equal(lo.hops[0]!.packet.dst, '::1');
      assert.equal(lo.verdict, 'delivered');
    });

    it("a published container's own IPv6 address from outside: 20.10 accepts the published port, 28 drops direct access", () => {
      const r = trace({ from: OUT, to: 'nl6-a1:80', proto: 'tcp', ...V6 });
      if (engine === '28') {
        assert.equal(r.verdict, 'dropped');
        assert.match(r.decidedBy, new RegExp(`^raw PREROUTING rule \\d+: -A PREROUTING -d ${esc(A1)}/128 ! -i ${BR_A} -j DROP$`));
      } else {
        assert.equal(r.verdict, 'delivered', r.decidedBy);
        assert.ok(r.hops.some((h) => h.rule?.raw === `-A DOCKER -d ${A1}/128 ! -i ${BR_A} -o ${BR_A} -p tcp -m tcp --dport 80 -j ACCEPT`));
      }
    });

    it('an address given decides the family; spellings of one IPv6 address are one address', () => {
      const long = A1.replace('::', ':0:0:0:');
      const r = trace({ from: 'nl6-a2', to: `[${long.toUpperCase()}]:80`, proto: 'tcp' });
      assert.equal(r.family, 'ipv6');
      assert.equal(r.hops[0]!.packet.dst, A1);
      assert.equal(r.verdict, 'delivered', r.decidedBy);
      const bare = trace({ from: v6Of('nl6-a2'), to: A1, proto: 'tcp', port: 80 });
      assert.equal(bare.hops[0]!.namespace, 'container nl6-a2', 'an IPv6 address of a container is that container');
      assert.equal(bare.verdict, 'delivered');
      assert.match(formatTrace(bare), new RegExp(`^Trace tcp \\(IPv6\\) from ${esc(v6Of('nl6-a2'))} to \\[${esc(A1)}\\]:80`));
      // the IPv4 trace of the same pair is untouched by any of this
      const v4 = trace({ from: 'nl6-a2', to: 'nl6-a1:80', proto: 'tcp' });
      assert.equal(v4.family, 'ipv4');
      assert.equal(v4.hops[0]!.packet.dst, '10.216.10.2');
    });

    it('requests that cannot be IPv6 fail clearly', () => {
      const bad: [TraceRequest, string, RegExp][] = [
        [{ from: 'nl6-a2', to: 'nl6-v1:80', proto: 'tcp', ...V6 }, 'NOT_FOUND', /container nl6-v1 has no IPv6 address .*not IPv6-enabled/],
        [{ from: 'nl6-a2', to: '10.216.10.2:80', proto: 'tcp', ...V6 }, 'BAD_INPUT', /--family ipv6 was asked, but --to 10\.216\.10\.2:80 is an IPv4 address/],
        [{ from: '10.216.10.3', to: `[${A1}]:80`, proto: 'tcp' }, 'BAD_INPUT', /a packet has one address family/],
        [{ from: 'nl6-a2', to: `${A1}`, proto: 'tcp' }, 'BAD_INPUT', /needs a port \(--to \[fd6e/],
        [{ from: 'nl6-a2:80', to: `[${A1}]:80`, proto: 'tcp' }, 'NOT_FOUND', /no container, netns or address "nl6-a2:80"/],
      ];
      for (const [req, code, re] of bad) {
        assert.throws(() => tracePacket(LAB, req), (e: unknown) => isNetlensError(e) && e.code === code && re.test(e.message), JSON.stringify(req));
      }
    });

    it('IPv6 forwarding is its own switch: net.ipv6.conf.all.forwarding=0 drops forwarded IPv6, IPv4 still forwards', () => {
      const off = withHost(LAB, (h) => ({ sysctls: { ...h.sysctls, 'net.ipv6.conf.all.forwarding': '0' } }));
      const r = tracePacket(off, { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' });
      assert.equal(r.verdict, 'dropped');
      assert.equal(r.decidedBy, 'sysctl net.ipv6.conf.all.forwarding=0: the host does not forward IPv6 packets');
      const v4 = tracePacket(off, { from: 'nl6-a2', to: '10.216.1.2', proto: 'icmp' });
      assert.notEqual(v4.decidedBy, r.decidedBy);
      const v4off = withHost(LAB, (h) => ({ sysctls: { ...h.sysctls, 'net.ipv4.ip_forward': '0' } }));
      assert.equal(tracePacket(v4off, { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' }).verdict, 'delivered', 'ip_forward is IPv4 only');
    });

    it('bridged IPv6 follows bridge-nf-call-ip6tables, not bridge-nf-call-iptables', () => {
      const off = withHost(LAB, (h) => ({ sysctls: { ...h.sysctls, 'net.bridge.bridge-nf-call-ip6tables': '0' } }));
      const r = tracePacket(off, { from: 'nl6-a2', to: 'nl6-a1:80', proto: 'tcp', ...V6 });
      assert.ok(r.hops.some((h) => h.what === 'net.bridge.bridge-nf-call-ip6tables=0: bridged traffic does not pass ip6tables'));
      assert.ok(!r.hops.some((h) => h.kind === 'netfilter' && h.interface === BR_A && h.packet.src === v6Of('nl6-a2') && h.chain === 'FORWARD'));
      const v4off = withHost(LAB, (h) => ({ sysctls: { ...h.sysctls, 'net.bridge.bridge-nf-call-iptables': '0' } }));
      assert.ok(tracePacket(v4off, { from: 'nl6-a2', to: 'nl6-a1:80', proto: 'tcp', ...V6 }).hops.some((h) => /bridge-nf-call-ip6tables=1/.test(h.what)));
    });

    it('missing facts are the IPv6 ones: ip6tables unread makes IPv6 uncertain with its own reason, IPv4 stays firm', () => {
      const noV6 = withHost(LAB, (h) => ({ firewall: { ...h.firewall, ipv6: null }, unknown: { ...h.unknown, firewallIpv6: 'ip6tables-save: not found on the host (command -v)' } }));
      const r = tracePacket(noV6, { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp', ...V6 });
      assert.equal(r.verdict, 'uncertain');
      assert.deepEqual(r.missing.map((m) => [m.fact, m.why]), [['the host IPv6 firewall (ip6tables-save / nft)', 'ip6tables-save: not found on the host (command -v)']]);
      const v4 = tracePacket(noV6, { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp' });
      assert.equal(v4.verdict, 'dropped', 'the IPv4 ruleset is still there');
      // one source of the IPv6 ruleset unread: ip6tables-save's, not iptables-save's, is on an IPv6 packet's way
      const partly = (key: 'iptables' | 'ip6tables') => withHost(LAB, (h) => ({ unknown: { ...h.unknown, [key]: `${key}-save: permission denied` } }));
      const v6partly = tracePacket(partly('ip6tables'), { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp', ...V6 });
      assert.equal(v6partly.verdict, 'uncertain');
      assert.deepEqual(v6partly.missing.map((m) => m.fact), ["the host's ip6tables rules (ip6tables-save)"]);
      assert.equal(tracePacket(partly('ip6tables'), { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp' }).verdict, 'dropped', 'IPv4 does not need ip6tables-save');
      assert.equal(tracePacket(partly('iptables'), { from: 'nl6-a2', to: 'nl6-b1:80', proto: 'tcp', ...V6 }).verdict, 'dropped', 'IPv6 does not need iptables-save');
      const noSysctl = withHost(LAB, (h) => {
        const { 'net.ipv6.conf.all.forwarding': _gone, ...rest } = h.sysctls;
        return { sysctls: rest };
      });
      const s = tracePacket(noSysctl, { from: 'nl6-a2', to: `[${OUT6}]:80`, proto: 'tcp' });
      assert.equal(s.verdict, 'uncertain');
      assert.equal(s.missing[0]!.fact, 'sysctl net.ipv6.conf.all.forwarding');
    });
  });
}

describe('IPv6 rules as the tools print them (recorded dumps)', () => {
  const ctx: EvalContext = { localAddresses: known([{ address: HOST6, iface: 'out0' }, { address: 'fe80::cc04:22ff:feaf:25fe', iface: 'out0' }]) };
  const pkt = (over: Partial<Packet>): Packet => ({
    family: 'ipv6', inInterface: 'br-x', outInterface: 'out0', src: 'fd6e:6c36:0:10::3', dst: OUT6, proto: 'icmp', sport: null, dport: null, icmpType: 128,
    ctState: 'NEW', origDst: OUT6, origDport: null, origSrc: 'fd6e:6c36:0:10::3', mark: 0, physIn: null, physOut: null, srcMac: null, ...over,
  });

  for (const engine of ['20.10', '28']) {
    it(`ip6tables-save of Engine ${engine} parses with every rule understood`, () => {
      const rs = parseIptablesSave(readFileSync(join(FIXTURES, 'netfilter', 'ipv6', `ip6tables-save-${engine}.txt`), 'utf8'), 'ipv6', 'ip6tables-save');
      const rules = Object.values(rs.tables).flatMap((t) => Object.values(t.chains).flatMap((c) => c.rules));
      assert.ok(rules.length > 10);
      assert.deepEqual(rules.filter((r) => r.unparsed.length > 0).map((r) => r.raw), []);
      const masq = evaluateHook(rs, 'postrouting', pkt({ proto: 'tcp', dport: 80, icmpType: null }), ctx);
      assert.equal(masq.packet.src, HOST6, 'MASQUERADE picks the global address of out0, not its fe80::');
      const fixture = rs.tables['filter']!.chains['FORWARD']!.rules[0]!;
      const echoFromOut = pkt({ src: OUT6, dst: 'fd6e:6c36:0:10::2', inInterface: 'out0', outInterface: 'br-x' });
      const dropped = evaluateChain(rs, 'filter', 'FORWARD', echoFromOut, ctx);
      assert.equal(dropped.verdict, 'DROP');
      assert.equal(dropped.decidedBy.kind === 'rule' ? dropped.decidedBy.rule.raw : null, fixture.raw);
      assert.equal(evaluateChain(rs, 'filter', 'FORWARD', { ...echoFromOut, icmpType: 129 }, ctx).steps[0]!.outcome, 'no', `type 129 does not match ${fixture.raw}`);
      assert.equal(evaluateChain(rs, 'filter', 'FORWARD', { ...echoFromOut, family: 'ipv4', src: '10.216.1.2', dst: '10.216.10.2', icmpType: 8 }, ctx).steps[0]!.outcome, 'no', 'ICMP of IPv4 is not ipv6-icmp');
    });
  }

  it('nft icmpv6 type (with the l4proto nft folds into it) is ICMPv6; meta l4proto icmp is not', () => {
    const rs = parseNftJson(readFileSync(join(FIXTURES, 'netfilter', 'ipv6', 'nft-icmpv6.json'), 'utf8'), 'ipv6', 'nft -j list ruleset');
    const chain = rs.tables['ip6 nl6']!.chains['forward6']!;
    assert.deepEqual(chain.rules.map((r) => r.unparsed), [[], [], []]);
    const run = (p: Packet) => evaluateHook(rs, 'forward', p, ctx);
    const ruleIndex = (d: { kind: string; rule?: { index: number } } | undefined) => (d?.kind === 'rule' ? d.rule!.index : null);
    const echo = run(pkt({}));
    assert.equal(echo.verdict, 'DROP');
    assert.equal(ruleIndex(echo.decisive?.decidedBy), 1);
    const reply = run(pkt({ src: OUT6, dst: 'fd6e:6c36:0:10::3', icmpType: 129 }));
    assert.equal(reply.verdict, 'ACCEPT');
    assert.equal(ruleIndex(reply.chains[0]!.decidedBy), 2);
    // an IPv6 packet from outside the subnet with type 128 reaches `meta l4proto icmp drop`, which is protocol 1: no match
    assert.equal(run(pkt({ src: OUT6, dst: 'fd6e:6c36:0:10::3' })).verdict, 'ACCEPT');
  });
});
