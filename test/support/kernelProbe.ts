/** What the kernel-checked trace suites (engine28Options, nftables29, hookOrder, ipv6) say of a real probe. */

/** What a probe proved: the packet arrived, or it did not. */
export type Verdict = 'delivered' | 'dropped';

/** How the kernel turned a probe away: a firewall drop times out, an empty port answers RST, a missing route says unreachable. */
export type How = 'timeout' | 'refused' | 'unreachable';

/** One real probe, sent from a namespace of the suite's own. */
export interface Probe {
  /** where the probe runs: a container's name, `out`, `lan` or `host` (the daemon's namespace) */
  readonly from: string;
  /** a URL fetched with a bounded HTTP client */
  readonly http?: string;
  /** an address pinged once */
  readonly ping?: string;
  /** a datagram to ip:port, which the UDP receiver in `container` must get */
  readonly udp?: { readonly container: string; readonly ip: string; readonly port: number };
}
