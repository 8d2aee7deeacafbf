/**
 * Decides one rule's matches against a packet: yes, no, or unknown (with why). Unknown is never
 * turned into yes or no here — the caller decides what an undecidable rule means for a trace.
 */
import ipaddr from 'ipaddr.js';
import type { EvalContext, Packet } from './packet';
import type { Match, MatchValue, Rule } from './types';
import { KNOWN_MATCH_MODULES } from './matchModules';

export type Outcome = 'yes' | 'no' | 'unknown';
export interface Decision {
  readonly outcome: Outcome;
  readonly why: string;
}

const PROTO_NUMBERS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', icmpv6: 'ipv6-icmp', icmp6: 'ipv6-icmp' };
const ICMP_TYPES: Readonly<Record<string, number>> = {
  'echo-reply': 0, pong: 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5,
  'echo-request': 8, ping: 8, 'time-exceeded': 11, 'parameter-problem': 12,
};
/** ICMPv6 type names as ip6tables (`-m icmp6 --icmpv6-type`) and nft (`icmpv6 type`) write them */
const ICMPV6_TYPES: Readonly<Record<string, number>> = {
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'ttl-exceeded': 3, 'parameter-problem': 4,
  'echo-request': 128, ping: 128, 'echo-reply': 129, pong: 129,
  'router-solicitation': 133, 'router-advertisement': 134, 'neighbour-solicitation': 135, 'neighbor-solicitation': 135,
  'neighbour-advertisement': 136, 'neighbor-advertisement': 136, redirect: 137,
};

const cidrCache = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | null>();

/** Parses `10.0.0.0/8`, `10.0.0.1`, or iptables' `10.0.0.0/255.0.0.0`; null when unparseable. */
function parseCidr(value: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const hit = cidrCache.get(value);
  if (hit !== undefined) return hit;
  let out: [ipaddr.IPv4 | ipaddr.IPv6, number] | null = null;
  try {
    const [addr, mask] = value.split('/') as [string, string | undefined];
    const ip = ipaddr.parse(addr);
    let len = ip.kind() === 'ipv4' ? 32 : 128;
    if (mask !== undefined) len = /^\d+$/.test(mask) ? Number(mask) : ipaddr.parse(mask).prefixLengthFromSubnetMask() ?? NaN;
    out = Number.isNaN(len) ? null : [ip, len];
  } catch {
    out = null;
  }
  if (cidrCache.size > 10_000) cidrCache.clear();
  cidrCache.set(value, out);
  return out;
}

const ipCache = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();

function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let a = ipCache.get(ip);
  if (a === undefined) {
    try {
      a = ipaddr.parse(ip);
    } catch {
      a = null;
    }
    if (ipCache.size > 10_000) ipCache.clear();
    ipCache.set(ip, a);
  }
  return a;
}

export function inCidr(ip: string, cidr: string): boolean | null {
  const range = parseCidr(cidr);
  if (!range) return null;
  const a = parseIp(ip);
  if (!a) return null;
  if (a.kind() !== range[0].kind()) return false;
  return a.match(range);
}

function neg(v: MatchValue, positive: boolean): Outcome {
  return positive !== v.negated ? 'yes' : 'no';
}

function ifaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

const portSpecs = new Map<string, readonly (readonly [number, number])[]>();

function portIn(port: number, spec: string): boolean {
  let ranges = portSpecs.get(spec);
  if (!ranges) {
    ranges = spec.split(',').map((part) => {
      const [lo, hi] = part.split(':') as [string, string | undefined];
      const low = lo === '' ? 0 : Number(lo);
      return [low, hi === undefined ? low : hi === '' ? 65535 : Number(hi)] as const;
    });
    if (portSpecs.size > 50_000) portSpecs.clear();
    portSpecs.set(spec, ranges);
  }
  for (const [low, high] of ranges) if (port >= low && port <= high) return true;
  return false;
}

