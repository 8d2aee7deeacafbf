import { strict as assert } from 'node:assert';
import { tracePacket } from '../../../src/core/trace';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { mergeRulesets } from '../../../src/core/netfilter/hooks';
import type { Ruleset } from '../../../src/core/netfilter/types';
import type { TraceResult } from '../../../src/core/trace';
import { fixtureText, loadRuleset, type Layout } from '../../support/netfilterFixtures';
import { c1Publish, mobyScenarioTopology, type ScenarioNet } from '../../support/mobyScenarioTopology';

const PEER = '203.0.113.50';
const BRIDGE1: ScenarioNet = { name: 'bridge1', subnet: '192.0.2.0/24', gateway: '192.0.2.1', containers: [{ name: 'c1', ip: '192.0.2.2' }] };
const NOICC: ScenarioNet = { ...BRIDGE1, icc: false, containers: [{ name: 'c1', ip: '192.0.2.2' }, { name: 'c2', ip: '192.0.2.3' }] };
const INTERNAL: ScenarioNet[] = [
  { name: 'bridgeICC', subnet: '192.0.2.0/24', gateway: '192.0.2.1', internal: true, containers: [{ name: 'i1', ip: '192.0.2.2' }, { name: 'i2', ip: '192.0.2.3' }] },
  { name: 'bridgeNoICC', subnet: '198.51.100.0/24', gateway: '198.51.100.1', internal: true, icc: false, containers: [{ name: 'n1', ip: '198.51.100.2' }, { name: 'n2', ip: '198.51.100.3' }] },
];

/** The user's own rule, added where Docker tells users to put theirs. */
function withDockerUserRule(layout: Layout, name: string, rule: string): Ruleset {
  const text = fixtureText(layout, `${name}.rules`).replace(/(\*filter[\s\S]*?)\nCOMMIT/, `$1\n${rule}\nCOMMIT`);
  return parseIptablesSave(text, 'ipv4', `${layout}/${name} + DOCKER-USER rule`);
}

function decidedByRule(r: TraceResult, re: RegExp): void {
  assert.match(r.decidedBy, re, `decidedBy was: ${r.decidedBy}`);
}

const IPTABLES_LAYOUTS: { layout: Layout; unpublishedDrop: RegExp; iccDrop: RegExp; internalDrop: RegExp }[] = [
  {
    layout: 'moby-v28.5.2-iptables',
    unpublishedDrop: /^raw PREROUTING rule 1: -A PREROUTING -d 192\.0\.2\.2\/32 ! -i bridge1 -j DROP$/,
    iccDrop: /^filter DOCKER-FORWARD rule \d+: -A DOCKER-FORWARD -i bridge1 -o bridge1 -j DROP$/,
    internalDrop: /^filter DOCKER-ISOLATION-STAGE-1 rule \d+: -A DOCKER-ISOLATION-STAGE-1 ! -s 192\.0\.2\.0\/24 -o bridgeICC -j DROP$/,
  },
  {
    layout: 'moby-v29.7.2-iptables',
    unpublishedDrop: /^raw PREROUTING rule 1: -A PREROUTING -d 192\.0\.2\.2\/32 ! -i bridge1 -j DROP$/,
    iccDrop: /^filter DOCKER-FORWARD rule \d+: -A DOCKER-FORWARD -i bridge1 -o bridge1 -j DROP$/,
    internalDrop: /^filter DOCKER-INTERNAL rule \d+: -A DOCKER-INTERNAL ! -s 192\.0\.2\.0\/24 -o bridgeICC -j DROP$/,
  },
];

