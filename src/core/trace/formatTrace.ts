/** A trace as numbered steps, the way the seed articles walk a packet through the host. */
import { formatKernelCheck } from './kernelCheck';
import { formatProbe } from './probe';
import { withPort } from '../model/addresses';
import type { TraceHop, TraceResult } from './types';

function line(h: TraceHop): string[] {
  const where = `[${h.namespace}${h.interface ? ` ${h.interface}` : ''}]`;
  const pkt = `${withPort(h.packet.src, h.packet.sport || null)} → ${withPort(h.packet.dst, h.packet.dport || null)}`;
  const out = [`${String(h.step).padStart(3)}. ${where} ${h.what}   (${pkt})`];
  for (const m of h.matchedRules ?? []) {
    const mark = m.outcome === 'yes' ? '✓' : m.outcome === 'unknown' ? '?' : '✗';
    out.push(`       ${mark} ${m.rule.table} ${m.rule.chain} #${m.rule.index}: ${m.rule.raw}${m.outcome === 'unknown' ? `  — ${m.why}` : ''}`);
  }
  return out;
}

export function formatTrace(result: TraceResult): string {
  const r = result.request;
  // a bare IPv6 `to` carries no port of its own: written with the port asked, in brackets
  const bareV6 = (r.to.match(/:/g) ?? []).length > 1 && !r.to.startsWith('[');
  const to = r.port && bareV6 ? withPort(r.to, r.port) : `${r.to}${r.port && !r.to.includes(':') ? `:${r.port}` : ''}`;
  const out = [`Trace ${r.proto}${result.family === 'ipv6' ? ' (IPv6)' : ''} from ${r.from} to ${to}`];
  for (const h of result.hops) out.push(...line(h));
  if (result.reply && result.reply.length > 0) {
    out.push('Reply:');
    for (const h of result.reply) out.push(...line(h));
  }
  out.push(`Verdict: ${result.verdict.toUpperCase()} — decided by ${result.decidedBy}`);
  if (result.missing.length > 0) {
    out.push('Not known (the verdict cannot rest on these):');
    for (const m of result.missing) out.push(`  - ${m.fact}: ${m.why} — the path above takes ${m.assumed}`);
  }
  if (result.assumptions.length > 0) {
    out.push('Assumptions (not checked):');
    for (const a of result.assumptions) out.push(`  - ${a}`);
  }
  if (result.kernel) out.push(...formatKernelCheck(result.kernel));
  if (result.probe) out.push(...formatProbe(result.probe));
  return out.join('\n');
}