function protoName(p: string): string {
  return PROTO_NUMBERS[p] ?? p;
}

/** The packet's protocol as rules name it: an `icmp` packet of an IPv6 trace is ICMPv6 (ipv6-icmp, 58). */
function wireProto(p: Packet): string {
  return p.proto === 'icmp' && p.family === 'ipv6' ? 'ipv6-icmp' : p.proto;
}

const yes = (why: string): Decision => ({ outcome: 'yes', why });
const no = (why: string): Decision => ({ outcome: 'no', why });
const unknownD = (why: string): Decision => ({ outcome: 'unknown', why });

/**
 * True when a built-in selector (address, interface, protocol) already rules the rule out. Allocates
 * nothing, so the evaluator can skip most of a 10,000-rule chain cheaply and explain on demand.
 */
export function quickReject(rule: Rule, p: Packet): boolean {
  if (rule.source && inCidr(p.src, rule.source.value) === rule.source.negated) return true;
  if (rule.destination && inCidr(p.dst, rule.destination.value) === rule.destination.negated) return true;
  if (rule.inInterface && ifaceMatches(rule.inInterface.value, p.inInterface) === rule.inInterface.negated) return true;
  if (rule.outInterface && ifaceMatches(rule.outInterface.value, p.outInterface) === rule.outInterface.negated) return true;
  if (rule.protocol) {
    const want = protoName(rule.protocol.value);
    if (want !== 'all' && want !== '0' && (want === wireProto(p)) === rule.protocol.negated) return true;
  }
  // the port matches every publish rule carries
  for (const m of rule.matches) {
    if (m.module !== 'tcp' && m.module !== 'udp') continue;
    if (p.proto !== m.module) return true;
    const d = m.options['dport'];
    if (d && p.dport !== null && portIn(p.dport, d.value) === d.negated) return true;
  }
  return false;
}

/** Built-in selectors first (cheap, and most rules fail there), then the modules in order. */
export function decideRule(rule: Rule, p: Packet, ctx: EvalContext): Decision {
  // straight-line on purpose: this runs once per rule per packet, 10,000 times on a big host
  const d =
    addrCheck('source', rule.source, p.src) ??
    addrCheck('destination', rule.destination, p.dst) ??
    ifaceCheck('in', rule.inInterface, p.inInterface) ??
    ifaceCheck('out', rule.outInterface, p.outInterface) ??
    protoCheck(rule.protocol, wireProto(p)) ??
    (rule.fragment === true ? no('packet is not a fragment') : null);
  if (d) return d;
  let pending: Decision | null = null;
  for (const m of rule.matches) {
    const md = decideMatch(m, p, ctx);
    if (md.outcome === 'no') return md;
    if (md.outcome === 'unknown' && !pending) pending = md;
  }
  if (!pending && rule.unparsed.length > 0) {
    const stray = rule.unparsed.filter((u) => !u.startsWith('-m '));
    if (stray.length > 0) pending = unknownD(`netlens does not understand ${stray.join(' ')}`);
  }
  return pending ?? ALL_HOLD;
}

const ALL_HOLD: Decision = { outcome: 'yes', why: 'all matches hold' };

function protoCheck(v: MatchValue | null, proto: string): Decision | null {
  if (!v) return null;
  const want = protoName(v.value);
  if (want === 'all' || want === '0') return v.negated ? no('! -p all') : null;
  return (want === proto) !== v.negated ? null : no(`protocol ${proto} vs ${v.negated ? '! ' : ''}${v.value}`);
}

function addrCheck(what: string, v: MatchValue | null, ip: string): Decision | null {
  if (!v) return null;
  const inside = inCidr(ip, v.value);
  if (inside === null) return unknownD(`cannot read ${what} ${v.value}`);
  return neg(v, inside) === 'yes' ? null : no(`${what} ${ip} ${inside ? 'is' : 'is not'} in ${v.negated ? '! ' : ''}${v.value}`);
}

