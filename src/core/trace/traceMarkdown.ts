/** A trace as Markdown, to paste into an issue or a chat: the question, the answer, each step, what would change it. */
import { withPort } from '../model/addresses';
import { formatKernelCheck } from './kernelCheck';
import { formatProbe } from './probe';
import type { PacketView, TraceHop, TraceResult } from './types';
import { traceCliCommand, type Suggestion } from './whatWouldChange';

/** How the packet changed between two consecutive hops (NAT, docker-proxy), as `dst a → b`; empty when it did not. */
export function packetRewrites(before: PacketView, after: PacketView): string[] {
  const out: string[] = [];
  const a = withPort(before.src, before.sport || null);
  const b = withPort(after.src, after.sport || null);
  if (a !== b) out.push(`src ${a} → ${b}`);
  const c = withPort(before.dst, before.dport || null);
  const d = withPort(after.dst, after.dport || null);
  if (c !== d) out.push(`dst ${c} → ${d}`);
  return out;
}

/** Text in a Markdown table cell or inline code: no pipe or newline breaks it. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const code = (s: string): string => {
  const t = cell(s);
  const ticks = t.includes('`') ? '``' : '`';
  return `${ticks}${ticks === '``' ? ' ' : ''}${t}${ticks === '``' ? ' ' : ''}${ticks}`;
};

function rows(hops: readonly TraceHop[], previous: PacketView | null): string[] {
  const out: string[] = [];
  let prev = previous;
  for (const h of hops) {
    const rewrites = prev ? packetRewrites(prev, h.packet) : [];
    const rule = h.rule ? `${h.rule.table} ${h.rule.chain} #${h.rule.index} ${code(h.rule.raw)}` : '';
    const what = [cell(h.what), ...rewrites.map((r) => `**${cell(r)}**`)].join('<br>');
    out.push(`| ${h.step} | ${cell(h.namespace)} | ${h.interface ? code(h.interface) : ''} | ${what} | ${rule} |`);
    prev = h.packet;
  }
  return out;
}

export function formatTraceMarkdown(result: TraceResult, changes: readonly Suggestion[] = []): string {
  const r = result.request;
  const out = [`### netlens trace: ${cell(r.from)} → ${cell(r.to)}${r.port ? ` port ${r.port}` : ''} (${r.proto}${result.family === 'ipv6' ? ', IPv6' : ''})`, ''];
  out.push(`**Verdict: ${result.verdict.toUpperCase()}** — decided by ${code(result.decidedBy)}`, '');
  out.push(`Reproduce: ${code(traceCliCommand(r))}`, '');
  const head = ['| step | namespace | interface | what | rule |', '|---:|---|---|---|---|'];
  out.push(...head, ...rows(result.hops, null), '');
  if (result.reply && result.reply.length > 0) out.push('**Reply**', '', ...head, ...rows(result.reply, null), '');
  if (result.missing.length > 0) {
    out.push('**Not known** (the verdict cannot rest on these):', '');
    for (const m of result.missing) out.push(`- ${m.fact}: ${m.why} — the trace takes ${m.assumed}`);
    out.push('');
  }
  if (result.assumptions.length > 0) {
    out.push('**Assumptions** (not checked):', '');
    for (const a of result.assumptions) out.push(`- ${a}`);
    out.push('');
  }
  if (changes.length > 0) {
    out.push('**What would change the verdict** (suggestions, not run):', '');
    for (const c of changes) out.push(`- ${c.says}${c.command ? `: ${code(c.command)}` : ''}`);
    out.push('');
  }
  if (result.kernel) out.push('```', ...formatKernelCheck(result.kernel), '```', '');
  if (result.probe) out.push('```', ...formatProbe(result.probe), '```', '');
  return out.join('\n');
}
