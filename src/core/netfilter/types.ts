/**
 * A firewall dump modelled as tables → chains → rules. Every rule keeps its raw text beside the
 * typed fields so explanations quote exactly what the user would see in `iptables-save`.
 * A match carries its own negation; a match the parser does not understand is kept as `unknown`
 * so the trace can say "uncertain because of rule N" rather than assume a result.
 */

export type Family = 'ipv4' | 'ipv6';

export interface MatchValue {
  readonly negated: boolean;
  readonly value: string;
}

/** One `-m module --opt value …` group, or a built-in match (-s, -d, -i, -o, -p, -f). */
export interface Match {
  /** `builtin` for -s/-d/-i/-o/-p, else the module name: tcp, udp, multiport, addrtype, conntrack, set, comment, mark … */
  readonly module: string;
  /** option name without dashes → value; e.g. { dport: {negated:false,value:'80'} } */
  readonly options: Readonly<Record<string, MatchValue>>;
}

/** Netfilter hooks, in the names nftables uses. */
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export interface Rule {
  readonly table: string;
  readonly chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` shows it */
  readonly index: number;
  /** the rule as written by iptables-save, e.g. `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80` */
  readonly raw: string;
  readonly source: MatchValue | null;
  readonly destination: MatchValue | null;
  readonly inInterface: MatchValue | null;
  readonly outInterface: MatchValue | null;
  readonly protocol: MatchValue | null;
  readonly fragment: boolean | null;
  readonly matches: readonly Match[];
  /** jump (-j) or goto (-g) target; null when the rule only counts */
  readonly target: string | null;
  readonly goto: boolean;
  /** target options without dashes, e.g. { 'to-destination': '172.17.0.2:80' } */
  readonly targetOptions: Readonly<Record<string, string>>;
  readonly comment: string | null;
  /** Tokens the parser did not understand; a rule with any makes a trace through it uncertain. */
  readonly unparsed: readonly string[];
}

export interface Chain {
  readonly name: string;
  /** ACCEPT / DROP for built-in chains, null for user chains */
  readonly policy: string | null;
  readonly rules: readonly Rule[];
  /**
   * nftables base chains name their hook, priority and type; iptables chains leave these unset
   * (their hook and priority follow from the table and chain name, see hooks.ts).
   */
  readonly hook?: Hook;
  readonly priority?: number;
  readonly chainType?: 'filter' | 'nat' | 'route';
}

export interface Table {
  /** iptables: filter, nat, raw, mangle, security; nftables: `<family> <name>`, e.g. `ip docker-bridges` */
  readonly name: string;
  /** set for tables from `nft -j list ruleset`: ip, ip6, inet, bridge, arp, netdev */
  readonly nftFamily?: string;
  readonly chains: Readonly<Record<string, Chain>>;
}

export interface Ruleset {
  readonly family: Family;
  /** `iptables-save`, `nft` … and a label of the layout where known (e.g. fixture provenance) */
  readonly origin: string;
  readonly tables: Readonly<Record<string, Table>>;
}
