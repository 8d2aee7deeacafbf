/** What a trace is asked and what it answers; the CLI prints TraceResult as JSON. */
import type { RuleRef } from '../model/types';
import type { Proto } from '../netfilter/packet';
import type { Family } from '../netfilter/types';
import type { KernelCheck } from './kernelCheck';
import type { ProbeResult } from './probe';
import type { MissingFact } from '../route/namespaces';

export interface TraceRequest {
  /** container name or id, `host`, `netns:<name>`, or an IPv4/IPv6 address of a peer the host can reach */
  readonly from: string;
  /** `container[:port]`, `host[:port]`, `IPv4[:port]`, `[IPv6]:port` or a bare IPv6 (no port: use `port`) */
  readonly to: string;
  /** `icmp` is an echo request of the trace's family: ICMP type 8, or ICMPv6 type 128 */
  readonly proto: Proto;
  /** used when `to` carries no port */
  readonly port?: number;
  /**
   * The address family. An address in `from` or `to` decides it (and must agree with this when
   * given); for names — a container, `host`, `netns:NAME` — it picks their IPv4 or IPv6 address.
   * IPv4 when neither says.
   */
  readonly family?: Family;
}

export type HopKind = 'route' | 'link' | 'bridge' | 'netfilter' | 'routing' | 'sysctl' | 'deliver' | 'proxy' | 'drop' | 'note';

export interface PacketView {
  readonly src: string;
  readonly dst: string;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly proto: Proto;
}

export interface RuleMention {
  readonly rule: RuleRef;
  readonly outcome: 'yes' | 'no' | 'unknown';
  readonly why: string;
}

export interface TraceHop {
  /** 1-based, in walking order (reply hops are numbered on from the forward path's last) */
  readonly step: number;
  /** `host`, `container web1`, `netns RED`, or `outside` for a peer beyond the host */
  readonly namespace: string;
  readonly interface: string | null;
  readonly kind: HopKind;
  /** what happened, in words */
  readonly what: string;
  readonly packet: PacketView;
  readonly hook?: string;
  readonly table?: string;
  readonly chain?: string;
  /** the rule that decided this step (a jump, a verdict, a NAT rewrite) */
  readonly rule?: RuleRef;
  /** the rules that matched on the way through this chain, jumps included */
  readonly matchedRules?: readonly RuleMention[];
  /** how many rules were looked at in this chain (all of them are in the evaluator's record) */
  readonly rulesConsidered?: number;
  readonly route?: string;
  readonly sysctl?: string;
}

/** A fact the trace needed and the model does not have (defined with the namespaces that say it: route/namespaces.ts). */
export type { MissingFact };

export interface TraceResult {
  readonly request: TraceRequest;
  /** the address family the trace walked (from an address given, or `request.family`) */
  readonly family: Family;
  readonly verdict: 'delivered' | 'dropped' | 'uncertain';
  /** the one thing that decided: a rule (`filter FORWARD rule 3: -A …`), a route, a sysctl */
  readonly decidedBy: string;
  readonly hops: readonly TraceHop[];
  /** what netlens took for granted beyond what it models (the peer beyond the host answers, …) */
  readonly assumptions: readonly string[];
  /**
   * Facts on the packet's way that the model does not have. When there is any, the verdict is
   * `uncertain` and `decidedBy` names the first; the hops show where the walk would go if each
   * were as `assumed`.
   */
  readonly missing: readonly MissingFact[];
  /** the reply's way back, when the forward packet arrived */
  readonly reply?: readonly TraceHop[];
  /** with `--verify`: what the kernel itself chose at the routing steps (read-only) */
  readonly kernel?: KernelCheck;
  /** with `--probe`: one real packet's fate and the counters of the rules on its way */
  readonly probe?: ProbeResult;
}
