/** The kernel's route choice in one namespace: local addresses first, then longest prefix, then metric. */
import { inCidr } from '../netfilter/matchEval';
import type { Route } from '../host/types';
import { inetOf, type Namespace } from './namespaces';

export type RouteChoice =
  | { readonly kind: 'local' }
  | { readonly kind: 'route'; readonly route: Route; readonly dev: string; readonly nextHop: string; readonly text: string }
  | { readonly kind: 'reject'; readonly route: Route; readonly text: string }
  | { readonly kind: 'none' };

export function isOwnAddress(ns: Namespace, ip: string): boolean {
  return inCidr(ip, '127.0.0.0/8') === true || ip === '::1' || ns.interfaces.some((i) => i.addresses.some((a) => a.address === ip));
}

/** fe80::/10: an address that only means something on its own link */
export function isLinkLocal(ip: string): boolean {
  return ip.includes(':') && inCidr(ip, 'fe80::/10') === true;
}

function routeText(r: Route): string {
  return [r.type !== 'unicast' ? r.type : '', r.dst, r.gateway ? `via ${r.gateway}` : '', r.dev ? `dev ${r.dev}` : '', r.table !== 'main' ? `table ${r.table}` : '', r.metric !== null ? `metric ${r.metric}` : '']
    .filter(Boolean)
    .join(' ');
}

export function lookupRoute(ns: Namespace, dst: string): RouteChoice {
  if (isOwnAddress(ns, dst)) return { kind: 'local' };
  let best: { r: Route; len: number } | null = null;
  const v6 = ns.family === 'ipv6';
  for (const r of ns.routes) {
    if (r.family !== inetOf(ns.family ?? 'ipv4') || (r.table !== 'main' && r.table !== '') || r.type === 'local' || r.type === 'broadcast' || r.type === 'multicast' || r.type === 'anycast') continue;
    const cidr = r.dst === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${v6 ? 128 : 32}`;
    if (inCidr(dst, cidr) !== true) continue;
    const len = Number(cidr.split('/')[1]);
    if (!best || len > best.len || (len === best.len && (r.metric ?? 0) < (best.r.metric ?? 0))) best = { r, len };
  }
  if (!best) return { kind: 'none' };
  const r = best.r;
  if (r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit') return { kind: 'reject', route: r, text: routeText(r) };
  if (!r.dev) return { kind: 'none' };
  return { kind: 'route', route: r, dev: r.dev, nextHop: r.gateway ?? dst, text: routeText(r) };
}

/**
 * The source address the kernel picks: the route's prefsrc, else the egress interface's address in
 * the same subnet, else its first. IPv6 (RFC 6724, as ipv6_dev_get_saddr applies it): an address of
 * the destination's scope — never the link-local fe80:: for a global destination — else a global
 * one of another interface.
 */
export function sourceAddress(ns: Namespace, choice: RouteChoice & { kind: 'route' }, dst: string): string | null {
  if (choice.route.prefsrc) return choice.route.prefsrc;
  const iface = ns.interfaces.find((i) => i.name === choice.dev);
  if (ns.family === 'ipv6') {
    const scoped = (addrs: readonly { address: string; prefixLen: number }[]) => addrs.filter((a) => isLinkLocal(a.address) === isLinkLocal(dst));
    const own = scoped(iface?.addresses ?? []);
    const same = own.find((a) => inCidr(dst, `${a.address}/${a.prefixLen}`) === true || inCidr(choice.nextHop, `${a.address}/${a.prefixLen}`) === true);
    if (same ?? own[0]) return (same ?? own[0])!.address;
    if (isLinkLocal(dst)) return null;
    return scoped(ns.interfaces.flatMap((i) => i.addresses))[0]?.address ?? null;
  }
  if (!iface || iface.addresses.length === 0) return null;
  const same = iface.addresses.find((a) => inCidr(choice.nextHop, `${a.address}/${a.prefixLen}`) === true || inCidr(dst, `${a.address}/${a.prefixLen}`) === true);
  return (same ?? iface.addresses[0]!).address;
}