function ifaceCheck(dir: 'in' | 'out', v: MatchValue | null, name: string): Decision | null {
  if (!v) return null;
  const ok = neg(v, ifaceMatches(v.value, name)) === 'yes';
  return ok ? null : no(`${dir}-interface ${name || '(none)'} vs ${v.negated ? '! ' : ''}${v.value}`);
}

function decideMatch(m: Match, p: Packet, ctx: EvalContext): Decision {
  if (!KNOWN_MATCH_MODULES.has(m.module)) return unknownD(`match module "${m.module}" is not understood by netlens`);
  if (m.module === 'addrtype') return decideAddrtypeMatch(m, p, ctx);
  const entries = Object.entries(m.options);
  for (const [opt, v] of entries) {
    const d = decideOption(m.module, opt, v, p, ctx);
    if (d.outcome !== 'yes') return d;
  }
  return yes(`-m ${m.module} holds`);
}

function decideOption(module: string, opt: string, v: MatchValue, p: Packet, ctx: EvalContext): Decision {
  // the label is built only when a decision is explained: most options are checked and forgotten
  const label = (): string => `-m ${module} ${v.negated ? '! ' : ''}--${opt} ${v.value}`;
  const bool = (ok: boolean, detail: string) => (neg(v, ok) === 'yes' ? yes(label()) : no(`${label()}: ${detail}`));
  switch (module) {
    case 'comment':
      return yes('comment');
    case 'tcp':
    case 'udp':
      if (p.proto !== module) return no(`${label()}: packet is ${p.proto}`);
      if (opt === 'dport' || opt === 'destination-port') return bool(p.dport !== null && portIn(p.dport, v.value), `dport ${p.dport}`);
      if (opt === 'sport' || opt === 'source-port') return p.sport === null ? unknownD(`${label()}: the source port is an ephemeral port netlens cannot know`) : bool(portIn(p.sport, v.value), `sport ${p.sport}`);
      return unknownD(`${label()} is not understood by netlens`);
    case 'multiport':
      if (p.proto !== 'tcp' && p.proto !== 'udp') return no(`${label()}: packet is ${p.proto}`);
      if (opt === 'dports' || opt === 'destination-ports') return bool(p.dport !== null && portIn(p.dport, v.value), `dport ${p.dport}`);
      if (opt === 'sports' || opt === 'source-ports') return bool(p.sport !== null && portIn(p.sport, v.value), `sport ${p.sport}`);
      if (opt === 'ports') return bool((p.dport !== null && portIn(p.dport, v.value)) || (p.sport !== null && portIn(p.sport, v.value)), `ports ${p.sport}/${p.dport}`);
      return unknownD(`${label()} is not understood by netlens`);
    case 'icmp':
    case 'icmp6': {
      const v6 = module === 'icmp6';
      if (wireProto(p) !== (v6 ? 'ipv6-icmp' : 'icmp')) return no(`${label()}: packet is ${wireProto(p)}`);
      if (opt !== (v6 ? 'icmpv6-type' : 'icmp-type')) return unknownD(`${label()} is not understood by netlens`);
      if (v.value === 'any') return bool(true, '');
      const t = (v6 ? ICMPV6_TYPES : ICMP_TYPES)[v.value] ?? (/^\d+$/.test(v.value) ? Number(v.value) : /^\d+\/\d+$/.test(v.value) ? Number(v.value.split('/')[0]) : undefined);
      if (t === undefined) return unknownD(`${label()}: unknown ${v6 ? 'ICMPv6' : 'ICMP'} type`);
      return bool(p.icmpType === t, `${v6 ? 'icmpv6' : 'icmp'} type ${p.icmpType}`);
    }
    case 'conntrack':
    case 'state':
      return decideConntrack(opt, v, p, label(), bool);
    case 'set': {
      if (opt !== 'match-set') return unknownD(`${label()} is not understood by netlens`);
      const [name, dirs] = v.value.split(' ') as [string, string | undefined];
      const members = ctx.ipsets?.[name];
      if (!members) return unknownD(`${label()}: contents of ipset ${name} are not known`);
      const dir = (dirs ?? 'src').split(',')[0];
      if (dirs && dirs.includes(',')) return unknownD(`${label()}: multi-dimension sets are not understood by netlens`);
      const ip = dir === 'dst' ? p.dst : p.src;
      return bool(members.some((c) => inCidr(ip, c) === true), `${ip} in set ${name}`);
    }
    case 'mark': {
      if (opt !== 'mark') return unknownD(`${label()} is not understood by netlens`);
      if (p.mark === null) return unknownD(`${label()}: the packet's mark is not known`);
      const [val, mask] = v.value.split('/') as [string, string | undefined];
      const m = mask === undefined ? 0xffffffff : Number(mask);
      return bool(((p.mark & m) >>> 0) === (Number(val) >>> 0), `mark ${p.mark}`);
    }
    case 'iprange': {
      const ip = opt === 'src-range' ? p.src : opt === 'dst-range' ? p.dst : null;
      if (ip === null) return unknownD(`${label()} is not understood by netlens`);
      const [lo, hi] = v.value.split('-') as [string, string];
      try {
        // byte by byte: an IPv6 address does not fit a double
        const cmp = (a: string, b: string) => {
          const x = ipaddr.parse(a).toByteArray();
          const y = ipaddr.parse(b).toByteArray();
          if (x.length !== y.length) throw new Error('mixed families');
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
          return 0;
        };
        return bool(cmp(ip, lo) >= 0 && cmp(ip, hi) <= 0, `${ip} vs range`);
      } catch {
        return unknownD(`${label()}: cannot read the range`);
      }
    }
    case 'physdev': {
      if (p.physIn === undefined || p.physOut === undefined) return unknownD(`${label()}: the bridge ports of this packet are not known`);
      if (opt === 'physdev-is-bridged') return bool(p.physIn !== null || p.physOut !== null, 'bridged');
      if (opt === 'physdev-is-in') return bool(p.physIn !== null, 'physdev in');
      if (opt === 'physdev-is-out') return bool(p.physOut !== null, 'physdev out');
      if (opt === 'physdev-in') return bool(p.physIn !== null && ifaceMatches(v.value, p.physIn), `physdev in ${p.physIn}`);
      if (opt === 'physdev-out') return bool(p.physOut !== null && ifaceMatches(v.value, p.physOut), `physdev out ${p.physOut}`);
      return unknownD(`${label()} is not understood by netlens`);
    }
    case 'ipvs': {
      // the kernel's ipvs match is false for a packet no IPVS connection owns, whatever the option
      const conn = p.ipvs ?? null;
      if (opt === 'ipvs') return bool(conn !== null, conn ? 'an IPVS connection' : 'no IPVS connection');
      if (!conn) return neg(v, false) === 'yes' ? yes(label()) : no(`${label()}: no IPVS connection`);
      if (opt === 'vaddr') return bool(inCidr(conn.vaddr, v.value) === true, `virtual address ${conn.vaddr}`);
      if (opt === 'vport') return bool(conn.vport !== null && conn.vport === Number(v.value), `virtual port ${conn.vport}`);
      if (opt === 'vproto') return bool(protoName(v.value) === wireProto(p), `protocol ${wireProto(p)}`);
      if (opt === 'vmethod') return bool(v.value.toUpperCase() === conn.method, `method ${conn.method}`);
      if (opt === 'vdir') return bool(v.value.toUpperCase() === conn.dir, `direction ${conn.dir}`);
      return unknownD(`${label()} is not understood by netlens`);
    }
    case 'mac':
      if (opt !== 'mac-source' || !p.srcMac) return unknownD(`${label()}: the source MAC is not known`);
      return bool(p.srcMac.toLowerCase() === v.value.toLowerCase(), `source MAC ${p.srcMac}`);
    default:
      return unknownD(`${label()} is not understood by netlens`);
  }
}