describe('trace on Docker 28 / 29 iptables layouts', () => {
  for (const { layout, unpublishedDrop, iccDrop, internalDrop } of IPTABLES_LAYOUTS) {
    describe(layout, () => {
      it('a published port reached from outside is delivered via DNAT, and the reply is un-NATed', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()] });
        const r = tracePacket(topo, { from: PEER, to: '203.0.113.1:8080', proto: 'tcp' });
        assert.equal(r.verdict, 'delivered', r.decidedBy);
        const dnat = r.hops.find((h) => h.rule?.raw.includes('--to-destination 192.0.2.2:80'));
        assert.ok(dnat, 'a hop names the DNAT rule');
        assert.equal(dnat.packet.dst, '192.0.2.2');
        assert.ok(r.hops.some((h) => h.chain === 'FORWARD' && h.matchedRules?.some((m) => /-A DOCKER -d 192\.0\.2\.2\/32 ! -i bridge1 -o bridge1 -p tcp -m tcp --dport 80 -j ACCEPT/.test(m.rule.raw))));
        assert.equal(r.reply!.at(-1)!.packet.src, '203.0.113.1', 'conntrack restores the published address on the reply');
      });

      it('a container reaching a server outside: the reply passes the raw-table drop, which sees the masquerading address (raw runs before conntrack un-NATs)', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()] });
        for (const proto of ['tcp', 'icmp'] as const) {
          const r = tracePacket(topo, { from: 'c1', to: proto === 'tcp' ? `${PEER}:80` : PEER, proto });
          assert.equal(r.verdict, 'delivered', `${proto}: ${r.decidedBy}`);
          assert.ok(r.hops.some((h) => h.rule?.raw.includes('-j MASQUERADE') && h.packet.src === '203.0.113.1'), 'the request leaves masqueraded');
          const reply = r.reply!;
          const raw = reply.find((h) => h.table === 'raw' && h.chain === 'PREROUTING');
          // the raw chain has rules, so it is shown; it saw the reply still addressed to the host
          assert.ok(raw, 'the reply runs raw PREROUTING');
          assert.equal(raw.packet.dst, '203.0.113.1');
          const restore = reply.findIndex((h) => /^conntrack \(NAT at priority -100\).*destination 203\.0\.113\.1 restored to 192\.0\.2\.2/.test(h.what));
          assert.ok(restore > reply.indexOf(raw), 'conntrack restores the container address after raw');
          assert.equal(reply.at(-1)!.namespace, 'container c1');
        }
      });

      it('an unpublished port reached directly from outside is dropped by the raw-table rule', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()] });
        const r = tracePacket(topo, { from: PEER, to: '192.0.2.2:81', proto: 'tcp' });
        assert.equal(r.verdict, 'dropped');
        decidedByRule(r, unpublishedDrop);
      });

      it('ICC off: a neighbour on the same bridge is dropped at the named rule', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap-noicc'), [NOICC]);
        const r = tracePacket(topo, { from: 'c2', to: 'c1:80', proto: 'tcp' });
        assert.equal(r.verdict, 'dropped');
        decidedByRule(r, iccDrop);
        assert.ok(r.hops.some((h) => h.kind === 'sysctl' && h.sysctl === 'net.bridge.bridge-nf-call-iptables'));
      });

      it('internal network: outside traffic is dropped at the named rule, and its containers have no way out', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-internal'), INTERNAL);
        const r = tracePacket(topo, { from: PEER, to: '192.0.2.2:80', proto: 'tcp' });
        assert.equal(r.verdict, 'dropped');
        decidedByRule(r, internalDrop);
        const out = tracePacket(topo, { from: 'i1', to: `${PEER}:80`, proto: 'tcp' });
        assert.equal(out.verdict, 'dropped');
        assert.match(out.decidedBy, /route: container i1 has no route to 203\.0\.113\.50/);
        const icc = tracePacket(topo, { from: 'i1', to: 'i2:80', proto: 'tcp' });
        assert.equal(icc.verdict, 'delivered', icc.decidedBy);
      });

      it('a DOCKER-USER DROP is dropped naming that rule, before Docker\'s own chains', () => {
        const rs = withDockerUserRule(layout, 'usernet-portmap', `-A DOCKER-USER -s ${PEER}/32 -p tcp -m tcp --dport 80 -j DROP`);
        const r = tracePacket(mobyScenarioTopology(rs, [BRIDGE1], { publishes: [c1Publish()] }), { from: PEER, to: '203.0.113.1:8080', proto: 'tcp' });
        assert.equal(r.verdict, 'dropped');
        assert.equal(r.decidedBy, `filter DOCKER-USER rule 1: -A DOCKER-USER -s ${PEER}/32 -p tcp -m tcp --dport 80 -j DROP`);
      });

      it('an unknown match on the path makes the verdict uncertain, naming the rule', () => {
        const rs = withDockerUserRule(layout, 'usernet-portmap', '-A DOCKER-USER -p tcp -m string --string "GET /admin" --algo bm -j DROP');
        const r = tracePacket(mobyScenarioTopology(rs, [BRIDGE1], { publishes: [c1Publish()] }), { from: PEER, to: '203.0.113.1:8080', proto: 'tcp' });
        assert.equal(r.verdict, 'uncertain');
        assert.match(r.decidedBy, /^filter DOCKER-USER rule 1: -A DOCKER-USER -p tcp -m string .* — match module "string" is not understood by netlens$/);
      });

      it('routed mode: the container port is reached directly from outside (no NAT), other ports dropped by the DOCKER chain', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap-routed'), [BRIDGE1]);
        const ok = tracePacket(topo, { from: PEER, to: '192.0.2.2:80', proto: 'tcp' });
        assert.equal(ok.verdict, 'delivered', ok.decidedBy);
        assert.ok(!ok.hops.some((h) => h.rule?.raw.includes('DNAT')));
        assert.equal(tracePacket(topo, { from: PEER, to: '192.0.2.2', proto: 'icmp' }).verdict, 'delivered');
        const closed = tracePacket(topo, { from: PEER, to: '192.0.2.2:81', proto: 'tcp' });
        assert.equal(closed.verdict, 'dropped');
        assert.match(closed.decidedBy, /^filter DOCKER rule \d+: -A DOCKER ! -i bridge1 -o bridge1 -j DROP$/);
      });

      it('ip_forward=0 drops forwarded traffic, decided by the sysctl', () => {
        const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()], sysctls: { 'net.ipv4.ip_forward': '0' } });
        const r = tracePacket(topo, { from: PEER, to: '203.0.113.1:8080', proto: 'tcp' });
        assert.equal(r.verdict, 'dropped');
        assert.equal(r.decidedBy, 'sysctl net.ipv4.ip_forward=0: the host does not forward packets');
      });
    });
  }
});

