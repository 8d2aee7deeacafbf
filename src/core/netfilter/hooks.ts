/**
 * Which chains the kernel runs at a hook, in its order. iptables tables register at fixed
 * priorities (raw -300, mangle -150, nat -100 on the way in / 100 on the way out, filter 0,
 * security 50); nftables base chains carry their own. All of them run in priority order: an accept
 * in one only ends that chain, a drop ends the packet.
 */
import type { Chain, Hook, Ruleset } from './types';

export interface BaseChain {
  readonly table: string;
  readonly chain: Chain;
  readonly priority: number;
  /** nat chains see only a connection's first packet */
  readonly nat: boolean;
}

const IPTABLES_CHAIN_HOOK: Readonly<Record<string, Hook>> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

function iptablesPriority(table: string, hook: Hook): number | null {
  switch (table) {
    case 'raw':
      return -300;
    case 'mangle':
      return -150;
    case 'nat':
      return hook === 'prerouting' || hook === 'output' ? -100 : 100;
    case 'filter':
      return 0;
    case 'security':
      return 50;
    default:
      return null;
  }
}

export function baseChains(ruleset: Ruleset, hook: Hook): BaseChain[] {
  const out: BaseChain[] = [];
  for (const table of Object.values(ruleset.tables)) {
    for (const chain of Object.values(table.chains)) {
      if (table.nftFamily !== undefined) {
        if (chain.hook === hook) out.push({ table: table.name, chain, priority: chain.priority ?? 0, nat: chain.chainType === 'nat' });
        continue;
      }
      if (IPTABLES_CHAIN_HOOK[chain.name] !== hook) continue;
      const priority = iptablesPriority(table.name, hook);
      if (priority === null) continue;
      out.push({ table: table.name, chain, priority, nat: table.name === 'nat' });
    }
  }
  // stable: equal priorities keep dump order, as the kernel keeps registration order
  return out.sort((a, b) => a.priority - b.priority);
}

/** Merges rulesets read from different tools (iptables-save and nft) for the same family. */
export function mergeRulesets(a: Ruleset, b: Ruleset): Ruleset {
  return { family: a.family, origin: `${a.origin} + ${b.origin}`, tables: { ...a.tables, ...b.tables } };
}

/** The tables iptables-nft makes in the ip and ip6 families (the host's nft-ruleset section does not list them). */
export const IPTABLES_NFT_TABLE_NAMES = ['filter', 'nat', 'raw', 'mangle', 'security'] as const;
const IPTABLES_NFT_TABLES: ReadonlySet<string> = new Set(IPTABLES_NFT_TABLE_NAMES);

/**
 * The tables of an `nft -j list ruleset` that iptables-nft does not own (Docker 29's
 * `ip docker-bridges`, firewalld's, the user's own). iptables-nft keeps its tables as `ip filter`,
 * `ip nat` … with xt expressions nft cannot show; those are read from iptables-save instead, so a
 * host's whole firewall is `mergeRulesets(iptablesSave, nativeNftTables(nft))`.
 */
export function nativeNftTables(rs: Ruleset): Ruleset {
  const tables = Object.fromEntries(
    Object.entries(rs.tables).filter(([, t]) => !((t.nftFamily === 'ip' || t.nftFamily === 'ip6') && IPTABLES_NFT_TABLES.has(t.name.split(' ')[1] ?? ''))),
  );
  return { ...rs, tables };
}
