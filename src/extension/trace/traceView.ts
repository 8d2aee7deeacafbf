/**
 * A trace as the trace view shows it (src/protocol/traceProtocol.ts): every string prepared here,
 * from the core's own words — the hops, the packet's rewrites between them, the rules, the kernel
 * check and probe lines, and what would change the verdict. Pure: no vscode, no DOM.
 */
import { withPort } from '../../core/model/addresses';
import type { Topology } from '../../core/model/types';
import { formatKernelCheck } from '../../core/trace/kernelCheck';
import { formatProbe } from '../../core/trace/probe';
import { packetRewrites } from '../../core/trace/traceMarkdown';
import { decidingHop, hopSubjects, tracePlaces } from '../../core/trace/tracePlaces';
import type { TraceHop, TraceRequest, TraceResult } from '../../core/trace/types';
import { traceCliCommand, whatWouldChange, type Suggestion } from '../../core/trace/whatWouldChange';
import { subjectKey } from '../../protocol/subject';
import type { TracePathNotification } from '../../protocol/topologyProtocol';
import type { TraceHopView, TraceShownView, TraceStatusView } from '../../protocol/traceProtocol';

/** `nlt-a2 → nlt-a1:80 (tcp)` */
export function traceTitle(r: TraceRequest): string {
  return `${r.from} → ${r.to}${r.port !== undefined ? ` port ${r.port}` : ''} (${r.proto}${r.family === 'ipv6' ? ', IPv6' : ''})`;
}

function hopViews(hops: readonly TraceHop[]): TraceHopView[] {
  return hops.map((h, i) => ({
    step: h.step,
    namespace: h.namespace,
    interface: h.interface,
    kind: h.kind,
    what: h.what,
    packet: `${withPort(h.packet.src, h.packet.sport || null)} → ${withPort(h.packet.dst, h.packet.dport || null)}`,
    // a reply's first hop is a new packet (the answer), not a rewrite of the one before
    rewrites: i > 0 ? packetRewrites(hops[i - 1]!.packet, h.packet) : [],
    rule: h.rule ? { table: h.rule.table, chain: h.rule.chain, index: h.rule.index, raw: h.rule.raw } : null,
    matched: (h.matchedRules ?? []).map((m) => ({ rule: { table: m.rule.table, chain: m.rule.chain, index: m.rule.index, raw: m.rule.raw }, outcome: m.outcome, why: m.why })),
    route: h.route ?? null,
    sysctl: h.sysctl ?? null,
    uncertain: / UNCERTAIN /.test(h.what) || (h.matchedRules ?? []).some((m) => m.outcome === 'unknown'),
  }));
}

export interface TraceViewInput {
  readonly id: number;
  readonly engine: string;
  readonly tracedAt: Date;
  readonly topology: Topology;
  readonly result: TraceResult;
  readonly status: TraceStatusView;
}

export function traceChanges(topology: Topology, result: TraceResult): Suggestion[] {
  return whatWouldChange(topology, result);
}

export function traceShownView(t: TraceViewInput): TraceShownView {
  const r = t.result;
  const kernel = r.kernel ? formatKernelCheck(r.kernel) : null;
  const probe = r.probe ? formatProbe(r.probe) : null;
  return {
    id: t.id,
    title: traceTitle(r.request),
    engine: t.engine,
    tracedAt: t.tracedAt.toISOString(),
    verdict: r.verdict,
    decidedBy: r.decidedBy,
    deciderStep: decidingHop(r)?.step ?? null,
    cli: traceCliCommand(r.request),
    hops: hopViews(r.hops),
    reply: hopViews(r.reply ?? []),
    missing: r.missing.map((m) => ({ fact: m.fact, why: m.why, assumed: m.assumed })),
    assumptions: [...r.assumptions],
    kernel: r.kernel && kernel ? { title: 'Kernel check (ip route get, read-only)', agrees: r.kernel.agrees, observed: r.kernel.observed, lines: kernel.slice(1).map((l) => l.trim()) } : null,
    probe: r.probe && probe ? { title: `Probe (sent for real${r.probe.command ? `: ${r.probe.command}` : ''})`, agrees: r.probe.agrees, observed: r.probe.observed, lines: probe.slice(1).map((l) => l.trim()) } : null,
    changes: traceChanges(t.topology, r).map((s) => ({ says: s.says, command: s.command ?? null })),
    status: t.status,
  };
}

