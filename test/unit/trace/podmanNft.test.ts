/**
 * Podman with netavark's nftables driver (Podman 5's netavark 1.17 and Podman 6's 2.0, the real
 * ones, run by Podman 4.3 on this machine: test/fixtures/podman-nft/README.md). The model and the traces are built here from
 * the recorded engine and host facts (facts.json) through the session's own steps (hostRulesets,
 * buildTopology); what each rule must look like is read from the recording's `nft -a list table
 * inet netavark` text and iptables-save, not typed in.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { HostFacts } from '../../../src/core/host/types';
import { buildTopology } from '../../../src/core/model/build';
import type { Gap, Topology } from '../../../src/core/model/types';
import { parseNftJson } from '../../../src/core/netfilter/nftables';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { netavarkDriver } from '../../../src/core/model/firewallBackend';
import { hostRulesets } from '../../../src/core/session';
import { renderTopology } from '../../../src/cli/renderTopology';
import { firewallBackendText } from '../../../src/protocol/facts/firewallText';
import { formatTrace, tracePacket } from '../../../src/core/trace';
import { FIXTURES, fixtureText } from '../../support/netfilterFixtures';

interface Recorded {
  readonly podman: string;
  readonly netavark: string;
  readonly ports: { readonly loopback: number; readonly all: number; readonly udp: number };
  readonly engine: EngineFacts;
  readonly host: HostFacts;
}

for (const version of ['netavark-1.17', 'netavark-2.0']) {
  const DIR = join(FIXTURES, 'podman-nft', version);
  const rec = JSON.parse(readFileSync(join(DIR, 'facts.json'), 'utf8')) as Recorded;
  const nftText = readFileSync(join(DIR, 'nft-netavark.txt'), 'utf8').split('\n').map((l) => l.trim());
  const iptables = readFileSync(join(DIR, 'iptables-save.txt'), 'utf8');

  function model(): Topology {
    const gaps: Gap[] = [];
    const rules = hostRulesets(rec.host, gaps);
    return buildTopology({ engine: rec.engine, host: rec.host, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps, collectMs: 0 });
  }
  const topo = model();
  const ipOf = (name: string): string => topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === name)!.ipv4!;
  const hostAddress = (): string => {
    const eth = topo.host!.interfaces.find((i) => i.kind !== 'bridge' && i.name !== 'lo' && i.addresses.some((a) => !a.includes(':')) && !i.name.startsWith('docker') && !i.name.startsWith('podman'));
    return eth!.addresses.find((a) => !a.includes(':'))!.split('/')[0]!;
  };
  /** the line of `nft -a list table inet netavark` holding all of `parts` */
  const nftLine = (...parts: string[]): string | undefined => nftText.find((l) => parts.every((p) => l.includes(p)));

  describe(`Podman ${rec.podman} with ${rec.netavark} (nftables driver), recorded`, () => {
    it("parses every rule netavark wrote into table inet netavark: none left for the trace to guess", () => {
      const rs = parseNftJson(rec.host.nftRuleset.known ? rec.host.nftRuleset.value : '', 'ipv4', 'podman-nft');
      const table = rs.tables['inet netavark'];
      assert.ok(table, 'the recording holds table inet netavark');
      const rules = Object.values(table.chains).flatMap((c) => [...c.rules]);
      const handles = nftText.filter((l) => /# handle \d+$/.test(l) && !/^(chain|table) /.test(l));
      // each nft rule is one rule here, but `meta l4proto { tcp, udp }` is one per protocol
      const perProtocol = handles.filter((l) => /meta l4proto \{ tcp, udp \}/.test(l)).length;
      assert.equal(rules.length, handles.length + perProtocol, `${rules.length} parsed for ${handles.length} nft rules`);
      assert.deepEqual(rules.filter((r) => r.unparsed.length > 0).map((r) => r.raw), []);
      assert.equal(table.chains['POSTROUTING']?.chainType, 'nat');
      assert.equal(table.chains['FORWARD']?.hook, 'forward');
    });

    it('reads the mark netavark sets and masquerades by, as iptables writes them', () => {
      const rs = parseNftJson(rec.host.nftRuleset.known ? rec.host.nftRuleset.value : '', 'ipv4', 'podman-nft');
      const chains = rs.tables['inet netavark']!.chains;
      const setmark = chains['NETAVARK-HOSTPORT-SETMARK']!.rules[0]!;
      assert.ok(nftLine('meta mark set meta mark | 0x00002000'), 'the recording sets bit 0x2000');
      assert.equal(setmark.target, 'MARK');
      assert.equal(setmark.targetOptions['set-mark'], '0x00002000/0x00002000');
      const masq = chains['POSTROUTING']!.rules[0]!;
      assert.ok(nftLine('meta mark & 0x00002000 == 0x00002000 masquerade'));
      assert.equal(masq.raw, 'meta mark & 0x00002000 == 0x00002000 masquerade');
      assert.deepEqual(masq.matches, [{ module: 'mark', options: { mark: { negated: false, value: '0x00002000/0x00002000' } } }]);
      // `meta l4proto { tcp, udp } th dport 53`: one rule per protocol, each with its own port match
      const dns = chains['INPUT']!.rules.filter((r) => r.index === 1);
      assert.deepEqual(dns.map((r) => [r.protocol?.value, r.matches[0]?.module, r.matches[0]?.options['dport']?.value]), [['tcp', 'tcp', '53'], ['udp', 'udp', '53']]);
    });

    it("names netavark's driver from its own rules, since Podman does not report one", () => {
      assert.equal(rec.engine.info.firewallBackend, null, 'Podman 4.3 reports no FirewallBackend');
      assert.equal(topo.host!.firewall.backend, 'nftables');
      assert.equal(topo.host!.firewall.backendSource, 'netavark-rules');
      const text = "nftables (netavark's driver, seen in the rules it wrote: table inet netavark; Podman does not say)";
      assert.equal(firewallBackendText(topo), text);
      assert.ok(renderTopology(topo).includes(`firewall ${text}`));
    });


    it("joins every publish to netavark's DNAT rule in its network's nv_…_dnat chain", () => {
      const pubs = topo.publishes;
      assert.deepEqual(pubs.map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}`).sort(), [`0.0.0.0:${rec.ports.all}/tcp`, `0.0.0.0:${rec.ports.udp}/udp`, `127.0.0.1:${rec.ports.loopback}/tcp`].sort());
      for (const p of pubs) {
        assert.ok(p.dnatRule, `${p.hostPort}/${p.protocol} has a DNAT rule`);
        assert.equal(p.dnatRule.table, 'inet netavark');
        assert.match(p.dnatRule.chain, /^nv_[0-9a-f]+_10_89_0_0_nm24_dnat$/);
        const line = nftLine(`${p.protocol} dport ${p.hostPort} dnat ip to ${p.containerIp}:80`);
        assert.ok(line, `the recording's nft text holds the DNAT for ${p.hostPort}/${p.protocol}`);
        assert.equal(line.startsWith('ip daddr 127.0.0.1 '), p.hostIp === '127.0.0.1', line);
        assert.equal(p.proxy, null);
      }
    });

    it("joins each network to its masquerade, behind netavark's `ip saddr <subnet> jump nv_…`", () => {
      for (const name of ['nlnft-net', 'nlnft-iso']) {
        const net = topo.networks.find((n) => n.name === name)!;
        assert.equal(net.natRules.length, 1, JSON.stringify(net.natRules));
        const rule = net.natRules[0]!;
        assert.equal(rule.table, 'inet netavark');
        assert.ok(nftLine(`ip saddr ${net.subnets[0]} jump ${rule.chain}`), `POSTROUTING jumps to ${rule.chain} for ${net.subnets[0]}`);
        assert.equal(rule.raw, 'ip daddr != 224.0.0.0/4 masquerade');
      }
    });

    it("host loopback to the loopback publish: netavark's nat OUTPUT DNAT, its mark, its masquerade", () => {
      const r = tracePacket(topo, { from: 'host', to: `127.0.0.1:${rec.ports.loopback}`, proto: 'tcp' });
      assert.equal(r.verdict, 'delivered', formatTrace(r));
      assert.match(r.decidedBy, /in container nlnft-b$/);
      const dnat = r.hops.find((h) => h.rule?.raw.includes(' dnat to '));
      assert.ok(dnat?.rule, formatTrace(r));
      assert.equal(`${dnat.rule.table} ${dnat.rule.chain}`, `inet netavark ${topo.publishes.find((p) => p.hostPort === rec.ports.loopback)!.dnatRule!.chain}`);
      assert.equal(dnat.hook, 'output');
      const masq = r.hops.find((h) => h.rule?.chain === 'POSTROUTING' && h.rule.table === 'inet netavark');
      assert.ok(masq, `masqueraded by netavark's mark\n${formatTrace(r)}`);
      assert.ok(topo.networks.find((n) => n.name === 'nlnft-net')!.gateways.includes(masq.packet.src), `masqueraded to the bridge's address, ${masq.packet.src}`);
      assert.deepEqual(r.missing, []);
    });

    it("the host to the publish on every address, through its own address", () => {
      const r = tracePacket(topo, { from: 'host', to: `${hostAddress()}:${rec.ports.all}`, proto: 'tcp' });
      assert.equal(r.verdict, 'delivered', formatTrace(r));
      assert.match(r.decidedBy, /in container nlnft-c$/);
      assert.ok(r.hops.some((h) => h.rule?.table === 'inet netavark' && /_dnat$/.test(h.rule.chain) && h.rule.raw === `tcp dport ${rec.ports.all} dnat to ${ipOf('nlnft-c')}:80`), formatTrace(r));
    });

    it("between containers of one network: Docker's FORWARD policy, not netavark's table, decides (bridge-nf-call-iptables on)", () => {
      // both firewalls see the bridged packet; netavark's own FORWARD accepts it, iptables' must too
      assert.match(iptables, /^:FORWARD DROP /m, 'the recording was taken beside a Docker engine whose FORWARD policy is DROP');
      assert.equal(rec.host.sysctls.known && rec.host.sysctls.value['net.bridge.bridge-nf-call-iptables']?.trim(), '1');
      const r = tracePacket(topo, { from: 'nlnft-a', to: 'nlnft-b:80', proto: 'tcp' });
      assert.equal(r.verdict, 'dropped', formatTrace(r));
      assert.equal(r.decidedBy, 'filter FORWARD policy DROP');
      assert.deepEqual(r.missing, []);
    });
  });
}

describe('the netavark driver read from its rules', () => {
  it("the iptables driver from Podman 4.3's own netavark 1.4 recording (test/fixtures/podman)", () => {
    const rules = parseIptablesSave(readFileSync(join(FIXTURES, 'podman', 'iptables-save.txt'), 'utf8'), 'ipv4', 'podman iptables-save');
    const seen = netavarkDriver(rules);
    assert.equal(seen?.driver, 'iptables');
    assert.match(seen!.seen, /^chain NETAVARK[-_]\S+ in iptables' (nat|filter) table$/);
    assert.equal(netavarkDriver(parseIptablesSave(fixtureText('engine-20.10', 'iptables-save.txt'), 'ipv4', 'engine-20.10')), null, 'a Docker host shows no netavark');
  });
});
