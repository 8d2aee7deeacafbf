/** The state one trace carries while it walks: the model, the firewall, the hops and assumptions so far. */
import { known, unknown } from '../known';
import type { Topology } from '../model/types';
import type { ConntrackEntry, EvalContext, Packet } from '../netfilter/packet';
import type { Family, Ruleset } from '../netfilter/types';
import { hostNamespace, type Namespace } from './namespaces';
import type { HopKind, MissingFact, PacketView, TraceHop } from './types';

/** What a walk of one address family sees of the host: its namespace, its ruleset, its addresses. */
export interface FamilyView {
  readonly family: Family;
  readonly host: Namespace | null;
  readonly ruleset: Ruleset | null;
  readonly evalCtx: EvalContext;
}

function familyView(topo: Topology, family: Family): FamilyView {
  const host = hostNamespace(topo, family);
  return {
    family,
    host,
    ruleset: (family === 'ipv6' ? topo.host?.firewall.ipv6 : topo.host?.firewall.ipv4) ?? null,
    evalCtx: {
      localAddresses: host ? known(host.interfaces.flatMap((i) => i.addresses.map((a) => ({ address: a.address, iface: i.name })))) : unknown('the model has no host facts'),
    },
  };
}

export type Verdict = 'delivered' | 'dropped' | 'uncertain';

export interface Ending {
  readonly verdict: Verdict;
  readonly decidedBy: string;
  /** where the packet arrived, and as what, for the reply */
  readonly arrivedIn?: Namespace;
  readonly packet?: Packet;
  /** it left the host toward a peer netlens does not model: where the peer's reply would come in */
  readonly outside?: { readonly ingress: string };
  /**
   * IPVS sent it into an overlay toward an endpoint on another node (the routing mesh): the overlay
   * walk across hosts goes on from there (overlayTrace.ts)
   */
  readonly overlay?: { readonly networkId: string; readonly to: string; readonly packet: Packet };
  /** a docker-proxy took the connection over: the second leg's own ending */
  readonly proxied?: { readonly client: Packet; readonly clientNs: Namespace };
}

export type HopDraft = Omit<TraceHop, 'step' | 'packet'> & { readonly packet: Packet };

/** the addresses the source used, before any NAT */
export type Conntrack = ConntrackEntry;


export class Walk {
  readonly hops: HopDraft[];
  private readonly notes: string[];
  private readonly missingFacts: MissingFact[];

  constructor(
    readonly topo: Topology,
    readonly host: Namespace | null,
    readonly ruleset: Ruleset | null,
    readonly evalCtx: EvalContext,
    /** set while walking a reply: conntrack undoes the forward path's NAT */
    readonly reverseOf: Conntrack | null = null,
    /** the packets' address family: which addresses, routes, ruleset and sysctls the walk reads */
    readonly family: Family = 'ipv4',
    /** a walk whose hops, notes and missing facts this one adds to */
    continues?: Walk,
  ) {
    this.hops = continues?.hops ?? [];
    this.notes = continues?.notes ?? [];
    this.missingFacts = continues?.missingFacts ?? [];
  }

  static of(topo: Topology, family: Family, reverseOf: Conntrack | null = null): Walk {
    const v = familyView(topo, family);
    return new Walk(topo, v.host, v.ruleset, v.evalCtx, reverseOf, family);
  }

  /**
   * The same walk going on in the other family (docker-proxy relays an IPv6 client to a
   * container's IPv4 address): its own host view and ruleset, the hops, notes and missing facts shared.
   */
  inFamily(family: Family): Walk {
    if (family === this.family) return this;
    const v = familyView(this.topo, family);
    return new Walk(this.topo, v.host, v.ruleset, v.evalCtx, this.reverseOf, family, this);
  }

  hop(h: HopDraft): void {
    this.hops.push(h);
  }

  assume(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  get assumptions(): readonly string[] {
    return this.notes;
  }

  /** The walk needed `fact` and the model does not have it: the trace goes on, but cannot end in a firm verdict. */
  missing(fact: string, why: string, assumed: string): void {
    if (!this.missingFacts.some((m) => m.fact === fact)) this.missingFacts.push({ fact, why, assumed });
  }

  get missingFactsSoFar(): readonly MissingFact[] {
    return this.missingFacts;
  }

  /** A sysctl's value; where it was not read, the walk records it as missing and goes on with `assumed`. */
  sysctl(key: string, assumed: string): string | null {
    const v = this.topo.host?.sysctls[key];
    if (v !== undefined) return v;
    const why = this.topo.host ? (this.topo.host.unknown?.sysctls ?? 'the host shell did not report it') : 'the model has no host facts';
    this.missing(`sysctl ${key}`, why, assumed);
    return null;
  }
}

export function view(p: Packet): PacketView {
  return { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, proto: p.proto };
}

export function simpleHop(ns: string, iface: string | null, kind: HopKind, what: string, packet: Packet, extra: Partial<HopDraft> = {}): HopDraft {
  return { namespace: ns, interface: iface, kind, what, packet, ...extra };
}
