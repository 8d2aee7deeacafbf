/**
 * The firewall a snapshot hands the model and the trace: iptables-save's tables plus the nftables
 * tables iptables does not own. On this machine's 20.10 (iptables-nft) the nft dump adds nothing
 * new; on Docker 29's native nftables backend the docker-bridges table is what decides.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostRulesets } from '../../../src/core/session';
import type { HostFacts } from '../../../src/core/host/types';
import type { Gap } from '../../../src/core/model/types';
import { known, unknown } from '../../../src/core/known';

const fixture = (p: string): string => readFileSync(join(__dirname, '../../../../test/fixtures/netfilter', p), 'utf8');
const recorded = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/seed-lab.json'), 'utf8')) as { host: HostFacts };

function hostWith(iptablesSave: string | null, nft: string | null): HostFacts {
  return {
    ...recorded.host,
    iptablesSave: iptablesSave === null ? unknown('iptables-save not found on the host (command -v)') : known(iptablesSave),
    ip6tablesSave: unknown('ip6tables-save not found on the host (command -v)'),
    nftRuleset: nft === null ? unknown('nft not found on the host (command -v)') : known(nft),
  };
}

describe('session: the host firewall from iptables-save and nft', () => {
  it('on iptables-nft (Engine 20.10 here) keeps iptables-save as the source of the Docker chains', () => {
    const gaps: Gap[] = [];
    const { ipv4 } = hostRulesets(hostWith(fixture('engine-20.10/iptables-save.txt'), fixture('engine-20.10/nft-ruleset.json')), gaps);
    assert.ok(ipv4);
    assert.ok(ipv4.tables.nat.chains.DOCKER, 'nat/DOCKER from iptables-save');
    assert.ok(!Object.keys(ipv4.tables).some((t) => t === 'ip nat' || t === 'ip filter'), 'iptables-nft tables are not read twice');
    assert.deepEqual(gaps.filter((g) => g.subject.startsWith('host.nftables')), []);
  });

  it("on Docker 29's nftables backend reads the native docker-bridges table", () => {
    const gaps: Gap[] = [];
    const { ipv4 } = hostRulesets(hostWith(null, fixture('moby-v29.7.2-nftables/usernet-portmap.json')), gaps);
    assert.ok(ipv4, 'rules come from nft alone');
    assert.ok(Object.keys(ipv4.tables).some((t) => t.includes('docker-bridges')), Object.keys(ipv4.tables).join(', '));
    assert.ok(gaps.some((g) => g.subject === 'host.iptables'), 'the missing iptables-save is still named');
  });

  it('names a broken nft dump as a gap and keeps iptables-save', () => {
    const gaps: Gap[] = [];
    const { ipv4 } = hostRulesets(hostWith(fixture('engine-20.10/iptables-save.txt'), '{"nftables": [ {"table": '), gaps);
    assert.ok(ipv4?.tables.nat);
    assert.ok(gaps.some((g) => g.subject === 'host.nftables ipv4'), JSON.stringify(gaps));
  });
});
