/**
 * A namespace read without entering it: /proc/PID/net/* shows the netns of PID, and
 * /proc/PID/root/sys/class/net the sysfs the container mounted inside it. netnsRead.ts reads every
 * container namespace this way in one awk, and proves the link kinds it can (loopback, a veth paired
 * with the host); these parsers turn what it read into the same records `ip -json` gives. It knows
 * less than `ip`: no route protocol, scope or source, no IPv4 table but main, no IPv6 neighbours and
 * no NUD state beyond complete/permanent; those fields stay null or absent rather than guessed. A
 * namespace where that would hide something the model uses is read with `nsenter … ip` instead.
 */
import ipaddr from 'ipaddr.js';
import type { InterfaceAddress, Neighbour, NetInterface, Route } from '../types';
import { parseError } from '../ipJson';

/** /proc/net/route stores IPv4 addresses as host-order (little-endian on x86/arm) hex. */
function ipv4FromProcHex(hex: string, line: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw parseError('/proc/net/route', `bad address ${hex}`, line);
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

function prefixOfMask(maskDotted: string, line: string): number {
  const bits = maskDotted.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) throw parseError('/proc/net/route', `non-contiguous mask ${maskDotted}`, line);
  const zero = bits.indexOf('0');
  return zero < 0 ? 32 : zero;
}

const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

export function parseProcNetRoute(text: string): Route[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!/^Iface\s+Destination\s+Gateway\s+Flags\s+RefCnt\s+Use\s+Metric\s+Mask\s+MTU\s+Window\s+IRTT\s*$/.test(lines[0] ?? '')) {
    throw parseError('/proc/net/route', 'unexpected header', lines[0] ?? '(empty)');
  }
  return lines.slice(1).map((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length !== 11) throw parseError('/proc/net/route', 'expected 11 fields', line);
    const [dev, dstHex, gwHex, flagsHex, , , metric, maskHex] = f as [string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    const prefix = prefixOfMask(ipv4FromProcHex(maskHex, line), line);
    const dst = ipv4FromProcHex(dstHex, line);
    const reject = (flags & RTF_REJECT) !== 0;
    return {
      dst: prefix === 0 ? 'default' : `${dst}/${prefix}`,
      gateway: flags & RTF_GATEWAY ? ipv4FromProcHex(gwHex, line) : null,
      dev: reject ? null : dev,
      protocol: null,
      scope: null,
      prefsrc: null,
      metric: Number(metric),
      table: 'main',
      type: reject ? 'unreachable' : 'unicast',
      family: 'inet' as const,
      flags: [],
    };
  });
}

function ipv6FromHex(hex: string, what: string, line: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw parseError(what, `bad IPv6 address ${hex}`, line);
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

const RTF6_LOCAL = 0x80000000;
const RTF6_ANYCAST = 0x00100000;

export function parseProcNetIpv6Route(text: string): Route[] {
  const out: Route[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.trim().split(/\s+/);
    if (f.length !== 10) throw parseError('/proc/net/ipv6_route', 'expected 10 fields', line);
    const [dstHex, lenHex, , , hopHex, metricHex, , , flagsHex, dev] = f as [string, string, string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16) >>> 0;
    const prefix = parseInt(lenHex, 16);
    const metric = parseInt(metricHex, 16) >>> 0;
    const reject = (flags & RTF_REJECT) !== 0;
    // The kernel lists its internal null entry (unreachable ::/0 via lo, metric 2^32-1) in every
    // table; `ip route` hides it, and so do we.
    if (reject && prefix === 0 && dev === 'lo' && metric === 0xffffffff) continue;
    const dst = ipv6FromHex(dstHex, '/proc/net/ipv6_route', line);
    const hop = ipv6FromHex(hopHex, '/proc/net/ipv6_route', line);
    const multicast = dst.startsWith('ff') && prefix >= 8;
    const type = flags & RTF6_LOCAL ? 'local' : flags & RTF6_ANYCAST ? 'anycast' : reject ? 'unreachable' : multicast ? 'multicast' : 'unicast';
    out.push({
      dst: prefix === 0 ? 'default' : `${dst}/${prefix}`,
      gateway: hop === '::' ? null : hop,
      dev: reject ? null : dev,
      protocol: null,
      scope: null,
      prefsrc: null,
      metric,
      // local, anycast and multicast routes live in the kernel's local table
      table: type === 'unicast' || type === 'unreachable' ? 'main' : 'local',
      type,
      family: 'inet6',
      flags: [],
    });
  }
  return out;
}

const ATF_COM = 0x2;
const ATF_PERM = 0x4;

export function parseProcNetArp(text: string): Neighbour[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!/^IP address\s+HW type\s+Flags\s+HW address\s+Mask\s+Device\s*$/.test(lines[0] ?? '')) {
    throw parseError('/proc/net/arp', 'unexpected header', lines[0] ?? '(empty)');
  }
  return lines.slice(1).map((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6) throw parseError('/proc/net/arp', 'expected 6 fields', line);
    const [ip, , flagsHex, mac, , dev] = f as [string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    // /proc/net/arp has no NUD state: only "complete" and "permanent" can be told apart.
    const state = flags & ATF_PERM ? ['PERMANENT'] : flags & ATF_COM ? ['COMPLETE'] : ['INCOMPLETE'];
    return { dst: ip, dev, lladdr: flags & ATF_COM ? mac : null, state };
  });
}

