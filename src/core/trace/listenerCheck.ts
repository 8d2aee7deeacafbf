/**
 * The last question of a delivered TCP or UDP packet: does a socket take it? The kernel answers a
 * TCP SYN to a port nobody listens on with a RST (connection refused) and a UDP datagram with ICMP
 * port unreachable — so where the namespace's listening sockets are known, an empty port is a drop
 * the trace can name. Where they are not known, the trace says so and assumes a listener.
 */
import type { Known } from '../known';
import type { Listener } from '../host/types';
import type { Packet } from '../netfilter/packet';

export type ListenerAnswer =
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'found'; readonly listener: Listener; readonly dualStackAssumed: boolean };

/**
 * How a trace names the listening sockets of a namespace it needed and the model lacks: one name,
 * by which traceReadingListeners knows what to read.
 */
export function listenersFact(ns: { readonly kind: string; readonly label: string }): string {
  return ns.kind === 'host' ? "the host's listening sockets" : `the listening sockets of ${ns.label}`;
}

export function listenerText(l: Listener): string {
  return `${l.protocol} ${l.family === 'inet6' ? `[${l.address}]` : l.address}:${l.port}${l.inode !== undefined ? ` (socket inode ${l.inode})` : ''}`;
}

/**
 * The socket an IPv4 packet to dst:dport lands on: bound to dst itself, then 0.0.0.0, then an
 * IPv4-mapped ::ffff:dst, then [::] — which takes IPv4 only when IPV6_V6ONLY is off (the default,
 * net.ipv6.bindv6only=0); /proc does not show the flag, so that case is said as assumed.
 * An IPv6 packet lands on an inet6 socket only: bound to dst itself, else [::] (V6ONLY or not, it
 * takes IPv6); an IPv4 socket never sees it.
 */
export function findListener(listeners: Known<readonly Listener[]> | null, packet: Packet): ListenerAnswer {
  if (listeners === null) return { kind: 'unknown', why: 'the model has no listening sockets for it' };
  if (!listeners.known) return { kind: 'unknown', why: listeners.reason };
  const same = listeners.value.filter((l) => l.protocol === packet.proto && l.port === packet.dport);
  const v4 = (a: string) => same.find((l) => l.family === 'inet' && l.address === a);
  const v6 = (a: string) => same.find((l) => l.family === 'inet6' && l.address === a);
  if (packet.family === 'ipv6') {
    const found = v6(packet.dst) ?? v6('::');
    return found ? { kind: 'found', listener: found, dualStackAssumed: false } : { kind: 'none' };
  }
  const exact = v4(packet.dst) ?? v4('0.0.0.0') ?? v6(`::ffff:${packet.dst}`);
  if (exact) return { kind: 'found', listener: exact, dualStackAssumed: false };
  const any6 = v6('::');
  if (any6) return { kind: 'found', listener: any6, dualStackAssumed: true };
  return { kind: 'none' };
}

/** How the kernel turns the packet away, for hops and decidedBy. */
export function refusalText(proto: Packet['proto'], port: number | null, label: string): { readonly hop: string; readonly decidedBy: string } {
  const answer = proto === 'tcp' ? 'the kernel answers the SYN with a TCP RST (connection refused)' : 'the kernel answers with ICMP port unreachable';
  return {
    hop: `no socket listens on ${proto}/${port} in ${label} for this address: ${answer}`,
    decidedBy: `no process listens on ${proto}/${port} in ${label}: ${answer}`,
  };
}

export function dualStackAssumption(l: Listener, label: string): string {
  return `the ${l.protocol} [::]:${l.port} socket in ${label} takes IPv4 too (IPV6_V6ONLY off, the kernel default; /proc does not show the flag)`;
}
