/**
 * Ask the kernel (read-only): at every routing step of a trace, `ip route get` in that step's
 * namespace — with `from` and `iif` where the packet was forwarded, as the kernel looks it up for a
 * packet arriving on that interface — must choose what the trace chose: the same device and
 * gateway, or a local delivery. All checks go in one shell round trip; every value put into the
 * command is validated first (addresses parsed by ipaddr.js, interface and namespace names by
 * pattern, PIDs as integers), so nothing from Docker reaches the shell unchecked.
 *
 * What this does not check: netfilter verdicts (the trace's rules are read from the same
 * iptables-save / nft the kernel runs, but counters are not consulted), policy routing by fwmark
 * (no mark is given to `ip route get`), and hops beyond the host (`outside`).
 */
import * as ipaddr from 'ipaddr.js';
import type { BatchCommand, BatchSection } from '../host/batch';
import type { Topology } from '../model/types';
import type { TraceHop, TraceResult } from './types';

export type CheckPlace =
  | { readonly kind: 'host' }
  | { readonly kind: 'container'; readonly pid: number; readonly name: string }
  | { readonly kind: 'netns'; readonly name: string }
  /** one of Docker's own namespaces (ingress_sbox, lb_…), entered by its file */
  | { readonly kind: 'docker'; readonly path: string; readonly name: string };

/** How a command is run in a place: its argv prefix before `ip …` (values validated by placeOf). */
export function ipIn(place: CheckPlace, quote: (s: string | number) => string = String): string {
  switch (place.kind) {
    case 'host':
      return 'ip';
    case 'netns':
      return `ip -n ${quote(place.name)}`;
    case 'container':
      return `nsenter -t ${quote(place.pid)} -n ip`;
    case 'docker':
      return `nsenter --net=${quote(place.path)} ip`;
  }
}

const NETNS_PATH = /^\/[A-Za-z0-9_./-]{1,200}$/;

export type RouteExpectation = { readonly type: 'local' } | { readonly type: 'unicast'; readonly dev: string; readonly via: string | null };

export interface RouteCheck {
  /** the hop's step number in the trace (reply hops continue the numbering) */
  readonly step: number;
  /** the hop's namespace label: `host`, `container web1`, `netns RED` */
  readonly namespace: string;
  readonly place: CheckPlace;
  readonly dst: string;
  /** for a forwarded packet: its source and the interface it came in by */
  readonly from?: string;
  readonly iif?: string;
  readonly expected: RouteExpectation;
  /** the command as a person would type it on the host */
  readonly command: string;
}

export interface RouteCheckResult extends RouteCheck {
  /** what the kernel chose, in words (`dev docker0`, `local`, `unreachable`, or the error) */
  readonly observed: string;
  /** null: the kernel's answer does not settle it (an error other than "unreachable") */
  readonly agrees: boolean | null;
}

export interface KernelCheck {
  /** false if any check disagrees; true if every check agrees; null when nothing could be settled */
  readonly agrees: boolean | null;
  /** one line: where the kernel disagrees first, or how many steps it confirmed */
  readonly observed: string;
  readonly checks: readonly RouteCheckResult[];
  /** routing steps that were not checked, and why */
  readonly skipped: readonly string[];
}

const IFNAME = /^[A-Za-z0-9_.:+-]{1,15}$/;
const NETNS = /^[A-Za-z0-9_.-]{1,64}$/;

const isAddress = (s: string | undefined): s is string => s !== undefined && (ipaddr.IPv4.isValidFourPartDecimal(s) || (ipaddr.IPv6.isValid(s) && s.includes(':')));

/** Where a hop's namespace is, found in the model; null with why when it cannot be entered. */
export function placeOf(topology: Topology, label: string): CheckPlace | string {
  if (label === 'host') return { kind: 'host' };
  if (label.startsWith('netns ')) {
    const name = label.slice('netns '.length);
    return NETNS.test(name) ? { kind: 'netns', name } : `netns name ${JSON.stringify(name)} is not one netlens puts in a command`;
  }
  if (label.startsWith('container ')) {
    const name = label.slice('container '.length);
    let c = topology.containers.find((x) => x.name === name);
    if (!c) return `container ${name} is not in the model`;
    if (c.networkMode === 'host') return { kind: 'host' };
    if (c.sharesNetnsWith) c = topology.containers.find((x) => x.id === c!.sharesNetnsWith || x.name === c!.sharesNetnsWith) ?? c;
    return c.pid !== null && Number.isInteger(c.pid) && c.pid > 0 ? { kind: 'container', pid: c.pid, name } : `container ${name} has no running process`;
  }
  if (label.startsWith('Docker namespace ')) {
    const name = label.slice('Docker namespace '.length);
    const ns = topology.host?.dockerNetns?.find((x) => x.name === name);
    if (!ns) return `Docker namespace ${name} is not in the model`;
    return NETNS.test(name) && NETNS_PATH.test(ns.path) && !ns.path.includes('..') ? { kind: 'docker', path: ns.path, name } : `Docker namespace path ${JSON.stringify(ns.path)} is not one netlens puts in a command`;
  }
  return `${label} is not a namespace on the host`;
}