export interface FibLocal {
  readonly address: string;
  readonly prefixLen: number;
  readonly type: string;
  readonly scope: string;
}

/** Every leaf of /proc/net/fib_trie with its `/len scope TYPE` lines (both tables, deduplicated). */
export function parseFibTrie(text: string): FibLocal[] {
  const out = new Map<string, FibLocal>();
  let leaf: string | null = null;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    // an inner trie node (a key prefix, not a route), the most common line
    if (t.charCodeAt(0) === 43 /* + */ && /^\+-- ([\d.]+)\/(\d+) \d+ \d+ \d+$/.test(t)) continue;
    if (/^(Main|Local|Id \d+):$/.test(t)) continue;
    let m = /^\|-- ([\d.]+)$/.exec(t);
    if (m) {
      leaf = m[1] ?? null;
      continue;
    }
    m = /^\/(\d+) (\S+) (\S+)$/.exec(t);
    if (m && leaf) {
      const entry = { address: leaf, prefixLen: Number(m[1]), scope: m[2] ?? '', type: m[3] ?? '' };
      out.set(`${entry.address}/${entry.prefixLen}/${entry.type}`, entry);
      continue;
    }
    throw parseError('/proc/net/fib_trie', 'unrecognised line', line);
  }
  return [...out.values()];
}

const SCOPE_OF_IF_INET6: Readonly<Record<number, string>> = { 0x00: 'global', 0x10: 'host', 0x20: 'link', 0x40: 'site' };

export interface IfInet6 {
  readonly dev: string;
  readonly ifindex: number;
  readonly address: InterfaceAddress;
}

export function parseIfInet6(text: string): IfInet6[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length !== 6) throw parseError('/proc/net/if_inet6', 'expected 6 fields', line);
      const [hex, index, len, scope, , dev] = f as [string, string, string, string, string, string];
      return {
        dev,
        ifindex: parseInt(index, 16),
        address: {
          family: 'inet6',
          address: ipv6FromHex(hex, '/proc/net/if_inet6', line),
          prefixLen: parseInt(len, 16),
          scope: SCOPE_OF_IF_INET6[parseInt(scope, 16)] ?? `0x${scope}`,
          broadcast: null,
        },
      };
    });
}

/** Interface names from /proc/net/dev (two header lines, then `name: counters`). */
export function parseProcNetDev(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!/^Inter-\|/.test(lines[0] ?? '') || !/^\s*face \|/.test(lines[1] ?? '')) throw parseError('/proc/net/dev', 'unexpected header', lines[0] ?? '(empty)');
  return lines.slice(2).map((line) => {
    const m = /^\s*([^:\s]+):/.exec(line);
    if (!m || !m[1]) throw parseError('/proc/net/dev', 'unrecognised line', line);
    return m[1];
  });
}

/** `name attribute value` lines the script printed from /sys/class/net/<name>/<attribute>. */
export function parseSysClassNet(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^(\S+) (\S+) (.*)$/.exec(line);
    if (!m) throw parseError('/sys/class/net', 'unrecognised line', line);
    const [, name, attr, value] = m as unknown as [string, string, string, string];
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)?.set(attr, value.trim());
  }
  return out;
}

/** dev->flags bits in the order `ip` prints them (iproute2 print_link_flags). */
const IFF_IN_IP_ORDER: readonly [number, string][] = [
  [0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x10, 'POINTOPOINT'], [0x1000, 'MULTICAST'], [0x80, 'NOARP'],
  [0x200, 'ALLMULTI'], [0x100, 'PROMISC'], [0x400, 'MASTER'], [0x800, 'SLAVE'], [0x4, 'DEBUG'],
  [0x8000, 'DYNAMIC'], [0x4000, 'AUTOMEDIA'], [0x2000, 'PORTSEL'], [0x20, 'NOTRAILERS'], [0x1, 'UP'],
];
const IFF_UP = 0x1;

/**
 * The flags `ip` shows: sysfs `flags` is dev->flags, without the three the kernel computes when
 * asked (dev_get_flags): RUNNING (operstate up or unknown), LOWER_UP (carrier, readable only while
 * up) and DORMANT. ip prints NO-CARRIER for an interface that is up but not running.
 */
