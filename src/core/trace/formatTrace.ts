/** A trace as numbered steps, the way the seed articles walk a packet through the host. */
import type { TraceHop, TraceResult } from './types';

function line(h: TraceHop): string[] {
  const where = `[${h.namespace}${h.interface ? ` ${h.interface}` : ''}]`;
  const pkt = `${h.packet.src}${h.packet.sport ? `:${h.packet.sport}` : ''} → ${h.packet.dst}${h.packet.dport ? `:${h.packet.dport}` : ''}`;
  const out = [`${String(h.step).padStart(3)}. ${where} ${h.what}   (${pkt})`];
  for (const m of h.matchedRules ?? []) {
    const mark = m.outcome === 'yes' ? '✓' : m.outcome === 'unknown' ? '?' : '✗';
    out.push(`       ${mark} ${m.rule.table} ${m.rule.chain} #${m.rule.index}: ${m.rule.raw}${m.outcome === 'unknown' ? `  — ${m.why}` : ''}`);
  }
  return out;
}

export function formatTrace(result: TraceResult): string {
  const r = result.request;
  const out = [`Trace ${r.proto} from ${r.from} to ${r.to}${r.port && !r.to.includes(':') ? `:${r.port}` : ''}`];
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
  return out.join('\n');
}
