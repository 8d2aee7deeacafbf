/**
 * Runs a packet through a chain, and through all chains of a hook in the kernel's order. Every rule
 * considered is recorded (matched / not / unknown, and why) so an explanation quotes the exact rules.
 * An undecidable rule that could change the outcome stops the walk with verdict UNCERTAIN naming it.
 */
import type { RuleRef } from '../model/types';
import { decideRule, inCidr, quickReject, type Outcome } from './matchEval';
import { baseChains } from './hooks';
import type { ConntrackEntry, EvalContext, Packet } from './packet';
import type { Hook, Rule, Ruleset } from './types';

export type ChainVerdict = 'ACCEPT' | 'DROP' | 'REJECT' | 'UNCERTAIN';

export interface RuleStep {
  readonly rule: RuleRef;
  readonly outcome: Outcome;
  readonly why: string;
}

export interface NatAction {
  readonly kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  readonly rule: RuleRef;
  readonly from: string;
  readonly to: string;
}

export type Decider =
  | { readonly kind: 'rule'; readonly rule: RuleRef; readonly target: string }
  | { readonly kind: 'policy'; readonly table: string; readonly chain: string; readonly policy: string };

export interface ChainResult {
  readonly table: string;
  readonly chain: string;
  readonly verdict: ChainVerdict;
  readonly decidedBy: Decider;
  readonly packet: Packet;
  readonly steps: readonly RuleStep[];
  readonly nat: NatAction | null;
  /** rules that matched on the way (jumps included), in order: what an explanation shows */
  readonly matched: readonly RuleStep[];
}

export interface HookResult {
  readonly hook: Hook;
  readonly verdict: ChainVerdict;
  readonly packet: Packet;
  readonly chains: readonly ChainResult[];
  /** conntrack's rewrites of a reply, each placed after the chains that ran before it */
  readonly conntrack: readonly ConntrackEvent[];
  /** the chain result that ended the hook with DROP/REJECT/UNCERTAIN, null when all accepted */
  readonly decisive: ChainResult | null;
}

const NON_TERMINATING = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'TCPMSS', 'CHECKSUM', 'TOS', 'DSCP', 'CLASSIFY', 'TTL', 'CONNMARK', 'NOTRACK', 'CT', 'MARK']);
const MAX_DEPTH = 64;

/**
 * A rule a built-in selector ruled out. Its reference and reason are made only when someone reads
 * them: most of a big chain is skipped this way and nobody asks why.
 */
class SkippedStep implements RuleStep {
  readonly outcome = 'no' as const;
  constructor(
    private readonly r: Rule,
    private readonly p: Packet,
    private readonly ctx: EvalContext,
  ) {}
  get rule(): RuleRef {
    return ruleRef(this.r);
  }
  get why(): string {
    return decideRule(this.r, this.p, this.ctx).why;
  }
  toJSON(): RuleStep {
    return { rule: this.rule, outcome: this.outcome, why: this.why };
  }
}

const refs = new WeakMap<Rule, RuleRef>();

/** One RuleRef per rule, made once: a trace over 10,000 rules should not allocate 10,000 each time. */
function ruleRef(r: Rule): RuleRef {
  let ref = refs.get(r);
  if (!ref) {
    ref = { table: r.table, chain: r.chain, index: r.index, raw: r.raw };
    refs.set(r, ref);
  }
  return ref;
}

/**
 * What conntrack's NAT does to a packet of a connection it already holds. The kernel registers
 * conntrack and NAT at fixed priorities beside the tables (include/uapi/linux/netfilter_ipv4.h,
 * enum nf_ip_hook_priorities; the same numbers for IPv6):
 *
 *   PREROUTING  raw -300 · conntrack -200 · mangle -150 · NAT_DST -100 · (filter 0) · security 50
 *   OUTPUT      raw -300 · conntrack -200 · mangle -150 · NAT_DST -100 · filter 0 · security 50
 *   INPUT       mangle -150 · filter 0 · security 50 · NAT_SRC 100 · confirm INT_MAX
 *   FORWARD     mangle -150 · filter 0 · security 50
 *   POSTROUTING mangle -150 · NAT_SRC 100 · confirm INT_MAX
 *
 * Conntrack at -200 only finds the connection (the packet's ctstate). The addresses of a reply are
 * rewritten by NAT itself (nf_nat_ipv4_fn → nf_nat_packet) at NAT_DST for the destination and at
 * NAT_SRC for the source: so raw and mangle PREROUTING still see a reply to a masqueraded connection
 * addressed to the masquerading address, and a rule such as Docker 28's raw
 * `-d <container IP> ! -i <bridge> -j DROP` does not see the container's address on it.
 */