function decideConntrack(opt: string, v: MatchValue, p: Packet, label: string, bool: (ok: boolean, d: string) => Decision): Decision {
  switch (opt) {
    case 'ctstate':
    case 'state':
      return bool(v.value.toUpperCase().split(',').includes(p.ctState), `conntrack state ${p.ctState}`);
    case 'ctorigdst':
      return bool(inCidr(p.origDst, v.value) === true, `original destination ${p.origDst}`);
    case 'ctorigsrc':
      return bool(inCidr(p.origSrc, v.value) === true, `original source ${p.origSrc}`);
    case 'ctorigdstport':
      return bool(p.origDport !== null && portIn(p.origDport, v.value), `original dport ${p.origDport}`);
    case 'ctproto':
      return bool(protoName(v.value) === wireProto(p), `protocol ${wireProto(p)}`);
    default:
      return unknownD(`${label} is not understood by netlens`);
  }
}

/** addrtype's --limit-iface-in/out narrows LOCAL to the addresses of that one interface, so it is decided with the types. */
function decideAddrtypeMatch(m: Match, p: Packet, ctx: EvalContext): Decision {
  const limitIn = 'limit-iface-in' in m.options;
  const limitOut = 'limit-iface-out' in m.options;
  const iface = limitIn ? p.inInterface : limitOut ? p.outInterface : null;
  for (const [opt, v] of Object.entries(m.options)) {
    if (opt === 'limit-iface-in' || opt === 'limit-iface-out') continue;
    const label = `-m addrtype ${v.negated ? '! ' : ''}--${opt} ${v.value}${iface !== null ? ` --${limitIn ? 'limit-iface-in' : 'limit-iface-out'}` : ''}`;
    const d = decideAddrtype(opt, v, p, ctx, label, iface);
    if (d.outcome !== 'yes') return d;
  }
  return yes('-m addrtype holds');
}