/** What makes two traces the same answer: the verdict, what decided it, and the hops' places and words. */
export function traceSignature(r: TraceResult): string {
  const hop = (h: TraceHop): string => `${h.namespace}|${h.interface ?? ''}|${h.kind}|${h.what}`;
  return JSON.stringify([r.verdict, r.decidedBy, r.hops.map(hop), (r.reply ?? []).map(hop)]);
}

/** Where the topology focuses for a hop: the subject key of its namespace's owner (a container, a named netns), else of its interface; null off the model. */
export function hopFocusTarget(topology: Topology, h: Pick<TraceHop, 'namespace' | 'interface' | 'rule'>): string | null {
  const first = hopSubjects(topology, h)[0];
  return first ? subjectKey(first) : null;
}

/** The trace's path for the topology: each hop's subject keys and the deciding hop, with the trace view's id. */
export function tracePathMessage(traceId: number, topology: Topology, result: TraceResult): TracePathNotification {
  const places = tracePlaces(topology, result);
  const keys = (s: readonly Parameters<typeof subjectKey>[0][]): string[] => s.map(subjectKey);
  return {
    type: 'tracePath',
    traceId,
    hops: places.hops.map((h) => ({ step: h.step, keys: keys(h.subjects) })),
    decider: places.decider ? { step: places.decider.step, keys: keys(places.decider.subjects), text: result.decidedBy } : null,
    verdict: result.verdict,
    label: `${traceTitle(result.request)}: ${result.verdict}`,
  };
}

/** What a kept trace is after the model changed: the containers it names gone, its answer changed, or the same. */
export type Recheck =
  | { readonly kind: 'stale'; readonly status: TraceStatusView }
  | { readonly kind: 'updated'; readonly status: TraceStatusView; readonly result: TraceResult }
  | { readonly kind: 'same' };

/** Which of the trace's containers (ids) the new model no longer has, by the names the trace knew them by. */
export function goneContainers(before: Topology, containers: readonly string[], now: Topology): string[] {
  return containers.filter((id) => !now.containers.some((c) => c.id === id)).map((id) => before.containers.find((c) => c.id === id)?.name ?? id.slice(0, 12));
}

/**
 * Judges a kept trace against a new model: `again` is the trace walked on it (or why it could not
 * be). Gone containers make it stale; a different answer replaces it and says what it was.
 */
export function recheckTrace(kept: { readonly topology: Topology; readonly result: TraceResult; readonly containers: readonly string[] }, now: Topology, again: TraceResult | Error | null, at: Date): Recheck {
  const gone = goneContainers(kept.topology, kept.containers, now);
  if (gone.length > 0) return { kind: 'stale', status: { kind: 'stale', text: `stale: ${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} gone (removed or re-created) since this trace; re-run it to trace the current containers` } };
  if (again instanceof Error) return { kind: 'stale', status: { kind: 'stale', text: `stale: after an engine event this trace can no longer be asked (${again.message})` } };
  if (!again || traceSignature(again) === traceSignature(kept.result)) return { kind: 'same' };
  const was = kept.result;
  return {
    kind: 'updated',
    result: again,
    status: { kind: 'updated', text: `updated after an engine event at ${at.toISOString().slice(11, 19)} UTC: it was ${was.verdict} (${was.decidedBy}); the kernel check and probe, if any, were for the old answer` },
  };
}
