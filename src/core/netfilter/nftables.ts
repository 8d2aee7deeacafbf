/**
 * Turns `nft -j list ruleset` into the same Ruleset shape iptables-save gives, so one evaluator
 * walks both. What Docker 29's nftables backend writes maps directly: `iifname`/`oifname` →
 * interfaces, `ip saddr/daddr` → addresses, `tcp dport` → the tcp module, `ct state` → conntrack,
 * `fib daddr type local` → addrtype, dnat/snat/masquerade/accept/drop/jump/goto/return → targets.
 * A verdict map (`oifname vmap @m`) is expanded into one rule per element, all carrying the vmap
 * rule's index, because at most one element can match and each acts like `oifname X jump Y`.
 * What netavark's nftables driver (Podman 5) writes besides: `meta l4proto { tcp, udp } th dport 53`
 * expands the same way, one rule per protocol (a packet has one); `meta mark & M == V` is the mark
 * match (`--mark V/M`), `meta mark set meta mark | V` and `meta mark set V` the MARK target.
 * Anything else (xt compat expressions, marks, sets of addresses …) is kept in `unparsed` as JSON
 * so the trace reports the rule as undecidable instead of assuming a result.
 */
import { NetlensError } from '../errors';
import type { Chain, Family, Hook, MatchValue, Rule, Ruleset, Table } from './types';

type Json = unknown;
type Obj = Record<string, Json>;

interface NftChain {
  family: string;
  table: string;
  name: string;
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}

const HOOKS: ReadonlySet<string> = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);

export function parseNftJson(text: string, family: Family, origin: string): Ruleset {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new NetlensError('PARSE', `nft -j output is not JSON: ${(e as Error).message}`, `parse ${origin}`, { cause: e });
  }
  const items = (doc as Obj | null)?.['nftables'];
  if (!Array.isArray(items)) throw new NetlensError('PARSE', 'nft -j output has no "nftables" array', `parse ${origin}`);
  const families = family === 'ipv4' ? new Set(['ip', 'inet']) : new Set(['ip6', 'inet']);
  const maps = new Map<string, Obj>();
  const chains = new Map<string, { meta: NftChain; rules: Rule[] }>();
  const key = (fam: string, table: string) => `${fam} ${table}`;
  for (const item of items as Obj[]) {
    const map = (item['map'] ?? item['set']) as Obj | undefined;
    if (map && families.has(String(map['family']))) maps.set(`${key(String(map['family']), String(map['table']))} ${String(map['name'])}`, map);
    const chain = item['chain'] as NftChain | undefined;
    if (chain && families.has(chain.family)) chains.set(`${key(chain.family, chain.table)} ${chain.name}`, { meta: chain, rules: [] });
  }
  const position = new Map<string, number>();
  for (const item of items as Obj[]) {
    const r = item['rule'] as Obj | undefined;
    if (!r || !families.has(String(r['family']))) continue;
    const tableKey = key(String(r['family']), String(r['table']));
    const chainKey = `${tableKey} ${String(r['chain'])}`;
    const chain = chains.get(chainKey);
    if (!chain) throw new NetlensError('PARSE', `nft rule (handle ${String(r['handle'])}) names chain ${chainKey}, which the ruleset does not list`, `parse ${origin}`);
    const index = (position.get(chainKey) ?? 0) + 1;
    position.set(chainKey, index);
    const exprs = Array.isArray(r['expr']) ? (r['expr'] as Obj[]) : [];
    for (const rule of convertRule(exprs, { table: tableKey, chain: chain.meta.name, index, ruleComment: typeof r['comment'] === 'string' ? r['comment'] : null }, (name) => maps.get(`${tableKey} ${name}`))) chain.rules.push(rule);
  }
  const tables: Record<string, { name: string; nftFamily: string; chains: Record<string, Chain> }> = {};
  for (const { meta, rules } of chains.values()) {
    const tk = key(meta.family, meta.table);
    const t = (tables[tk] ??= { name: tk, nftFamily: meta.family, chains: {} });
    const base = meta.hook !== undefined && HOOKS.has(meta.hook);
    t.chains[meta.name] = {
      name: meta.name,
      policy: base ? (meta.policy ?? 'accept').toUpperCase() : null,
      rules,
      ...(base ? { hook: meta.hook as Hook, priority: meta.prio ?? 0, chainType: (meta.type ?? 'filter') as 'filter' | 'nat' | 'route' } : {}),
    };
  }
  return { family, origin, tables: tables as Record<string, Table> };
}

interface Head {
  table: string;
  chain: string;
  index: number;
  ruleComment: string | null;
}

