/** The packet as the evaluator sees it at one point of its way, and the host facts rules consult. */
import type { Known } from '../known';
import type { Family } from './types';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';
export type Proto = 'tcp' | 'udp' | 'icmp';

export interface Packet {
  readonly family: Family;
  /** interface names; '' where the kernel has none (locally generated: no input interface) */
  readonly inInterface: string;
  readonly outInterface: string;
  readonly src: string;
  readonly dst: string;
  readonly proto: Proto;
  readonly sport: number | null;
  readonly dport: number | null;
  /** ICMP type number (8 echo-request, 0 echo-reply) */
  readonly icmpType: number | null;
  readonly ctState: CtState;
  /** the destination before DNAT, for conntrack --ctorigdst */
  readonly origDst: string;
  readonly origDport: number | null;
  readonly origSrc: string;
  /** nfmark; null once a rule set it from something the model does not know */
  readonly mark: number | null;
  /** bridge ports for bridged traffic (physdev); undefined when the trace does not know them */
  readonly physIn?: string | null;
  readonly physOut?: string | null;
  readonly srcMac?: string | null;
  /**
   * The IPVS connection this packet belongs to (the routing mesh's load balancer took it), for
   * `-m ipvs`; absent or null: no IPVS connection.
   */
  readonly ipvs?: IpvsConnection | null;
}

/** What `-m ipvs` can ask of a packet IPVS has taken. */
export interface IpvsConnection {
  /** the virtual service's address and port (the mesh's: the sandbox address and published port) */
  readonly vaddr: string;
  readonly vport: number | null;
  /** MASQ (NAT), GATE (direct routing) or IPIP (tunnel), as `-m ipvs --vmethod` names them */
  readonly method: 'MASQ' | 'GATE' | 'IPIP';
  /** ORIGINAL for the client's direction, REPLY for the real server's answer */
  readonly dir: 'ORIGINAL' | 'REPLY';
}

/**
 * A connection conntrack already holds: the addresses its first packet had before any NAT. A packet
 * of the reply direction is un-NATed against it at the NAT hooks (see `reverseNat` in evaluate.ts).
 */
export interface ConntrackEntry {
  readonly origSrc: string;
  readonly origDst: string;
  readonly origDport: number | null;
}

export interface LocalAddress {
  readonly address: string;
  readonly iface: string;
}

export interface EvalContext {
  /** the host's own addresses (addrtype LOCAL, MASQUERADE's source) */
  readonly localAddresses: Known<readonly LocalAddress[]>;
  /** ipset contents by set name, where known */
  readonly ipsets?: Readonly<Record<string, readonly string[]>>;
}