function decideAddrtype(opt: string, v: MatchValue, p: Packet, ctx: EvalContext, label: string, iface: string | null = null): Decision {
  if (opt !== 'dst-type' && opt !== 'src-type') return unknownD(`${label} is not understood by netlens`);
  if (!ctx.localAddresses.known) return unknownD(`${label}: the host's addresses are not known (${ctx.localAddresses.reason})`);
  const ip = opt === 'dst-type' ? p.dst : p.src;
  const types = v.value.toUpperCase().split(',');
  const local = iface === null ? isLocal(ip, ctx) : ctx.localAddresses.value.some((a) => a.address === ip && a.iface === iface) || (iface === 'lo' && (inCidr(ip, '127.0.0.0/8') === true || ip === '::1'));
  let actual: string;
  if (local) actual = 'LOCAL';
  else if (ip === '255.255.255.255') actual = 'BROADCAST';
  else if (inCidr(ip, '224.0.0.0/4') || inCidr(ip, 'ff00::/8')) actual = 'MULTICAST';
  else actual = 'UNICAST';
  const known = ['LOCAL', 'UNICAST', 'BROADCAST', 'MULTICAST'];
  const undecided = types.filter((t) => !known.includes(t));
  if (undecided.length > 0 && !types.includes(actual)) return unknownD(`${label}: address type ${undecided.join(',')} is not understood by netlens`);
  const ok = types.includes(actual);
  return ok !== v.negated ? yes(`${label}: ${ip} is ${actual}`) : no(`${label}: ${ip} is ${actual}`);
}

/** A host address, or anything in 127.0.0.0/8 (the kernel's local table holds the whole block). */
export function isLocal(ip: string, ctx: EvalContext): boolean {
  if (inCidr(ip, '127.0.0.0/8') === true || ip === '::1') return true;
  return ctx.localAddresses.known && ctx.localAddresses.value.some((a) => a.address === ip);
}