interface Draft {
  source: MatchValue | null;
  destination: MatchValue | null;
  inInterface: MatchValue | null;
  outInterface: MatchValue | null;
  protocol: MatchValue | null;
  matches: { module: string; options: Record<string, MatchValue> }[];
  target: string | null;
  goto: boolean;
  targetOptions: Record<string, string>;
  unparsed: string[];
  text: string[];
  /** `meta l4proto { tcp, udp }`: the rule is one rule per protocol */
  protocols: string[] | null;
}

function convertRule(exprs: Obj[], head: Head, lookupMap: (name: string) => Obj | undefined): Rule[] {
  const d: Draft = { source: null, destination: null, inInterface: null, outInterface: null, protocol: null, matches: [], target: null, goto: false, targetOptions: {}, unparsed: [], text: [], protocols: null };
  let vmap: { key: 'iifname' | 'oifname'; elements: [string, Obj][]; text: string } | null = null;
  for (const e of exprs) {
    if ('counter' in e) continue;
    if ('match' in e) {
      convertMatch(e['match'] as Obj, d);
      continue;
    }
    if ('vmap' in e) {
      const v = e['vmap'] as Obj;
      const k = ((v['key'] as Obj)?.['meta'] as Obj | undefined)?.['key'];
      const data = v['data'];
      const elems = typeof data === 'string' && data.startsWith('@') ? (lookupMap(data.slice(1))?.['elem'] as [string, Obj][] | undefined) : undefined;
      if ((k === 'iifname' || k === 'oifname') && Array.isArray(elems)) {
        vmap = { key: k, elements: elems, text: `${k} vmap ${String(data)}` };
        d.text.push(vmap.text);
      } else {
        d.unparsed.push(JSON.stringify(e));
        d.text.push(`vmap ${JSON.stringify(v)}`);
      }
      continue;
    }
    if (!convertStatement(e, d)) {
      d.unparsed.push(JSON.stringify(e));
      // an xt compat target (iptables-nft) hides its parameters: keep it as a target nobody can run
      const xt = e['xt'] as Obj | undefined;
      if (xt && xt['type'] === 'target') d.target = `xt ${String(xt['name'])}`;
      d.text.push(JSON.stringify(e));
    }
  }
  const comment = head.ruleComment;
  const build = (draft: Draft, raw: string): Rule => ({
    table: head.table,
    chain: head.chain,
    index: head.index,
    raw,
    source: draft.source,
    destination: draft.destination,
    inInterface: draft.inInterface,
    outInterface: draft.outInterface,
    protocol: draft.protocol,
    fragment: null,
    matches: draft.matches,
    target: draft.target,
    goto: draft.goto,
    targetOptions: draft.targetOptions,
    comment,
    unparsed: draft.unparsed,
  });
  const raw = d.text.join(' ') + (comment ? ` comment "${comment}"` : '');
  if (d.protocols) {
    // `th dport` of each copy is its protocol's port match, as `tcp dport` would be
    return d.protocols.map((proto) => {
      const copy: Draft = { ...d, protocol: { negated: false, value: proto }, matches: d.matches.map((m) => (m.module === 'th' ? { ...m, module: proto } : m)) };
      return build(copy, `${raw}  [l4proto ${proto}]`);
    });
  }
  if (!vmap) return [build(d, raw)];
  return vmap.elements.map(([ifname, verdict]) => {
    const copy: Draft = { ...d, matches: [...d.matches], unparsed: [...d.unparsed], targetOptions: {}, text: [] };
    const iface = { negated: false, value: nftIfname(ifname) };
    if (vmap!.key === 'iifname') copy.inInterface = iface;
    else copy.outInterface = iface;
    if (!convertStatement(verdict, copy)) copy.unparsed.push(JSON.stringify(verdict));
    return build(copy, `${raw}  [element "${ifname}" : ${copy.text.join(' ')}]`);
  });
}

/** nft writes a wildcard interface as `br-*`; iptables (and our evaluator) as `br-+`. */
function nftIfname(name: string): string {
  return name.endsWith('*') ? name.slice(0, -1) + '+' : name;
}

