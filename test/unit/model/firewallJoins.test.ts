/**
 * The publish and masquerade lookups on Docker 29's own rulesets (moby docs docker-v29.7.2, see
 * test/fixtures/netfilter/README.md): with the nftables backend every rule lives in
 * `ip docker-bridges`, not in iptables' nat and filter tables.
 */
import { strict as assert } from 'node:assert';
import { findDnatRule, findNatRules, findPublishFilterRule } from '../../../src/core/model/firewallJoins';
import { loadRuleset } from '../../support/netfilterFixtures';

const C1 = { hostIp: '0.0.0.0', hostPort: 8080, containerIp: '192.0.2.2', containerPort: 80, protocol: 'tcp' } as const;

describe('model: firewall joins on Docker 29 nftables (table ip docker-bridges)', () => {
  it('finds the DNAT, the filter accept and the masquerade of usernet-portmap', () => {
    const rs = loadRuleset('moby-v29.7.2-nftables', 'usernet-portmap');
    const dnat = findDnatRule(rs, C1);
    assert.equal(dnat?.chain, 'nat-prerouting-and-output');
    assert.match(dnat!.raw, /^iifname != "bridge1" tcp dport 8080 dnat to 192\.0\.2\.2:80 comment "DNAT"$/);
    const accept = findPublishFilterRule(rs, '192.0.2.2', 80, 'tcp');
    assert.equal(accept?.chain, 'filter-forward-in__bridge1');
    assert.match(accept!.raw, /^ip daddr 192\.0\.2\.2 tcp dport 80 accept$/);
    assert.deepEqual(findNatRules(rs, ['192.0.2.0/24']).map((r) => r.chain), ['nat-postrouting-out__bridge1']);
    assert.equal(findDnatRule(rs, { ...C1, hostPort: 8081 }), null);
  });

  it('honours the loopback restriction of usernet-portmap-lo', () => {
    const rs = loadRuleset('moby-v29.7.2-nftables', 'usernet-portmap-lo');
    assert.match(findDnatRule(rs, { ...C1, hostIp: '127.0.0.1' })?.raw ?? '', /ip daddr 127\.0\.0\.1 tcp dport 8080 dnat to 192\.0\.2\.2:80/);
    assert.equal(findDnatRule(rs, C1), null, 'a rule bound to 127.0.0.1 is not the 0.0.0.0 publish');
  });

  it('routed mode has no DNAT and no masquerade, only the per-port accept', () => {
    const rs = loadRuleset('moby-v29.7.2-nftables', 'usernet-portmap-routed');
    assert.equal(findDnatRule(rs, C1), null);
    assert.deepEqual(findNatRules(rs, ['192.0.2.0/24']), []);
    assert.ok(findPublishFilterRule(rs, '192.0.2.2', 80, 'tcp'));
  });

  it('still reads the iptables layout of the same release from its nat and filter tables', () => {
    const rs = loadRuleset('moby-v29.7.2-iptables', 'usernet-portmap');
    assert.equal(findDnatRule(rs, C1)?.raw, '-A DOCKER ! -i bridge1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80');
    assert.equal(findPublishFilterRule(rs, '192.0.2.2', 80, 'tcp')?.table, 'filter');
    assert.deepEqual(findNatRules(rs, ['192.0.2.0/24']).map((r) => r.raw), ['-A POSTROUTING -s 192.0.2.0/24 ! -o bridge1 -j MASQUERADE']);
  });
});