export interface ConntrackEvent {
  /** how many of the hook's chains ran before it */
  readonly after: number;
  readonly priority: number;
  readonly what: string;
  readonly packet: Packet;
}

/** NF_IP_PRI_CONNTRACK: where conntrack finds (or creates) the packet's connection in PREROUTING and OUTPUT */
const CONNTRACK_PRIORITY = -200;

const NAT_PRIORITY: Readonly<Record<Hook, { readonly priority: number; readonly manip: 'dst' | 'src' } | null>> = {
  prerouting: { priority: -100, manip: 'dst' },
  output: { priority: -100, manip: 'dst' },
  input: { priority: 100, manip: 'src' },
  postrouting: { priority: 100, manip: 'src' },
  forward: null,
};

/** Reply-direction un-NAT at `hook`'s NAT point; null when it changes nothing. */
export function reverseNat(hook: Hook, p: Packet, conn: ConntrackEntry | null | undefined): { packet: Packet; what: string } | null {
  const point = NAT_PRIORITY[hook];
  if (!conn || !point || p.ctState === 'NEW' || p.ctState === 'UNTRACKED') return null;
  if (point.manip === 'dst') {
    if (p.dst === conn.origSrc) return null;
    const packet = { ...p, dst: conn.origSrc };
    return { packet, what: `conntrack (NAT at priority ${point.priority}): reply of a source-NATed connection, destination ${p.dst} restored to ${packet.dst}` };
  }
  if (p.src === conn.origDst || p.dst === conn.origDst) return null;
  const packet = { ...p, src: conn.origDst, sport: conn.origDport ?? p.sport };
  return { packet, what: `conntrack (NAT at priority ${point.priority}): reply of a destination-NATed connection, source ${p.src} restored to ${packet.src}` };
}

/**
 * Every base chain registered at `hook`, in priority order, with conntrack's reply un-NAT at its
 * own priority between them; nat chains only for a NEW connection.
 */
export function evaluateHook(ruleset: Ruleset, hook: Hook, packet: Packet, ctx: EvalContext, opts: { skipNat?: boolean; conntrack?: ConntrackEntry | null } = {}): HookResult {
  let p = packet;
  const chains: ChainResult[] = [];
  const conntrack: ConntrackEvent[] = [];
  const natPoint = NAT_PRIORITY[hook];
  let natDone = false;
  const crossNat = () => {
    natDone = true;
    const r = reverseNat(hook, p, opts.conntrack);
    if (!r) return;
    p = r.packet;
    conntrack.push({ after: chains.length, priority: natPoint!.priority, what: r.what, packet: p });
  };
  for (const base of baseChains(ruleset, hook)) {
    if (!natDone && natPoint && base.priority > natPoint.priority) crossNat();
    // nat rules see only a connection's first packet, and only once (a looped-back local packet was NATed in OUTPUT)
    if (base.nat && (p.ctState !== 'NEW' || opts.skipNat)) continue;
    const beforeConntrack = (hook === 'prerouting' || hook === 'output') && base.priority < CONNTRACK_PRIORITY && p.ctState !== 'UNTRACKED';
    // before conntrack has looked the packet up it carries no connection: xt_conntrack and nft's
    // `ct state` see INVALID there (raw's own chains), whatever the connection turns out to be
    const r = evaluateChain(ruleset, base.table, base.chain.name, beforeConntrack ? { ...p, ctState: 'INVALID' } : p, ctx, hook);
    chains.push(r);
    p = beforeConntrack && r.packet.ctState === 'INVALID' ? { ...r.packet, ctState: p.ctState } : r.packet;
    if (r.verdict !== 'ACCEPT') return { hook, verdict: r.verdict, packet: p, chains, conntrack, decisive: r };
  }
  if (!natDone && natPoint) crossNat();
  return { hook, verdict: 'ACCEPT', packet: p, chains, conntrack, decisive: null };
}

