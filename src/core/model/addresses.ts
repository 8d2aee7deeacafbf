/**
 * Address questions the model asks, answered by ipaddr.js (no hand-written CIDR math).
 */
import * as ipaddr from 'ipaddr.js';

/** `172.17.0.2/32` → `172.17.0.2`; a bare address stays as it is. */
export function stripPrefix(addressOrCidr: string): string {
  const slash = addressOrCidr.indexOf('/');
  return slash < 0 ? addressOrCidr : addressOrCidr.slice(0, slash);
}

/** The any-address a publish binds to when no host IP was given (`0.0.0.0` or `::`). */
export function isUnspecified(ip: string): boolean {
  try {
    return ipaddr.parse(ip).range() === 'unspecified';
  } catch {
    return false;
  }
}

export function isIPv6(ip: string): boolean {
  return ipaddr.IPv6.isValid(ip) && !ipaddr.IPv4.isValid(ip);
}

/** `ip:port`, with an IPv6 address in brackets as URLs and ip6tables write it: `[fd00::2]:80`. */
export function withPort(ip: string, port: number | string | null): string {
  if (port === null || port === '') return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
