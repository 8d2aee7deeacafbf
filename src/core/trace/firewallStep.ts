/** One netfilter hook on the host, run through the evaluator and written down as hops. */
import { evaluateHook, reverseNat, type ChainResult, type Decider } from '../netfilter/evaluate';
import type { Packet } from '../netfilter/packet';
import type { Hook } from '../netfilter/types';
import type { RuleRef } from '../model/types';
import { simpleHop, type Ending, type Walk } from './walkContext';

function ruleText(r: RuleRef): string {
  return `${r.table} ${r.chain} rule ${r.index}: ${r.raw}`;
}

function deciderText(d: Decider): string {
  return d.kind === 'rule' ? ruleText(d.rule) : `${d.table} ${d.chain} policy ${d.policy}`;
}

function chainWhat(c: ChainResult): string {
  const tail = c.decidedBy.kind === 'rule' ? `rule ${c.decidedBy.rule.index} (${c.decidedBy.target})` : `policy ${c.decidedBy.policy}`;
  const nat = c.nat ? `; ${c.nat.kind} ${c.nat.from} → ${c.nat.to}` : '';
  switch (c.verdict) {
    case 'ACCEPT':
      return `${c.table} ${c.chain}: accepted by ${tail}${nat}`;
    case 'DROP':
      return `${c.table} ${c.chain}: DROPPED by ${tail}`;
    case 'REJECT':
      return `${c.table} ${c.chain}: REJECTED by ${tail}`;
    default:
      return `${c.table} ${c.chain}: UNCERTAIN at ${tail} — ${c.steps[c.steps.length - 1]?.why ?? ''}`;
  }
}

/**
 * A ruleset read from one of its two sources only. iptables-save shows iptables' tables, nft the
 * others (Docker 29's, firewalld's, the user's own): either one missing is part of the firewall
 * unknown. Where the nft program is not installed and the engine does not say it uses nftables, no
 * tool on that host would have made such tables: said as an assumption, not a missing fact.
 */
function partlyKnown(walk: Walk): void {
  const unknownFacts = walk.topo.host?.unknown;
  if (!unknownFacts) return;
  // an IPv6 packet passes ip6tables' tables: iptables-save's IPv4 ones are not on its way
  if (walk.family === 'ipv6') {
    if (unknownFacts.ip6tables) walk.missing("the host's ip6tables rules (ip6tables-save)", unknownFacts.ip6tables, 'ip6tables holds no rules beyond what nft showed');
  } else if (unknownFacts.iptables) walk.missing("the host's iptables rules (iptables-save)", unknownFacts.iptables, 'iptables holds no rules beyond what nft showed');
  const nft = unknownFacts.nftables;
  if (!nft) return;
  const absent = /^nft not found on the host/.test(nft) && walk.topo.engine.firewallBackend !== 'nftables';
  if (absent) walk.assume(`no nftables tables beside iptables' own: ${nft}, and the engine does not report an nftables backend`);
  else walk.missing("the host's nftables tables (nft -j list ruleset)", nft, "no nftables tables beside iptables' own");
}

/** Why the host's firewall is not in the model, for the missing fact. */
function firewallWhy(walk: Walk): string {
  const host = walk.topo.host;
  if (!host) return 'the model has no host facts (no shell on the Docker host)';
  return (walk.family === 'ipv6' ? host.unknown?.firewallIpv6 : host.unknown?.firewallIpv4) ?? 'it was not read';
}

/** The missing fact's name: IPv6 packets pass ip6tables' rules (and nft's ip6/inet tables), not iptables'. */
function firewallFact(walk: Walk): string {
  return walk.family === 'ipv6' ? 'the host IPv6 firewall (ip6tables-save / nft)' : 'the host firewall (iptables-save / nft)';
}

export type StepOutcome = { readonly ok: true; readonly packet: Packet } | { readonly ok: false; readonly ending: Ending };

/** Runs `hook` and records one hop per chain that had rules or decided; stops on drop/uncertain. */
export function runHook(walk: Walk, hook: Hook, packet: Packet, iface: string | null, opts: { skipNat?: boolean } = {}): StepOutcome {
  if (!walk.ruleset) {
    walk.missing(firewallFact(walk), firewallWhy(walk), 'every netfilter hook accepts');
    // conntrack un-NATs a reply whatever the rules say
    const r = reverseNat(hook, packet, walk.reverseOf);
    if (r) walk.hop(simpleHop('host', iface, 'netfilter', r.what, r.packet, { hook }));
    return { ok: true, packet: r?.packet ?? packet };
  }
  partlyKnown(walk);
  const r = evaluateHook(walk.ruleset, hook, packet, walk.evalCtx, { ...opts, conntrack: walk.reverseOf });
  const events = [...r.conntrack];
  const conntrackHops = (upTo: number) => {
    while (events.length > 0 && events[0]!.after <= upTo) {
      const e = events.shift()!;
      walk.hop(simpleHop('host', iface, 'netfilter', e.what, e.packet, { hook }));
    }
  };
  let mark = packet.mark;
  const hex = (m: number | null): string => (m === null ? 'unknown' : `0x${m.toString(16)}`);
  for (const [i, c] of r.chains.entries()) {
    conntrackHops(i);
    if (c.steps.length === 0 && c.verdict === 'ACCEPT') continue;
    // a MARK rule does not decide the chain: the mark it set is said beside the chain's verdict
    const marked = c.packet.mark !== mark ? `; mark ${hex(mark)} → ${hex(c.packet.mark)}` : '';
    mark = c.packet.mark;
    walk.hop(
      simpleHop('host', iface, 'netfilter', `${chainWhat(c)}${marked}`, c.packet, {
        hook,
        table: c.table,
        chain: c.chain,
        ...(c.decidedBy.kind === 'rule' ? { rule: c.decidedBy.rule } : {}),
        matchedRules: c.matched.map((s) => ({ rule: s.rule, outcome: s.outcome, why: s.why })),
        rulesConsidered: c.steps.length,
      }),
    );
  }
  conntrackHops(r.chains.length);
  if (r.verdict === 'ACCEPT') return { ok: true, packet: r.packet };
  const d = r.decisive!;
  if (r.verdict === 'UNCERTAIN') {
    const why = d.steps[d.steps.length - 1]?.why ?? '';
    return { ok: false, ending: { verdict: 'uncertain', decidedBy: `${deciderText(d.decidedBy)} — ${why}` } };
  }
  return { ok: false, ending: { verdict: 'dropped', decidedBy: deciderText(d.decidedBy) } };
}