export function ipLinkFlags(flagBits: number, operstate: string, carrier: string | undefined): string[] {
  const up = (flagBits & IFF_UP) !== 0;
  const running = up && (operstate === 'up' || operstate === 'unknown');
  const out = up && !running ? ['NO-CARRIER'] : [];
  for (const [bit, name] of IFF_IN_IP_ORDER) if (flagBits & bit) out.push(name);
  // operstate up implies carrier (rfc2863): the read skips the carrier file then
  if (up && (carrier === '1' || operstate === 'up')) out.push('LOWER_UP');
  if (up && operstate === 'dormant') out.push('DORMANT');
  if (flagBits & 0x40000) out.push('ECHO');
  return out;
}

/** The order the kernel keeps IPv6 addresses in (and `ip` prints): wider scope first. */
const V6_SCOPE_RANK: Readonly<Record<string, number>> = { global: 0, site: 1, link: 2, host: 3 };

function ipv4ToNumber(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function contains(network: string, prefix: number, address: string): boolean {
  if (prefix === 0) return true;
  const shift = 32 - prefix;
  return Math.floor(ipv4ToNumber(network) / 2 ** shift) === Math.floor(ipv4ToNumber(address) / 2 ** shift);
}

/**
 * Interfaces from sysfs attributes plus addresses: IPv6 from if_inet6 (which names the device),
 * IPv4 from fib_trie's LOCAL entries, placed on the device and prefix of the longest connected
 * route that contains them (the kernel adds exactly that route for each address).
 */
export function interfacesFromProc(
  sys: ReadonlyMap<string, ReadonlyMap<string, string>>,
  v4Routes: readonly Route[],
  fib: readonly FibLocal[],
  inet6: readonly IfInet6[],
  opts: {
    /** what the kernel's pairing proved (netnsRead.ts); an interface not in it is `other` */
    readonly kinds?: ReadonlyMap<string, 'loopback' | 'veth'>;
    readonly details?: Readonly<Record<string, string | number | boolean>>;
  } = {},
): NetInterface[] {
  const v4ByDev = new Map<string, InterfaceAddress[]>();
  const broadcasts = fib.filter((e) => e.type === 'BROADCAST' && e.prefixLen === 32).map((e) => e.address);
  for (const local of fib.filter((e) => e.type === 'LOCAL' && e.prefixLen === 32)) {
    let best: { dev: string; prefix: number } | null = null;
    for (const r of v4Routes) {
      if (r.gateway || !r.dev || r.dst === 'default') continue;
      const [net, len] = r.dst.split('/');
      const prefix = Number(len);
      if (net && contains(net, prefix, local.address) && (!best || prefix > best.prefix)) best = { dev: r.dev, prefix };
    }
    if (!best && local.address.startsWith('127.')) {
      // loopback addresses have no main-table route; the local table's `/8 host LOCAL` gives the prefix
      const lo = fib.find((e) => e.type === 'LOCAL' && e.prefixLen < 32 && contains(e.address, e.prefixLen, local.address));
      best = { dev: 'lo', prefix: lo?.prefixLen ?? 8 };
    }
    if (!best) continue;
    const prefix = best.prefix;
    const brd = local.address.startsWith('127.') ? null : broadcasts.find((b) => prefix < 31 && contains(local.address, prefix, b) && (ipv4ToNumber(b) & (2 ** (32 - prefix) - 1)) === 2 ** (32 - prefix) - 1) ?? null;
    const list = v4ByDev.get(best.dev) ?? [];
    list.push({ family: 'inet', address: local.address, prefixLen: prefix, scope: local.address.startsWith('127.') ? 'host' : 'global', broadcast: brd });
    v4ByDev.set(best.dev, list);
  }
  const out: NetInterface[] = [];
  const rank = (a: IfInet6) => V6_SCOPE_RANK[a.address.scope] ?? 4;
  for (const [name, attrs] of sys) {
    const index = Number(attrs.get('ifindex'));
    const iflink = Number(attrs.get('iflink'));
    const flagBits = parseInt(attrs.get('flags') ?? '0', 16);
    const operstate = attrs.get('operstate') ?? 'unknown';
    const proven = opts.kinds?.get(name);
    out.push({
      name,
      index,
      kind: proven ?? (flagBits & 0x8 ? 'loopback' : 'other'),
      rawKind: proven === 'veth' ? 'veth' : null,
      master: null,
      mac: attrs.get('address') ?? null,
      mtu: Number(attrs.get('mtu') ?? 0),
      state: operstate.toUpperCase(),
      flags: ipLinkFlags(flagBits, operstate, attrs.get('carrier')),
      addresses: [...(v4ByDev.get(name) ?? []), ...inet6.filter((a) => a.dev === name).sort((a, b) => rank(a) - rank(b)).map((a) => a.address)],
      linkIndex: Number.isInteger(iflink) && iflink !== index ? iflink : null,
      linkNetnsId: null,
      details: opts.details ?? { source: '/proc and /sys (nsenter unavailable)' },
    });
  }
  return out.sort((a, b) => a.index - b.index);
}