function convertMatch(m: Obj, d: Draft): void {
  const op = String(m['op']);
  const left = m['left'] as Obj;
  const right = m['right'];
  const negated = op === '!=';
  const isIfname = (left['meta'] as Obj | undefined)?.['key'] === 'iifname' || (left['meta'] as Obj | undefined)?.['key'] === 'oifname';
  const masked = maskedMark(left, right);
  const text = masked ? `meta mark & ${hex32(masked.mask)} ${op} ${hex32(masked.value)}` : `${renderLeft(left)} ${op === '==' || op === 'in' ? '' : op + ' '}${isIfname ? `"${String(right)}"` : renderRight(right)}`;
  d.text.push(text);
  const fail = (): void => {
    d.unparsed.push(JSON.stringify({ match: m }));
  };
  if (op !== '==' && op !== '!=' && op !== 'in') return fail();
  const meta = left['meta'] as Obj | undefined;
  const payload = left['payload'] as Obj | undefined;
  if (masked || (meta && meta['key'] === 'mark' && typeof right === 'number')) {
    // iptables' `-m mark --mark V/M`; a plain `meta mark V` compares all 32 bits
    const { value, mask } = masked ?? { value: right as number, mask: 0xffffffff };
    d.matches.push({ module: 'mark', options: { mark: { negated, value: `${hex32(value)}/${hex32(mask)}` } } });
    return;
  }
  const set = (right as Obj | null)?.['set'];
  if (meta && meta['key'] === 'l4proto' && !negated && Array.isArray(set) && set.length > 0 && set.every((p) => typeof p === 'string')) {
    d.protocols = set as string[];
    return;
  }
  if (payload && payload['protocol'] === 'th' && (payload['field'] === 'dport' || payload['field'] === 'sport')) {
    // the transport header of whatever protocol the rule matched: a port match of that protocol
    const ports = renderPorts(right);
    const proto = d.protocols ? 'th' : d.protocol && !d.protocol.negated ? d.protocol.value : null;
    if (ports === null || proto === null || ports.includes(',')) return fail();
    d.matches.push({ module: proto, options: { [String(payload['field'])]: { negated, value: ports } } });
    return;
  }
  if (meta && (meta['key'] === 'iifname' || meta['key'] === 'oifname') && typeof right === 'string') {
    const v = { negated, value: nftIfname(right) };
    if (meta['key'] === 'iifname') d.inInterface = v;
    else d.outInterface = v;
    return;
  }
  if (meta && meta['key'] === 'l4proto' && typeof right === 'string') {
    d.protocol = { negated, value: right };
    return;
  }
  if (payload && (payload['protocol'] === 'ip' || payload['protocol'] === 'ip6') && (payload['field'] === 'saddr' || payload['field'] === 'daddr')) {
    const addr = renderAddress(right);
    if (addr === null) return fail();
    const v = { negated, value: addr };
    if (payload['field'] === 'saddr') d.source = v;
    else d.destination = v;
    return;
  }
  if (payload && ((payload['protocol'] === 'ip' && payload['field'] === 'protocol') || (payload['protocol'] === 'ip6' && payload['field'] === 'nexthdr')) && typeof right === 'string') {
    d.protocol = { negated, value: right };
    return;
  }
  if (payload && (payload['protocol'] === 'icmp' || payload['protocol'] === 'icmpv6') && payload['field'] === 'type' && (typeof right === 'string' || typeof right === 'number')) {
    // `icmpv6 type echo-request` implies the protocol, as ip6tables' `-p ipv6-icmp -m icmp6` does
    const v6 = payload['protocol'] === 'icmpv6';
    if (!d.protocol) d.protocol = { negated: false, value: v6 ? 'ipv6-icmp' : 'icmp' };
    d.matches.push({ module: v6 ? 'icmp6' : 'icmp', options: { [v6 ? 'icmpv6-type' : 'icmp-type']: { negated, value: String(right) } } });
    return;
  }
  if (payload && (payload['protocol'] === 'tcp' || payload['protocol'] === 'udp') && (payload['field'] === 'dport' || payload['field'] === 'sport')) {
    const ports = renderPorts(right);
    if (ports === null) return fail();
    const proto = String(payload['protocol']);
    // `tcp dport 80` implies the protocol, as iptables' `-p tcp -m tcp` does
    if (!d.protocol) d.protocol = { negated: false, value: proto };
    const field = String(payload['field']);
    if (ports.includes(',')) d.matches.push({ module: 'multiport', options: { [`${field}s`]: { negated, value: ports } } });
    else d.matches.push({ module: proto, options: { [field]: { negated, value: ports } } });
    return;
  }
  const ct = left['ct'] as Obj | undefined;
  if (ct && ct['key'] === 'state') {
    const states = (Array.isArray(right) ? right : [right]).map((s) => String(s).toUpperCase());
    d.matches.push({ module: 'conntrack', options: { ctstate: { negated, value: states.join(',') } } });
    return;
  }
  const fib = left['fib'] as Obj | undefined;
  if (fib && fib['result'] === 'type' && Array.isArray(fib['flags']) && fib['flags'].length === 1 && typeof right === 'string') {
    const dir = fib['flags'][0];
    if (dir !== 'daddr' && dir !== 'saddr') return fail();
    d.matches.push({ module: 'addrtype', options: { [dir === 'daddr' ? 'dst-type' : 'src-type']: { negated, value: right.toUpperCase() } } });
    return;
  }
  fail();
}

