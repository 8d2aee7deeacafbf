/**
 * Parses `iptables-save` / `ip6tables-save` output into a Ruleset. Every rule keeps its raw text;
 * modules and options the evaluator does not know are kept (and listed in `unparsed`) so a trace
 * through them can say "uncertain" instead of guessing.
 */
import { NetlensError } from '../errors';
import type { Chain, Family, Match, MatchValue, Rule, Ruleset, Table } from './types';
import { KNOWN_MATCH_MODULES } from './matchModules';

interface MutableTable {
  name: string;
  chains: Map<string, { name: string; policy: string | null; rules: Rule[] }>;
}

const BUILTIN_OPTIONS: Record<string, 's' | 'd' | 'i' | 'o' | 'p' | 'f'> = {
  '-s': 's', '--source': 's', '--src': 's',
  '-d': 'd', '--destination': 'd', '--dst': 'd',
  '-i': 'i', '--in-interface': 'i',
  '-o': 'o', '--out-interface': 'o',
  '-p': 'p', '--protocol': 'p',
  '-f': 'f', '--fragment': 'f',
};

export function parseIptablesSave(text: string, family: Family, origin: string): Ruleset {
  const tables = new Map<string, MutableTable>();
  let current: MutableTable | null = null;
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fail = (why: string): never => {
      throw new NetlensError('PARSE', `iptables-save line ${lineNo}: ${why}: ${line}`, `parse ${origin}`);
    };
    if (line.startsWith('*')) {
      if (current) fail(`table *${current.name} was not closed with COMMIT before a new table`);
      const name = line.slice(1).trim();
      if (!/^[a-z_]+$/.test(name)) fail('bad table name');
      current = tables.get(name) ?? { name, chains: new Map() };
      tables.set(name, current);
      return;
    }
    if (!current) return fail('line outside a table (expected *filter, *nat …)');
    const table: MutableTable = current;
    if (line === 'COMMIT') {
      current = null;
      return;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(line);
      if (!m) return fail('bad chain declaration');
      const [, name, policy] = m as unknown as [string, string, string];
      table.chains.set(name, { name, policy: policy === '-' ? null : policy, rules: [] });
      return;
    }
    const { tokens, quoted } = tokenize(line.replace(/^\[\d+:\d+\]\s+/, ''), fail);
    if (tokens[0] !== '-A' && tokens[0] !== '--append') return fail('expected -A, a chain declaration, COMMIT or a table');
    const chainName = tokens[1];
    if (!chainName) return fail('-A without a chain');
    const chain = table.chains.get(chainName);
    if (!chain) return fail(`rule for chain ${chainName}, which this table does not declare`);
    const rest: Tokens = { tokens: tokens.slice(2), quoted: quoted.size === 0 ? NONE_QUOTED : new Set([...quoted].map((q) => q - 2)) };
    chain.rules.push(parseRule(rest, { table: table.name, chain: chainName, index: chain.rules.length + 1, raw: line.replace(/^\[\d+:\d+\]\s+/, '') }, fail));
  });
  if (current !== null) {
    const open: MutableTable = current;
    throw new NetlensError('PARSE', `iptables-save: table *${open.name} ends without COMMIT`, `parse ${origin}`);
  }
  const out: Record<string, Table> = {};
  for (const [name, t] of tables) {
    const chains: Record<string, Chain> = {};
    for (const [cn, c] of t.chains) chains[cn] = { name: c.name, policy: c.policy, rules: c.rules };
    out[name] = { name, chains };
  }
  return { family, origin, tables: out };
}

/** Splits like iptables-save quotes: double quotes group, backslash escapes inside them. */
interface Tokens {
  readonly tokens: string[];
  /** positions of tokens that were (partly) quoted: always a value, even `"-- allow lab"` or `"!"` */
  readonly quoted: ReadonlySet<number>;
}

const NONE_QUOTED: ReadonlySet<number> = new Set();

function tokenize(line: string, fail: (why: string) => never): Tokens {
  // most rules carry no quotes: a plain split is several times faster on a 10,000-rule dump
  if (!line.includes('"')) return { tokens: line.split(/[ \t]+/).filter((t) => t !== ''), quoted: NONE_QUOTED };
  const tokens: string[] = [];
  const quoted = new Set<number>();
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let tok = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '"') {
        quoted.add(tokens.length);
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
        if (i >= line.length) fail('unterminated quote');
        i++;
      } else {
        tok += line[i];
        i++;
      }
    }
    tokens.push(tok);
  }
  return { tokens, quoted };
}

