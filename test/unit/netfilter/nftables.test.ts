import { strict as assert } from 'node:assert';
import { parseNftJson } from '../../../src/core/netfilter/nftables';
import { isNetlensError } from '../../../src/core/errors';
import { fixtureNames, fixtureText, loadRuleset } from '../../support/netfilterFixtures';

describe('parseNftJson', () => {
  for (const f of fixtureNames('moby-v29.7.2-nftables', '.json')) {
    it(`reads Docker 29's nftables ruleset ${f} with every expression understood`, () => {
      const rs = loadRuleset('moby-v29.7.2-nftables', f.replace(/\.json$/, ''));
      const t = rs.tables['ip docker-bridges']!;
      assert.ok(t, 'table ip docker-bridges');
      assert.equal(t.chains['filter-FORWARD']!.hook, 'forward');
      assert.equal(t.chains['nat-PREROUTING']!.priority, -100);
      assert.equal(t.chains['raw-PREROUTING']!.priority, -300);
      const rules = Object.values(t.chains).flatMap((c) => c.rules);
      assert.deepEqual(rules.filter((r) => r.unparsed.length > 0).map((r) => r.raw), []);
    });
  }

  it('expands verdict maps into one rule per interface and converts dnat, fib and ct state', () => {
    const t = loadRuleset('moby-v29.7.2-nftables', 'usernet-portmap').tables['ip docker-bridges']!;
    const fwd = t.chains['filter-FORWARD']!.rules;
    const byBridge = fwd.find((r) => r.outInterface?.value === 'bridge1')!;
    assert.equal(byBridge.index, 1);
    assert.equal(byBridge.target, 'filter-forward-in__bridge1');
    assert.match(byBridge.raw, /oifname vmap @filter-forward-in-jumps .*"bridge1" : jump filter-forward-in__bridge1/);
    const dnat = t.chains['nat-prerouting-and-output']!.rules[0]!;
    assert.equal(dnat.target, 'DNAT');
    assert.equal(dnat.targetOptions['to-destination'], '192.0.2.2:80');
    assert.deepEqual(dnat.inInterface, { negated: true, value: 'bridge1' });
    assert.equal(dnat.protocol!.value, 'tcp');
    assert.equal(dnat.comment, 'DNAT');
    const pre = t.chains['nat-PREROUTING']!.rules[0]!;
    assert.equal(pre.matches[0]!.options['dst-type']!.value, 'LOCAL');
    const ct = t.chains['filter-forward-in__bridge1']!.rules[0]!;
    assert.equal(ct.matches[0]!.options['ctstate']!.value, 'ESTABLISHED,RELATED');
  });

  it('flags the xt compat expressions iptables-nft writes on this 20.10 host as not understood', () => {
    const rs = parseNftJson(fixtureText('engine-20.10', 'nft-ruleset.json'), 'ipv4', 'engine-20.10');
    const nat = rs.tables['ip nat']!;
    assert.ok(nat.chains['PREROUTING']!.hook === 'prerouting');
    const all = Object.values(rs.tables).flatMap((t) => Object.values(t.chains).flatMap((c) => c.rules));
    const addrtype = all.filter((r) => r.unparsed.some((u) => u.includes('addrtype')));
    assert.ok(addrtype.length > 0, 'the addrtype xt match is kept as not understood');
    const dnat = nat.chains['DOCKER']!.rules.find((r) => r.raw.includes('47082'))!;
    assert.equal(dnat.target, 'xt DNAT', 'iptables-nft keeps DNAT as an xt target whose destination nft cannot show');
    assert.equal(dnat.matches[0]!.options['dport']!.value, '47082');
  });

  it('rejects text that is not nft JSON', () => {
    assert.throws(() => parseNftJson('table ip x {}', 'ipv4', 'x'), (e: unknown) => isNetlensError(e) && e.code === 'PARSE');
    assert.throws(() => parseNftJson('{"x":1}', 'ipv4', 'x'), (e: unknown) => isNetlensError(e) && e.code === 'PARSE');
  });
});

describe('nativeNftTables', () => {
  it('keeps Docker 29\'s own table and drops the tables iptables-nft owns (read from iptables-save instead)', async () => {
    const { nativeNftTables, mergeRulesets } = await import('../../../src/core/netfilter/hooks');
    const nft = parseNftJson(fixtureText('engine-20.10', 'nft-ruleset.json'), 'ipv4', 'engine-20.10 nft');
    assert.ok(nft.tables['ip nat'] && nft.tables['ip filter']);
    assert.deepEqual(Object.keys(nativeNftTables(nft).tables), []);
    const docker29 = loadRuleset('moby-v29.7.2-nftables', 'usernet-portmap');
    const merged = mergeRulesets(loadRuleset('engine-20.10', 'iptables-save'), nativeNftTables(docker29));
    assert.deepEqual(Object.keys(merged.tables).sort(), ['filter', 'ip docker-bridges', 'nat']);
  });
});