function convertStatement(e: Obj, d: Draft): boolean {
  if ('accept' in e) return verdict(d, 'ACCEPT', 'accept');
  if ('drop' in e) return verdict(d, 'DROP', 'drop');
  if ('return' in e) return verdict(d, 'RETURN', 'return');
  if ('reject' in e) return verdict(d, 'REJECT', 'reject');
  if ('jump' in e || 'goto' in e) {
    const target = String(((e['jump'] ?? e['goto']) as Obj)['target']);
    d.goto = 'goto' in e;
    return verdict(d, target, `${d.goto ? 'goto' : 'jump'} ${target}`);
  }
  if ('masquerade' in e) return verdict(d, 'MASQUERADE', 'masquerade');
  if ('mangle' in e) {
    const m = e['mangle'] as Obj;
    if ((m['key'] as Obj | undefined)?.['meta'] === undefined || ((m['key'] as Obj)['meta'] as Obj)['key'] !== 'mark') return false;
    const value = m['value'];
    const or = (value as Obj | null)?.['|'];
    // `meta mark set V` sets all 32 bits; `meta mark set meta mark | V` sets V's bits: iptables' --set-mark V and V/V
    if (typeof value === 'number') {
      d.targetOptions['set-mark'] = `${hex32(value)}/0xffffffff`;
      return verdict(d, 'MARK', `meta mark set ${hex32(value)}`);
    }
    if (Array.isArray(or) && or.length === 2 && ((or[0] as Obj | null)?.['meta'] as Obj | undefined)?.['key'] === 'mark' && typeof or[1] === 'number') {
      d.targetOptions['set-mark'] = `${hex32(or[1])}/${hex32(or[1])}`;
      return verdict(d, 'MARK', `meta mark set meta mark | ${hex32(or[1])}`);
    }
    return false;
  }
  if ('dnat' in e || 'snat' in e) {
    const n = (e['dnat'] ?? e['snat']) as Obj;
    if (typeof n['addr'] !== 'string' || (n['port'] !== undefined && typeof n['port'] !== 'number')) return false;
    const to = n['port'] !== undefined ? `${n['addr']}:${String(n['port'])}` : String(n['addr']);
    const isDnat = 'dnat' in e;
    d.targetOptions[isDnat ? 'to-destination' : 'to-source'] = to;
    return verdict(d, isDnat ? 'DNAT' : 'SNAT', `${isDnat ? 'dnat' : 'snat'} to ${to}`);
  }
  return false;
}

/** `{"&": [{"meta": {"key": "mark"}}, M]}` compared with V: the masked mark nft writes as `meta mark & M == V`. */
function maskedMark(left: Obj, right: Json): { value: number; mask: number } | null {
  const and = left['&'];
  if (!Array.isArray(and) || and.length !== 2 || typeof and[1] !== 'number' || typeof right !== 'number') return null;
  return ((and[0] as Obj | null)?.['meta'] as Obj | undefined)?.['key'] === 'mark' ? { value: right, mask: and[1] } : null;
}

/** nft's way of writing a mark: `0x00002000` */
function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function verdict(d: Draft, target: string, text: string): boolean {
  d.target = target;
  d.text.push(text);
  return true;
}

function renderAddress(right: Json): string | null {
  if (typeof right === 'string') return right;
  const prefix = (right as Obj | null)?.['prefix'] as Obj | undefined;
  if (prefix && typeof prefix['addr'] === 'string') return `${prefix['addr']}/${String(prefix['len'])}`;
  return null;
}

function renderPorts(right: Json): string | null {
  if (typeof right === 'number') return String(right);
  const range = (right as Obj | null)?.['range'];
  if (Array.isArray(range) && range.length === 2) return `${String(range[0])}:${String(range[1])}`;
  const set = (right as Obj | null)?.['set'];
  if (Array.isArray(set) && set.every((p) => typeof p === 'number')) return set.join(',');
  return null;
}

function renderLeft(left: Obj): string {
  if (left['meta']) return String((left['meta'] as Obj)['key']);
  if (left['payload']) return `${String((left['payload'] as Obj)['protocol'])} ${String((left['payload'] as Obj)['field'])}`;
  if (left['ct']) return `ct ${String((left['ct'] as Obj)['key'])}`;
  if (left['fib']) return `fib ${((left['fib'] as Obj)['flags'] as string[]).join(' . ')} ${String((left['fib'] as Obj)['result'])}`;
  return JSON.stringify(left);
}

function renderRight(right: Json): string {
  if (typeof right === 'string') return right;
  if (typeof right === 'number') return String(right);
  if (Array.isArray(right)) return right.map(String).join(',');
  const set = (right as Obj | null)?.['set'];
  if (Array.isArray(set) && set.every((v) => typeof v === 'string')) return `{ ${set.join(', ')} }`;
  const addr = renderAddress(right);
  if (addr) return addr;
  const ports = renderPorts(right);
  if (ports) return ports;
  return JSON.stringify(right);
}