function expectationOf(h: TraceHop): RouteExpectation | string | null {
  if (h.kind === 'routing' && /is a local address of/.test(h.what)) return { type: 'local' };
  if (h.kind !== 'route' && h.kind !== 'routing') return null;
  if (!h.route) return null;
  const dev = /(?:^| )dev (\S+)/.exec(h.route)?.[1];
  if (!dev) return `route "${h.route}" names no device`;
  if (/^(blackhole|unreachable|prohibit) /.test(h.route)) return `route "${h.route}" rejects the packet`;
  return { type: 'unicast', dev, via: /(?:^| )via (\S+)/.exec(h.route)?.[1] ?? null };
}

/** The routing steps of a trace as checks; steps that cannot be checked are listed with why. */
export function routeChecks(topology: Topology, result: Pick<TraceResult, 'hops' | 'reply'>): { checks: RouteCheck[]; skipped: string[] } {
  const checks: RouteCheck[] = [];
  const skipped: string[] = [];
  for (const h of [...result.hops, ...(result.reply ?? [])]) {
    const expected = expectationOf(h);
    if (expected === null) continue;
    const what = `step ${h.step} (${h.namespace})`;
    if (typeof expected === 'string') {
      skipped.push(`${what}: ${expected}`);
      continue;
    }
    const place = placeOf(topology, h.namespace);
    if (typeof place === 'string') {
      skipped.push(`${what}: ${place}`);
      continue;
    }
    const dst = h.packet.dst;
    if (!isAddress(dst)) {
      skipped.push(`${what}: destination ${JSON.stringify(dst)} is not an address`);
      continue;
    }
    // A packet that came in by an interface (forwarded, or delivered locally from outside) is looked
    // up as the kernel does on input; one this namespace sends is looked up as output.
    const forwarded = h.kind === 'routing' && !!h.interface && h.interface !== 'lo';
    const iif = forwarded ? h.interface ?? undefined : undefined;
    const from = forwarded ? h.packet.src : undefined;
    if (forwarded && (!iif || !IFNAME.test(iif) || !isAddress(from))) {
      skipped.push(`${what}: interface ${JSON.stringify(iif)} or source ${JSON.stringify(from)} is not one netlens puts in a command`);
      continue;
    }
    if (expected.type === 'unicast' && !IFNAME.test(expected.dev)) {
      skipped.push(`${what}: device ${JSON.stringify(expected.dev)} is not one netlens puts in a command`);
      continue;
    }
    const args = ['route', 'get', dst, ...(from && iif ? ['from', from, 'iif', iif] : [])];
    const command = `${ipIn(place)} ${args.join(' ')}`;
    checks.push({ step: h.step, namespace: h.namespace, place, dst, ...(from ? { from } : {}), ...(iif ? { iif } : {}), expected, command });
  }
  return { checks, skipped };
}

/** One batch section asking every check, one part per check (`check:<index>`), each ending in its status. */
export function routeCheckCommand(checks: readonly RouteCheck[]): BatchCommand {
  const lines: string[] = [];
  checks.forEach((c, i) => {
    // every value was validated in routeChecks; quoted anyway
    const q = (s: string | number): string => `'${String(s)}'`;
    const get = ['route', 'get', q(c.dst), ...(c.from && c.iif ? ['from', q(c.from), 'iif', q(c.iif)] : [])].join(' ');
    const run = `${ipIn(c.place, q)} -json ${get}`;
    lines.push(`nl_part check:${i}`, `r=$(${run} 2>&1); printf '%s\\nrc=%s\\n' "$r" "$?"`);
  });
  lines.push('true');
  return { name: 'route-get', requires: ['ip'], script: lines.join('\n') };
}

interface Answer {
  readonly type: string;
  readonly dev: string | null;
  readonly gateway: string | null;
}

