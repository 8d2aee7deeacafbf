/** The state one trace carries while it walks: the model, the firewall, the hops and assumptions so far. */
import type { Topology } from '../model/types';
import type { EvalContext, Packet } from '../netfilter/packet';
import type { Ruleset } from '../netfilter/types';
import type { Namespace } from './namespaces';
import type { HopKind, PacketView, TraceHop } from './types';

export type Verdict = 'delivered' | 'dropped' | 'uncertain';

export interface Ending {
  readonly verdict: Verdict;
  readonly decidedBy: string;
  /** where the packet arrived, and as what, for the reply */
  readonly arrivedIn?: Namespace;
  readonly packet?: Packet;
  /** a docker-proxy took the connection over: the second leg's own ending */
  readonly proxied?: { readonly client: Packet; readonly clientNs: Namespace };
}

export type HopDraft = Omit<TraceHop, 'step' | 'packet'> & { readonly packet: Packet };

export interface Conntrack {
  /** the addresses the source used, before any NAT */
  readonly origSrc: string;
  readonly origDst: string;
  readonly origDport: number | null;
}

export class Walk {
  readonly hops: HopDraft[] = [];
  private readonly notes: string[] = [];

  constructor(
    readonly topo: Topology,
    readonly host: Namespace | null,
    readonly ruleset: Ruleset | null,
    readonly evalCtx: EvalContext,
    /** set while walking a reply: conntrack undoes the forward path's NAT */
    readonly reverseOf: Conntrack | null = null,
  ) {}

  hop(h: HopDraft): void {
    this.hops.push(h);
  }

  assume(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  get assumptions(): readonly string[] {
    return this.notes;
  }

  sysctl(key: string): string | null {
    return this.topo.host?.sysctls[key] ?? null;
  }
}

export function view(p: Packet): PacketView {
  return { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, proto: p.proto };
}

export function simpleHop(ns: string, iface: string | null, kind: HopKind, what: string, packet: Packet, extra: Partial<HopDraft> = {}): HopDraft {
  return { namespace: ns, interface: iface, kind, what, packet, ...extra };
}