describe('trace with the userland proxy off (Docker 28 usernet-portmap-noproxy: nat OUTPUT DNATs loopback too)', () => {
  // the doc publishes only the nat table for this case and says filter is the same as usernet-portmap
  const rs = () => mergeRulesets(loadRuleset('moby-v28.5.2-iptables', 'usernet-portmap'), loadRuleset('moby-v28.5.2-iptables', 'usernet-portmap-noproxy'));

  it('host → 127.0.0.1:8080 is DNATed in nat OUTPUT and masqueraded (addrtype src LOCAL) where route_localnet=1 on the bridge', () => {
    const topo = mobyScenarioTopology(rs(), [BRIDGE1], { sysctls: { 'net.ipv4.conf.bridge1.route_localnet': '1' } });
    const r = tracePacket(topo, { from: 'host', to: '127.0.0.1:8080', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    assert.ok(r.hops.some((h) => h.hook === 'output' && h.rule?.raw === '-A DOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80'));
    assert.ok(r.hops.some((h) => h.hook === 'postrouting' && h.rule?.raw === '-A POSTROUTING -o bridge1 -m addrtype --src-type LOCAL -j MASQUERADE' && h.packet.src === '192.0.2.1'));
    assert.deepEqual(r.missing, []);
  });

  it('with route_localnet not read, the same path is uncertain and names the sysctl', () => {
    const r = tracePacket(mobyScenarioTopology(rs(), [BRIDGE1]), { from: 'host', to: '127.0.0.1:8080', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.match(r.decidedBy, /^not known: sysctl net\.ipv4\.conf\.all\.route_localnet .*the packet would be delivered/);
    assert.deepEqual(r.missing.map((m) => m.fact), ['sysctl net.ipv4.conf.all.route_localnet']);
  });

  it('with route_localnet=0 on the bridge the kernel drops the loopback-sourced packet', () => {
    const topo = mobyScenarioTopology(rs(), [BRIDGE1], { sysctls: { 'net.ipv4.conf.bridge1.route_localnet': '0' } });
    const r = tracePacket(topo, { from: 'host', to: '127.0.0.1:8080', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^sysctl net\.ipv4\.conf\.bridge1\.route_localnet=0/);
  });
});

describe('trace on Docker 29 nftables layout (table ip docker-bridges)', () => {
  const layout: Layout = 'moby-v29.7.2-nftables';

  it('a published port reached from outside is delivered via the dnat in nat-prerouting-and-output', () => {
    const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()] });
    const r = tracePacket(topo, { from: PEER, to: '203.0.113.1:8080', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    const dnat = r.hops.find((h) => h.rule?.chain === 'nat-prerouting-and-output');
    assert.ok(dnat);
    assert.match(dnat.rule!.raw, /iifname != "bridge1" tcp dport 8080 dnat to 192\.0\.2\.2:80/);
    assert.ok(r.hops.some((h) => h.matchedRules?.some((m) => m.rule.chain === 'filter-forward-in__bridge1' && /ip daddr 192\.0\.2\.2 tcp dport 80 accept/.test(m.rule.raw))));
  });

  it('an unpublished port reached directly is dropped by raw-PREROUTING "DROP DIRECT ACCESS"', () => {
    const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap'), [BRIDGE1], { publishes: [c1Publish()] });
    const r = tracePacket(topo, { from: PEER, to: '192.0.2.2:81', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^ip docker-bridges raw-PREROUTING rule 1: ip daddr 192\.0\.2\.2 iifname != "bridge1" drop comment "DROP DIRECT ACCESS"$/);
  });

  it('ICC off: dropped in the bridge\'s forward-in chain', () => {
    const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap-noicc'), [NOICC]);
    const r = tracePacket(topo, { from: 'c2', to: 'c1:80', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^ip docker-bridges filter-forward-in__bridge1 rule \d+: .*drop/);
  });

  it('routed mode: direct access to the open port is delivered, a closed port dropped in forward-in', () => {
    const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-portmap-routed'), [BRIDGE1]);
    assert.equal(tracePacket(topo, { from: PEER, to: '192.0.2.2:80', proto: 'tcp' }).verdict, 'delivered');
    const closed = tracePacket(topo, { from: PEER, to: '192.0.2.2:81', proto: 'tcp' });
    assert.equal(closed.verdict, 'dropped');
    assert.match(closed.decidedBy, /^ip docker-bridges filter-forward-in__bridge1 rule \d+: .*drop/);
  });

  it('internal network: outside traffic is dropped', () => {
    const topo = mobyScenarioTopology(loadRuleset(layout, 'usernet-internal'), INTERNAL);
    const r = tracePacket(topo, { from: PEER, to: '192.0.2.2:80', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^ip docker-bridges filter-forward-in__bridgeICC rule \d+: .*drop/);
  });
});
