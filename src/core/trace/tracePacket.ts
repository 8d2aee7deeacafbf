/**
 * The trace entry point: resolve the endpoints, walk the packet, then walk the reply back through
 * conntrack (which undoes NAT) — a TCP or ICMP exchange only works when both directions do.
 */
import { NetlensError } from '../errors';
import { known, unknown } from '../known';
import type { Topology } from '../model/types';
import type { EvalContext, Packet } from '../netfilter/packet';
import { hostNamespace, type Namespace } from './namespaces';
import { hostPrerouting, sendFrom } from './pathWalk';
import { resolveDestination, resolveSource, type Source } from './resolve';
import { lookupRoute, sourceAddress } from './routeLookup';
import type { MissingFact, TraceHop, TraceRequest, TraceResult } from './types';
import { simpleHop, view, Walk, type Conntrack, type Ending, type HopDraft } from './walkContext';

export function tracePacket(topology: Topology, request: TraceRequest): TraceResult {
  if (request.proto !== 'tcp' && request.proto !== 'udp' && request.proto !== 'icmp') {
    throw new NetlensError('BAD_INPUT', `protocol must be tcp, udp or icmp, got "${String(request.proto)}"`, 'trace');
  }
  const source = resolveSource(topology, request.from);
  const dest = resolveDestination(topology, request, source);
  const host = hostNamespace(topology);
  const ruleset = topology.host?.firewall.ipv4 ?? null;
  const evalCtx: EvalContext = {
    localAddresses: host ? known(host.interfaces.flatMap((i) => i.addresses.map((a) => ({ address: a.address, iface: i.name })))) : unknown('the model has no host facts'),
  };
  const walk = new Walk(topology, host, ruleset, evalCtx);
  const packet = firstPacket(source, dest.ip, dest.port, request.proto);
  const notes = [...(source.kind === 'ns' ? source.notes : []), ...dest.notes];
  for (const n of notes) walk.hop(simpleHop(source.kind === 'ns' ? source.ns.label : 'outside', null, 'note', n, packet));
  let ending: Ending;
  if (source.kind === 'peer') {
    walk.hop(simpleHop('outside', source.ingress, 'link', `${source.ip} reaches the host on ${source.ingress} (host route ${source.route})`, packet, { route: source.route }));
    ending = hostPrerouting(walk, { ...packet, inInterface: source.ingress });
  } else {
    ending = sendFrom(walk, source.ns, packet);
  }
  const hops = number(walk.hops, 1);
  const assumptions = [...walk.assumptions];
  const missing: MissingFact[] = [...walk.missingFactsSoFar];
  let verdict = ending.verdict;
  let decidedBy = ending.decidedBy;
  let reply: TraceHop[] | undefined;
  if (ending.verdict === 'delivered' && (ending.arrivedIn || ending.outside) && ending.packet) {
    const r = walkReply(topology, host, walk, ending, packet, source);
    reply = number(r.hops, hops.length + 1);
    for (const a of r.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
    for (const m of r.missing) if (!missing.some((x) => x.fact === m.fact)) missing.push(m);
    if (r.ending.verdict !== 'delivered') {
      if (request.proto === 'udp') assumptions.push(`the reply would not come back (${r.ending.decidedBy}); a one-way UDP datagram still arrives`);
      else {
        verdict = r.ending.verdict;
        decidedBy = `reply: ${r.ending.decidedBy}`;
      }
    }
  }
  if (missing.length > 0) {
    // a firm verdict needs every fact on the way: name the first one missing, then what the walk found with it assumed
    const m = missing[0]!;
    const head = `not known: ${m.fact} (${m.why})`;
    decidedBy = verdict === 'uncertain' ? `${head}; taking ${m.assumed}, the walk then stopped: ${decidedBy}` : `${head}; if ${m.assumed}, the packet would be ${verdict}: ${decidedBy}`;
    verdict = 'uncertain';
  }
  return { request, verdict, decidedBy, hops, assumptions, missing, ...(reply ? { reply } : {}) };
}

function firstPacket(source: Source, dst: string, dport: number | null, proto: TraceRequest['proto']): Packet {
  let src = '0.0.0.0';
  if (source.kind === 'peer') src = source.ip;
  else {
    const choice = lookupRoute(source.ns, dst);
    if (choice.kind === 'local') src = dst.startsWith('127.') ? '127.0.0.1' : dst;
    else if (choice.kind === 'route') src = sourceAddress(source.ns, choice, dst) ?? src;
    else src = source.ns.interfaces.flatMap((i) => i.addresses)[0]?.address ?? src;
  }
  return {
    family: 'ipv4', inInterface: '', outInterface: '', src, dst, proto, sport: null, dport, icmpType: proto === 'icmp' ? 8 : null,
    ctState: 'NEW', origDst: dst, origDport: dport, origSrc: src, mark: 0, physIn: null, physOut: null, srcMac: null,
  };
}

function walkReply(topology: Topology, host: Namespace | null, fwd: Walk, ending: Ending, first: Packet, source: Source): { hops: HopDraft[]; assumptions: readonly string[]; missing: readonly MissingFact[]; ending: Ending } {
  const hops: HopDraft[] = [];
  const assumptions: string[] = [];
  const missing: MissingFact[] = [];
  const run = (from: Namespace | { readonly outside: string }, arrived: Packet, conn: Conntrack): Ending => {
    const w = new Walk(topology, host, fwd.ruleset, fwd.evalCtx, conn);
    const p: Packet = {
      ...arrived, src: arrived.dst, dst: arrived.src, sport: arrived.dport, dport: arrived.sport, icmpType: arrived.proto === 'icmp' ? 0 : null,
      ctState: 'ESTABLISHED', inInterface: '', outInterface: '', origSrc: arrived.dst, origDst: arrived.src, origDport: arrived.sport, physIn: null, physOut: null, srcMac: null,
    };
    const label = 'outside' in from ? 'outside' : from.label;
    w.hop(simpleHop(label, null, 'note', `reply from ${p.src} to ${p.dst} (conntrack: ESTABLISHED)`, p));
    // a peer beyond the host answers into the interface the packet left by
    const e = 'outside' in from ? hostPrerouting(w, { ...p, inInterface: from.outside }) : sendFrom(w, from, p);
    hops.push(...w.hops);
    for (const a of w.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
    for (const m of w.missingFactsSoFar) if (!missing.some((x) => x.fact === m.fact)) missing.push(m);
    return e;
  };
  const done = (e: Ending) => ({ hops, assumptions, missing, ending: e });
  if (ending.proxied) {
    // the container answers docker-proxy, then docker-proxy answers the client
    const leg = run(ending.arrivedIn!, ending.packet!, { origSrc: ending.packet!.src, origDst: ending.packet!.dst, origDport: ending.packet!.dport });
    if (leg.verdict !== 'delivered') return done(leg);
    const client = ending.proxied.client;
    return done(run(ending.proxied.clientNs, client, { origSrc: first.src, origDst: first.dst, origDport: first.dport }));
  }
  const from = ending.arrivedIn ?? { outside: ending.outside!.ingress };
  const e = run(from, ending.packet!, { origSrc: first.src, origDst: first.dst, origDport: first.dport });
  if (e.verdict === 'delivered' && source.kind === 'ns' && e.arrivedIn && e.arrivedIn.label !== source.ns.label) {
    return done({ verdict: 'dropped', decidedBy: `the reply arrived in ${e.arrivedIn.label}, not at the sender ${source.ns.label}` });
  }
  return done(e);
}

function number(drafts: readonly HopDraft[], start: number): TraceHop[] {
  return drafts.map((h, i) => ({ ...h, step: start + i, packet: view(h.packet) }));
}
