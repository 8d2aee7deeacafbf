import { strict as assert } from 'node:assert';
import { evaluateChain, evaluateHook } from '../../../src/core/netfilter/evaluate';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { known, unknown } from '../../../src/core/known';
import type { EvalContext, Packet } from '../../../src/core/netfilter/packet';
import { loadRuleset } from '../../support/netfilterFixtures';

const ctx: EvalContext = { localAddresses: known([{ address: '192.0.2.2', iface: 'eth0' }, { address: '172.17.0.1', iface: 'docker0' }]) };
const pkt = (over: Partial<Packet> = {}): Packet => ({
  family: 'ipv4', inInterface: 'eth0', outInterface: '', src: '10.213.99.2', dst: '192.0.2.2', proto: 'tcp', sport: null, dport: 47080, icmpType: null,
  ctState: 'NEW', origDst: '192.0.2.2', origDport: 47080, origSrc: '10.213.99.2', mark: 0, physIn: null, physOut: null, srcMac: null, ...over,
});
const rs = (body: string) => parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n${body}\nCOMMIT\n`, 'ipv4', 'test');

describe('evaluateChain / evaluateHook', () => {
  it('DNATs a publish on the real 20.10 dump and records every rule it looked at', () => {
    const r = evaluateHook(loadRuleset('engine-20.10', 'iptables-save'), 'prerouting', pkt(), ctx);
    assert.equal(r.verdict, 'ACCEPT');
    assert.equal(r.packet.dst, '172.17.0.7');
    assert.equal(r.packet.dport, 80);
    const nat = r.chains[0]!;
    assert.equal(nat.nat!.kind, 'DNAT');
    assert.ok(nat.steps.some((s) => s.outcome === 'no' && /in-interface eth0 vs docker0/.test(s.why)));
    assert.equal(nat.steps.filter((s) => s.outcome === 'yes').length, 2, 'the jump to DOCKER and the DNAT');
  });

  it('jump returns to the caller, goto returns past it, RETURN in a base chain falls to the policy', () => {
    const ruleset = rs(['-A FORWARD -j A', '-A FORWARD -g B', '-A FORWARD -j ACCEPT', '-A A -p udp -j DROP', '-A B -j RETURN'].join('\n'));
    const r = evaluateChain(ruleset, 'filter', 'FORWARD', pkt(), ctx);
    assert.equal(r.verdict, 'DROP');
    assert.deepEqual(r.decidedBy, { kind: 'policy', table: 'filter', chain: 'FORWARD', policy: 'DROP' });
    assert.deepEqual(r.steps.map((s) => `${s.rule.chain}#${s.rule.index}:${s.outcome}`), ['FORWARD#1:yes', 'A#1:no', 'FORWARD#2:yes', 'B#1:yes']);
  });

  it('negation, interface wildcards, port ranges, multiport and conntrack states', () => {
    const ruleset = rs([
      '-A FORWARD ! -s 10.213.99.0/30 -j DROP',
      '-A FORWARD -i eth+ -p tcp -m multiport --dports 22,47000:47100 -m conntrack --ctstate NEW -j A',
      '-A A -m conntrack --ctstate RELATED,ESTABLISHED -j DROP',
      '-A A -p tcp -m tcp ! --dport 1:1024 -j ACCEPT',
    ].join('\n'));
    const r = evaluateChain(ruleset, 'filter', 'FORWARD', pkt(), ctx);
    assert.equal(r.verdict, 'ACCEPT');
    assert.equal(r.decidedBy.kind === 'rule' && r.decidedBy.rule.chain, 'A');
    assert.equal(evaluateChain(ruleset, 'filter', 'FORWARD', pkt({ src: '10.0.0.1' }), ctx).verdict, 'DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'FORWARD', pkt({ dport: 80 }), ctx).verdict, 'DROP', 'falls to the policy');
  });

  it('addrtype needs the host addresses: unknown without them, LOCAL with them', () => {
    const ruleset = rs('-A INPUT -m addrtype --dst-type LOCAL -j DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt(), ctx).verdict, 'DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt({ dst: '8.8.8.8' }), ctx).verdict, 'ACCEPT');
    const blind = evaluateChain(ruleset, 'filter', 'INPUT', pkt(), { localAddresses: unknown('no host shell') });
    assert.equal(blind.verdict, 'UNCERTAIN');
    assert.match(blind.steps[0]!.why, /host's addresses are not known \(no host shell\)/);
  });

  it('ipset matches are decided only when the set contents are known', () => {
    const ruleset = rs('-A INPUT -m set --match-set blocked src -j DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt(), ctx).verdict, 'UNCERTAIN');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt(), { ...ctx, ipsets: { blocked: ['10.213.99.0/30'] } }).verdict, 'DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt(), { ...ctx, ipsets: { blocked: ['10.9.0.0/16'] } }).verdict, 'ACCEPT');
  });

  it('an unknown module on a rule whose known parts fail is decided (no), not uncertain', () => {
    const ruleset = rs('-A INPUT -p udp -m string --string x --algo bm -j DROP');
    const r = evaluateChain(ruleset, 'filter', 'INPUT', pkt(), ctx);
    assert.equal(r.verdict, 'ACCEPT');
    assert.equal(r.steps[0]!.outcome, 'no');
  });

  it('MARK then mark match; LOG does not end the chain; unknown targets are uncertain', () => {
    const ruleset = rs(['-A INPUT -j LOG --log-prefix "x "', '-A INPUT -j MARK --set-xmark 0x1/0xffffffff', '-A INPUT -m mark --mark 0x1 -j A', '-A A -j CLUSTERIP'].join('\n'));
    const r = evaluateChain(ruleset, 'filter', 'INPUT', pkt(), ctx);
    assert.equal(r.verdict, 'UNCERTAIN');
    assert.equal(r.decidedBy.kind === 'rule' && r.decidedBy.rule.chain, 'A');
    assert.equal(r.packet.mark, 1);
  });

  it('MASQUERADE takes the out-interface address; nat is skipped for ESTABLISHED packets', () => {
    const nat = parseIptablesSave('*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n', 'ipv4', 't');
    const p = pkt({ src: '172.17.0.5', dst: '10.213.99.2', inInterface: 'docker0', outInterface: 'eth0' });
    const r = evaluateHook(nat, 'postrouting', p, ctx);
    assert.equal(r.packet.src, '192.0.2.2');
    assert.equal(evaluateHook(nat, 'postrouting', { ...p, ctState: 'ESTABLISHED' }, ctx).packet.src, '172.17.0.5');
  });
});