export function evaluateChain(ruleset: Ruleset, table: string, chain: string, packet: Packet, ctx: EvalContext, hook?: Hook): ChainResult {
  const t = ruleset.tables[table];
  const start = t?.chains[chain];
  const steps: RuleStep[] = [];
  const matched: RuleStep[] = [];
  let p = packet;
  let nat: NatAction | null = null;
  const done = (verdict: ChainVerdict, decidedBy: Decider): ChainResult => ({ table, chain, verdict, decidedBy, packet: p, steps, nat, matched });
  if (!t || !start) return done('ACCEPT', { kind: 'policy', table, chain, policy: 'ACCEPT (chain absent)' });
  // frames: chain name and next rule position; goto replaces the top frame, jump pushes one
  const stack: { name: string; pos: number }[] = [{ name: chain, pos: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const c = t.chains[frame.name];
    if (!c) return done('UNCERTAIN', { kind: 'policy', table, chain: frame.name, policy: `chain ${frame.name} is not in the dump` });
    if (frame.pos >= c.rules.length) {
      stack.pop();
      if (stack.length === 0) {
        const policy = c.policy ?? 'ACCEPT';
        const v: ChainVerdict = policy === 'DROP' ? 'DROP' : 'ACCEPT';
        return done(v, { kind: 'policy', table, chain: c.name, policy });
      }
      continue;
    }
    const rule = c.rules[frame.pos++]!;
    if (quickReject(rule, p)) {
      steps.push(new SkippedStep(rule, p, ctx));
      continue;
    }
    const d = decideRule(rule, p, ctx);
    const step: RuleStep = { rule: ruleRef(rule), outcome: d.outcome, why: d.why };
    steps.push(step);
    if (d.outcome === 'no') continue;
    if (d.outcome === 'unknown') {
      // a rule without effect (no target, or a non-terminating one) cannot change the outcome
      if (rule.target === null || (NON_TERMINATING.has(rule.target) && rule.target !== 'MARK')) continue;
      matched.push(step);
      return done('UNCERTAIN', { kind: 'rule', rule: ruleRef(rule), target: rule.target });
    }
    matched.push(step);
    const target = rule.target;
    if (target === null) continue;
    switch (target) {
      case 'ACCEPT':
        return done('ACCEPT', { kind: 'rule', rule: ruleRef(rule), target });
      case 'DROP':
        return done('DROP', { kind: 'rule', rule: ruleRef(rule), target });
      case 'REJECT':
        return done('REJECT', { kind: 'rule', rule: ruleRef(rule), target });
      case 'RETURN':
        stack.pop();
        if (stack.length === 0) {
          const policy = start.policy ?? 'ACCEPT';
          return done(policy === 'DROP' ? 'DROP' : 'ACCEPT', { kind: 'policy', table, chain, policy });
        }
        continue;
      case 'DNAT':
      case 'SNAT':
      case 'MASQUERADE':
      case 'REDIRECT': {
        const rewritten = applyNat(rule, target, p, ctx, hook);
        if (!rewritten) return done('UNCERTAIN', { kind: 'rule', rule: ruleRef(rule), target });
        nat = rewritten.action;
        p = rewritten.packet;
        return done('ACCEPT', { kind: 'rule', rule: ruleRef(rule), target });
      }
      default:
        break;
    }
    if (target === 'MARK') {
      p = { ...p, mark: applyMark(rule, p.mark) };
      continue;
    }
    if (target === 'CT' || target === 'NOTRACK') {
      if (target === 'NOTRACK' || 'notrack' in rule.targetOptions) p = { ...p, ctState: 'UNTRACKED' };
      continue;
    }
    if (NON_TERMINATING.has(target)) continue;
    if (t.chains[target]) {
      if (stack.length >= MAX_DEPTH) return done('UNCERTAIN', { kind: 'rule', rule: ruleRef(rule), target: `${target} (jumps nest deeper than ${MAX_DEPTH})` });
      if (rule.goto) stack.pop();
      stack.push({ name: target, pos: 0 });
      continue;
    }
    return done('UNCERTAIN', { kind: 'rule', rule: ruleRef(rule), target: `${target} (a target netlens does not understand)` });
  }
  return done('ACCEPT', { kind: 'policy', table, chain, policy: 'ACCEPT' });
}

function applyMark(rule: Rule, mark: number | null): number | null {
  const spec = rule.targetOptions['set-xmark'] ?? rule.targetOptions['set-mark'];
  if (spec === undefined || mark === null) return null;
  const [v, m] = spec.split('/') as [string, string | undefined];
  const mask = m === undefined ? 0xffffffff : Number(m);
  const value = Number(v);
  if (Number.isNaN(value) || Number.isNaN(mask)) return null;
  return 'set-xmark' in rule.targetOptions ? ((mark & ~mask) ^ value) >>> 0 : ((mark & ~mask) | value) >>> 0;
}

/**
 * `ip[-ip][:port[-port]]` → the first address and port, as the kernel picks for one connection.
 * ip6tables writes an IPv6 address in brackets when a port follows (`[fd00::2]:80`), bare without.
 */
function parseNatTo(spec: string): { ip: string | null; port: number | null } {
  const m = /^([0-9.]+)?(?:-[0-9.]+)?(?::(\d+)(?:-\d+)?)?$/.exec(spec);
  if (m) return { ip: m[1] ?? null, port: m[2] ? Number(m[2]) : null };
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?:-\[[0-9A-Fa-f:.]+\])?(?::(\d+)(?:-\d+)?)?$/.exec(spec) ?? /^([0-9A-Fa-f]*:[0-9A-Fa-f:.]*)(?:-[0-9A-Fa-f:.]+)?()$/.exec(spec);
  if (v6) return { ip: v6[1] ?? null, port: v6[2] ? Number(v6[2]) : null };
  return { ip: null, port: null };
}