interface RuleHead {
  table: string;
  chain: string;
  index: number;
  raw: string;
}

function parseRule({ tokens, quoted }: Tokens, head: RuleHead, fail: (why: string) => never): Rule {
  const builtins: Partial<Record<'s' | 'd' | 'i' | 'o' | 'p', MatchValue>> = {};
  let fragment: boolean | null = null;
  const matches: { module: string; options: Record<string, MatchValue> }[] = [];
  const unparsed: string[] = [];
  let target: string | null = null;
  let isGoto = false;
  const targetOptions: Record<string, string> = {};
  let currentMatch: { module: string; options: Record<string, MatchValue> } | null = null;
  let negate = false;
  let i = 0;
  const takeValues = (): string[] => {
    const vals: string[] = [];
    while (i < tokens.length && (quoted.has(i) || (!tokens[i]!.startsWith('-') && tokens[i] !== '!'))) vals.push(tokens[i++]!);
    return vals;
  };
  while (i < tokens.length) {
    const wasQuoted = quoted.has(i);
    const tok = tokens[i++]!;
    if (wasQuoted) {
      // a quoted word where an option should stand: keep it, never read it as one
      unparsed.push(tok);
      negate = false;
      continue;
    }
    if (tok === '!') {
      negate = true;
      continue;
    }
    const builtin = BUILTIN_OPTIONS[tok];
    if (builtin) {
      currentMatch = null;
      if (builtin === 'f') {
        fragment = !negate;
      } else {
        const v = tokens[i++];
        if (v === undefined || v.startsWith('-')) fail(`${tok} needs a value`);
        // old syntax `-s ! 10.0.0.0/8`
        if (v === '!') {
          const v2 = tokens[i++];
          if (v2 === undefined) fail(`${tok} ! needs a value`);
          builtins[builtin] = { negated: true, value: v2! };
        } else builtins[builtin] = { negated: negate, value: v! };
      }
      negate = false;
      continue;
    }
    if (tok === '-m' || tok === '--match') {
      const mod = tokens[i++];
      if (!mod) fail('-m needs a module name');
      currentMatch = { module: mod!, options: {} };
      matches.push(currentMatch);
      if (!KNOWN_MATCH_MODULES.has(mod!)) unparsed.push(`-m ${mod}`);
      negate = false;
      continue;
    }
    if (tok === '-j' || tok === '--jump' || tok === '-g' || tok === '--goto') {
      const t = tokens[i++];
      if (!t) fail(`${tok} needs a target`);
      target = t!;
      isGoto = tok === '-g' || tok === '--goto';
      currentMatch = null;
      // everything after the target is its options
      while (i < tokens.length) {
        const opt = tokens[i++]!;
        if (quoted.has(i - 1) || !opt.startsWith('--')) {
          unparsed.push(opt);
          continue;
        }
        targetOptions[opt.slice(2)] = takeValues().join(' ');
      }
      break;
    }
    if (tok.startsWith('--') && currentMatch) {
      const vals = takeValues();
      currentMatch.options[tok.slice(2)] = { negated: negate, value: vals.join(' ') };
      negate = false;
      continue;
    }
    if (tok === '-c' || tok === '--set-counters') {
      takeValues();
      continue;
    }
    unparsed.push(tok);
    negate = false;
  }
  const commentMatch = matches.find((m) => m.module === 'comment');
  const protocol = builtins.p ? { negated: builtins.p.negated, value: builtins.p.value.toLowerCase() } : null;
  // spelled out, not `...head`: a spread-then-extend literal is several times slower to build in V8
  return {
    table: head.table,
    chain: head.chain,
    index: head.index,
    raw: head.raw,
    source: builtins.s ?? null,
    destination: builtins.d ?? null,
    inInterface: builtins.i ?? null,
    outInterface: builtins.o ?? null,
    protocol,
    fragment,
    matches: matches as Match[],
    target,
    goto: isGoto,
    targetOptions,
    comment: commentMatch?.options['comment']?.value ?? null,
    unparsed,
  };
}
