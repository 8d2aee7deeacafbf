/**
 * Records the IPv6 fixtures from the lab of test/integration/trace/ipv6Lab.ts (a dockerd of its own
 * in netns nl6-host), as root, after compiling the tests:
 *   node <outDir>/test/support/recordIpv6Fixture.js 20    # Engine 20.10 (--experimental --ip6tables)
 *   node <outDir>/test/support/recordIpv6Fixture.js 28    # Engine 28 (scripts/lab/engine28.sh)
 * Writes test/fixtures/trace/ipv6-<20.10|28>.topology.json (netlens's model of nl6-host, read as the
 * suite reads it) and test/fixtures/netfilter/ipv6/ip6tables-save-<20.10|28>.txt (the raw dump), with
 * one ip6tables rule inserted for the capture and removed right after:
 *   ip6tables -I FORWARD 1 -s fd6e:6c36:0:1::2/128 -p ipv6-icmp -m icmp6 --icmpv6-type echo-request
 *     -m comment --comment "nl6 fixture: outside echo-request dropped" -j DROP
 * and test/fixtures/netfilter/ipv6/nft-icmpv6.json: `nft -j list ruleset` of a scratch netns
 * (nl6-nftrec) after `nft -f` of the table the integration suite loads (ICMPv6 by type, and
 * `meta l4proto icmp`, which an ICMPv6 packet does not match).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_NS, OUT6, down, inNs, up, type Engine } from '../integration/trace/ipv6Lab';

const FIXTURE_RULE = ['-s', `${OUT6}/128`, '-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', 'echo-request', '-m', 'comment', '--comment', 'nl6 fixture: outside echo-request dropped', '-j', 'DROP'];
const NFT_TABLE = `table ip6 nl6 {
  chain forward6 {
    type filter hook forward priority 0; policy accept;
    ip6 saddr fd6e:6c36:0:10::/64 icmpv6 type echo-request drop
    icmpv6 type echo-reply accept
    meta l4proto icmp drop
  }
}
`;

function sh(argv: readonly string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const inHost = (argv: string[]) => {
  const [cmd, args] = inNs(HOST_NS, argv);
  return [cmd, ...args];
};

function recordNft(root: string): void {
  const ns = 'nl6-nftrec';
  spawnSync('ip', ['netns', 'del', ns]);
  sh(['ip', 'netns', 'add', ns]);
  try {
    sh(['nsenter', `--net=/run/netns/${ns}`, 'nft', '-f', '-'], NFT_TABLE);
    const json = sh(['nsenter', `--net=/run/netns/${ns}`, 'nft', '-j', 'list', 'ruleset']);
    writeFileSync(join(root, 'test/fixtures/netfilter/ipv6/nft-icmpv6.json'), json.endsWith('\n') ? json : `${json}\n`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

async function main(): Promise<void> {
  const engine = process.argv[2] as Engine;
  if (engine !== '20' && engine !== '28') throw new Error('usage: recordIpv6Fixture.js 20|28');
  const root = join(__dirname, '../../..');
  const label = engine === '20' ? '20.10' : '28';
  mkdirSync(join(root, 'test/fixtures/netfilter/ipv6'), { recursive: true });
  recordNft(root);
  try {
    const lab = await up(engine);
    sh(inHost(['ip6tables', '-I', 'FORWARD', '1', ...FIXTURE_RULE]));
    const topo = await lab.snapshot();
    const dump = sh(inHost(['ip6tables-save']));
    sh(inHost(['ip6tables', '-D', 'FORWARD', ...FIXTURE_RULE]));
    writeFileSync(join(root, `test/fixtures/trace/ipv6-${label}.topology.json`), `${JSON.stringify(topo, null, 1)}\n`);
    writeFileSync(join(root, `test/fixtures/netfilter/ipv6/ip6tables-save-${label}.txt`), dump);
    console.log(`recorded Engine ${lab.version}: ${topo.containers.length} containers, ${Object.keys(topo.host?.firewall.ipv6?.tables ?? {}).length} ip6tables tables, gaps: ${topo.gaps.map((g) => g.subject).join(', ') || 'none'}`);
  } finally {
    await down();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