describe('the kernel order inside a hook: conntrack at -200, NAT at -100 / 100', () => {
  const tables = (raw: string, mangle: string) =>
    parseIptablesSave(`*raw\n:PREROUTING ACCEPT [0:0]\n${raw}\nCOMMIT\n*mangle\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${mangle}\nCOMMIT\n`, 'ipv4', 't');
  const reply = pkt({ src: '10.213.99.2', dst: '192.0.2.2', sport: 80, dport: 40000, ctState: 'ESTABLISHED' });
  const conn = { origSrc: '172.17.0.5', origDst: '10.213.99.2', origDport: 80 };

  it('raw sees no connection yet (ctstate INVALID), mangle sees ESTABLISHED', () => {
    const est = tables('-A PREROUTING -m conntrack --ctstate ESTABLISHED -j DROP', '');
    assert.equal(evaluateHook(est, 'prerouting', reply, ctx).verdict, 'ACCEPT');
    const inv = tables('-A PREROUTING -m conntrack --ctstate INVALID -j DROP', '');
    assert.equal(evaluateHook(inv, 'prerouting', reply, ctx).verdict, 'DROP');
    const mangle = tables('', '-A PREROUTING -m conntrack --ctstate ESTABLISHED -j DROP');
    assert.equal(evaluateHook(mangle, 'prerouting', reply, ctx).verdict, 'DROP');
    assert.equal(evaluateHook(inv, 'prerouting', reply, ctx).packet.ctState, 'ESTABLISHED', 'the state itself is kept for what follows');
  });

  it("a reply's destination is restored after raw and mangle; its source after mangle POSTROUTING", () => {
    const pre = evaluateHook(tables('-A PREROUTING -d 172.17.0.5/32 -j DROP', '-A PREROUTING -d 172.17.0.5/32 -j DROP'), 'prerouting', reply, ctx, { conntrack: conn });
    assert.equal(pre.verdict, 'ACCEPT', 'raw and mangle see the masquerading address');
    assert.equal(pre.packet.dst, '172.17.0.5');
    assert.equal(pre.conntrack.length, 1);
    assert.equal(pre.conntrack[0]!.after, 2, 'the rewrite comes after both chains');
    const back = pkt({ src: '172.17.0.5', dst: '10.213.99.2', sport: 80, ctState: 'ESTABLISHED', outInterface: 'eth0' });
    const post = evaluateHook(tables('', '-A POSTROUTING -s 172.17.0.5/32 -j DROP'), 'postrouting', back, ctx, { conntrack: { origSrc: '10.213.99.2', origDst: '192.0.2.2', origDport: 8080 } });
    assert.equal(post.verdict, 'DROP', 'mangle POSTROUTING still sees the container as the source');
  });
});

describe('addrtype --limit-iface-in', () => {
  it('counts only the addresses of the input interface as LOCAL', () => {
    const ruleset = rs('-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt({ inInterface: 'eth0', dst: '192.0.2.2' }), ctx).verdict, 'DROP');
    assert.equal(evaluateChain(ruleset, 'filter', 'INPUT', pkt({ inInterface: 'eth0', dst: '172.17.0.1' }), ctx).verdict, 'ACCEPT', 'local, but on docker0');
  });
});