/** `ip:port` as a NAT action shows it (`172.17.0.2:80`, `[fd00::2]:80`; `ip:` without a port, as before) */
function natEnd(ip: string, port: number | null): string {
  return ip.includes(':') ? `[${ip}]:${port ?? ''}` : `${ip}:${port ?? ''}`;
}

function applyNat(rule: Rule, target: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT', p: Packet, ctx: EvalContext, hook?: Hook): { packet: Packet; action: NatAction } | null {
  const ref = ruleRef(rule);
  if (target === 'DNAT') {
    const to = parseNatTo(rule.targetOptions['to-destination'] ?? '');
    if (!to.ip) return null;
    const packet = { ...p, dst: to.ip, dport: to.port ?? p.dport };
    return { packet, action: { kind: 'DNAT', rule: ref, from: natEnd(p.dst, p.dport), to: natEnd(packet.dst, packet.dport) } };
  }
  if (target === 'REDIRECT') {
    const port = rule.targetOptions['to-ports'];
    const local = hook === 'output' ? (p.family === 'ipv6' ? '::1' : '127.0.0.1') : firstAddressOf(p.inInterface, ctx, p.family, p.src);
    if (!local) return null;
    const packet = { ...p, dst: local, dport: port ? Number(port.split('-')[0]) : p.dport };
    return { packet, action: { kind: 'REDIRECT', rule: ref, from: natEnd(p.dst, p.dport), to: natEnd(packet.dst, packet.dport) } };
  }
  if (target === 'SNAT') {
    const to = parseNatTo(rule.targetOptions['to-source'] ?? '');
    if (!to.ip) return null;
    const packet = { ...p, src: to.ip, sport: to.port ?? p.sport };
    return { packet, action: { kind: 'SNAT', rule: ref, from: p.src, to: packet.src } };
  }
  const addr = firstAddressOf(p.outInterface, ctx, p.family, p.dst);
  if (!addr) return null;
  const ports = rule.targetOptions['to-ports'];
  const packet = { ...p, src: addr, sport: ports ? Number(ports.split('-')[0]) : p.sport };
  return { packet, action: { kind: 'MASQUERADE', rule: ref, from: p.src, to: addr } };
}

/**
 * The address NAT takes from an interface. IPv6 (nf_nat_masquerade_ipv6 → ipv6_dev_get_saddr): one
 * of the same scope as the peer, so a global one for a global peer, never the link-local fe80::.
 */
function firstAddressOf(iface: string, ctx: EvalContext, family: Packet['family'] = 'ipv4', peer: string | null = null): string | null {
  if (!ctx.localAddresses.known) return null;
  if (family === 'ipv4') return ctx.localAddresses.value.find((a) => a.iface === iface && !a.address.includes(':'))?.address ?? null;
  const v6 = ctx.localAddresses.value.filter((a) => a.iface === iface && a.address.includes(':'));
  const peerLinkLocal = peer !== null && isLinkLocal6(peer);
  return v6.find((a) => isLinkLocal6(a.address) === peerLinkLocal)?.address ?? null;
}

function isLinkLocal6(ip: string): boolean {
  return inCidr(ip, 'fe80::/10') === true;
}
