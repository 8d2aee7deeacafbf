import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { runBatch } from '../../../src/core/host/batch';
import type { BatchSection } from '../../../src/core/host/batch';
import { createLocalShell } from '../../../src/core/host/shell';
import { nftRulesetCommand, nftRulesetText } from '../../../src/core/host/commands/nftRuleset';
import { parseNftJson } from '../../../src/core/netfilter/nftables';
import { nativeNftTables } from '../../../src/core/netfilter/hooks';

/**
 * The nft-ruleset section lists only the tables iptables does not own, one `nft -j list table` each,
 * instead of the whole ruleset (whose iptables-nft tables nft translated back rule by rule). In a
 * network namespace of the test's own, beside iptables-nft's tables: a native inet table with a
 * rule and a set, an ip table as Docker 29 names its own, and a bridge-family table (not read).
 * What the section gives must be exactly what the whole ruleset gave once iptables' tables are
 * dropped, in both families.
 */
const NS = 'nlh-nftsec';

function sh(args: readonly string[], input?: string): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

describe('host: the nft-ruleset section lists the tables iptables does not own (real nft, a netns of its own)', function () {
  this.timeout(60_000);
  const shell = createLocalShell({ prefix: ['ip', 'netns', 'exec', NS] });
  const read = async (): Promise<BatchSection> => {
    const run = await runBatch(shell, [nftRulesetCommand]);
    const s = run.sections.get('nft-ruleset');
    assert.ok(s, 'the section came back');
    assert.equal(s.code, 0, s.stderr);
    return s;
  };

  before(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    sh(['ip', 'netns', 'add', NS]);
    sh(['ip', 'netns', 'exec', NS, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.99.0.0/16', '-j', 'MASQUERADE']);
    sh(['ip', 'netns', 'exec', NS, 'iptables', '-A', 'FORWARD', '-i', 'nlx0', '-j', 'ACCEPT']);
    sh(['ip', 'netns', 'exec', NS, 'ip6tables', '-A', 'FORWARD', '-i', 'nlx0', '-j', 'DROP']);
    sh(['ip', 'netns', 'exec', NS, 'nft', '-f', '-'], `table inet nlfw {
  set allowed {
    type ipv4_addr
    elements = { 10.99.0.7 }
  }
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr @allowed tcp dport 22 accept
  }
  chain fwd6 {
    type filter hook forward priority 10;
    ip6 daddr fd00::1 drop
  }
}
table ip docker-bridges {
  chain filter-FORWARD {
    type filter hook forward priority 0;
    oifname "nlx0" ct state established,related accept
  }
}
table bridge nlbr {
  chain brfwd {
    type filter hook forward priority 0;
    accept
  }
}
`);
  });

  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('lists the native ip, ip6 and inet tables one by one, and leaves iptables-nft\'s and other families\' out', async () => {
    const s = await read();
    assert.deepEqual(s.parts.map((p) => p.name).sort(), ['table:inet:nlfw', 'table:ip:docker-bridges']);
    // the first line of the section is nft's own list, where iptables' tables are
    assert.match(s.stdout, /^table ip nat$/m);
    assert.match(s.stdout, /^table ip6 filter$/m);
    assert.match(s.stdout, /^table bridge nlbr$/m);
  });

  it('gives, in both families, the same native tables, chains and rules as the whole ruleset did', async () => {
    const text = nftRulesetText(await read());
    const whole = sh(['ip', 'netns', 'exec', NS, 'nft', '-j', 'list', 'ruleset']);
    for (const family of ['ipv4', 'ipv6'] as const) {
      const now = parseNftJson(text, family, 'the section');
      const before = nativeNftTables(parseNftJson(whole, family, 'nft -j list ruleset'));
      assert.deepEqual(now.tables, before.tables, family);
      assert.ok(Object.keys(now.tables).length > 0, `${family}: some native table is there`);
    }
    // the set the rule matches on came with its table
    assert.match(text, /"10\.99\.0\.7"/);
  });

  it('reads the whole ruleset when a table name is not plain (a slash), and still gives the same native tables', async () => {
    sh(['ip', 'netns', 'exec', NS, 'nft', 'add', 'table', 'inet', 'nl/odd']);
    try {
      const s = await read();
      assert.deepEqual(s.parts.map((p) => p.name), ['whole']);
      const whole = sh(['ip', 'netns', 'exec', NS, 'nft', '-j', 'list', 'ruleset']);
      // the whole ruleset holds iptables' tables too; the firewall drops them (session.ts hostRulesets)
      const now = nativeNftTables(parseNftJson(nftRulesetText(s), 'ipv4', 'the section'));
      assert.deepEqual(now.tables, nativeNftTables(parseNftJson(whole, 'ipv4', 'nft -j list ruleset')).tables);
    } finally {
      sh(['ip', 'netns', 'exec', NS, 'nft', 'delete', 'table', 'inet', 'nl/odd']);
    }
  });

  it('with no native table, gives an empty ruleset (not an unknown one)', async () => {
    sh(['ip', 'netns', 'exec', NS, 'nft', 'delete', 'table', 'inet', 'nlfw']);
    sh(['ip', 'netns', 'exec', NS, 'nft', 'delete', 'table', 'ip', 'docker-bridges']);
    const s = await read();
    assert.deepEqual(s.parts, []);
    assert.deepEqual(Object.keys(parseNftJson(nftRulesetText(s), 'ipv4', 'the section').tables), []);
  });
});