function parseAnswer(text: string): { answer: Answer } | { error: string } {
  const lines = text.replace(/\n+$/, '').split('\n');
  const rc = /^rc=(\d+)$/.exec(lines[lines.length - 1] ?? '')?.[1];
  const body = lines.slice(0, -1).join('\n').trim();
  if (rc !== '0') return { error: body || `exit status ${rc ?? 'unknown'}` };
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
    if (!first || typeof first !== 'object') return { error: `ip printed no route: ${body}` };
    return {
      answer: {
        type: typeof first['type'] === 'string' ? first['type'] : 'unicast',
        dev: typeof first['dev'] === 'string' ? first['dev'] : null,
        gateway: typeof first['gateway'] === 'string' ? first['gateway'] : null,
      },
    };
  } catch {
    return { error: `ip printed what netlens cannot read: ${body.slice(0, 200)}` };
  }
}

const expectedText = (e: RouteExpectation): string => (e.type === 'local' ? 'local delivery' : `dev ${e.dev}${e.via ? ` via ${e.via}` : ''}`);

/** The kernel's answers (the batch section's parts) against what the trace chose. */
export function judgeRouteChecks(checks: readonly RouteCheck[], skipped: readonly string[], section: BatchSection | undefined, failure: string | null): KernelCheck {
  if (!section || failure) {
    return { agrees: null, observed: `the kernel could not be asked: ${failure ?? 'the check did not run'}`, checks: checks.map((c) => ({ ...c, observed: 'not asked', agrees: null })), skipped };
  }
  const results: RouteCheckResult[] = checks.map((c, i) => {
    const part = section.parts.find((p) => p.name === `check:${i}`);
    if (!part) return { ...c, observed: 'no answer', agrees: null };
    const a = parseAnswer(part.text);
    if ('error' in a) {
      // the kernel has no route where the trace found one: that is a disagreement, not a failure
      const unreachable = /unreachable|No route to host/i.test(a.error);
      return { ...c, observed: unreachable ? `unreachable (${a.error})` : a.error, agrees: unreachable ? false : null };
    }
    const { type, dev, gateway } = a.answer;
    const observed = type === 'local' ? `local (dev ${dev ?? '?'})` : `${type !== 'unicast' ? `${type} ` : ''}dev ${dev ?? '?'}${gateway ? ` via ${gateway}` : ''}`;
    const e = c.expected;
    const agrees = e.type === 'local' ? type === 'local' : type === 'unicast' && dev === e.dev && (gateway ?? null) === e.via;
    return { ...c, observed, agrees };
  });
  return summariseRouteChecks(results, skipped);
}

/** The verdict over checks already answered (one host's, or several hosts' put together). */
export function summariseRouteChecks(results: readonly RouteCheckResult[], skipped: readonly string[]): KernelCheck {
  const first = results.find((r) => r.agrees === false);
  const settled = results.filter((r) => r.agrees === true).length;
  if (first) {
    return {
      agrees: false,
      observed: `the kernel disagrees at step ${first.step} (${first.namespace}): the trace chose ${expectedText(first.expected)}, \`${first.command}\` says ${first.observed}`,
      checks: results,
      skipped,
    };
  }
  if (results.length === 0) return { agrees: null, observed: skipped.length ? 'no routing step could be checked' : 'the trace has no routing step to check', checks: results, skipped };
  if (settled < results.length) {
    const open = results.find((r) => r.agrees === null)!;
    return { agrees: null, observed: `the kernel agrees at ${settled} of ${results.length} routing steps; step ${open.step} (${open.namespace}) is not settled: ${open.observed}`, checks: results, skipped };
  }
  return { agrees: true, observed: `the kernel chose the same route at all ${results.length} routing step${results.length === 1 ? '' : 's'}`, checks: results, skipped };
}

/** Lines for the text form of a trace. */
export function formatKernelCheck(k: KernelCheck): string[] {
  const out = [`Kernel check (ip route get, read-only): ${k.agrees === true ? 'AGREES' : k.agrees === false ? 'DISAGREES' : 'NOT SETTLED'} — ${k.observed}`];
  for (const c of k.checks) out.push(`  ${c.agrees === true ? '✓' : c.agrees === false ? '✗' : '?'} step ${c.step} ${c.namespace}: ${c.command} → ${c.observed}${c.agrees === false ? ` (trace: ${expectedText(c.expected)})` : ''}`);
  for (const s of k.skipped) out.push(`  - not checked: ${s}`);
  return out;
}
