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
import { NO_FIREWALL } from './firewallStep';
import { resolveDestination, resolveSource, type Source } from './resolve';
import { lookupRoute, sourceAddress } from './routeLookup';
import type { TraceHop, TraceRequest, TraceResult } from './types';
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
  if (!ruleset) walk.assume(NO_FIREWALL);
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
  let verdict = ending.verdict;
  let decidedBy = ending.decidedBy;
  let reply: TraceHop[] | undefined;
  if (ending.verdict === 'delivered' && ending.arrivedIn && ending.packet) {
    const r = walkReply(topology, host, walk, ending, packet, source);
    reply = number(r.hops, hops.length + 1);
    for (const a of r.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
    if (r.ending.verdict !== 'delivered') {
      if (request.proto === 'udp') assumptions.push(`the reply would not come back (${r.ending.decidedBy}); a one-way UDP datagram still arrives`);
      else {
        verdict = r.ending.verdict;
        decidedBy = `reply: ${r.ending.decidedBy}`;
      }
    }
  }
  return { request, verdict, decidedBy, hops, assumptions, ...(reply ? { reply } : {}) };
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

function walkReply(topology: Topology, host: Namespace | null, fwd: Walk, ending: Ending, first: Packet, source: Source): { hops: HopDraft[]; assumptions: readonly string[]; ending: Ending } {
  const hops: HopDraft[] = [];
  const assumptions: string[] = [];
  const run = (from: Namespace, arrived: Packet, conn: Conntrack): Ending => {
    const w = new Walk(topology, host, fwd.ruleset, fwd.evalCtx, conn);
    const p: Packet = {
      ...arrived, src: arrived.dst, dst: arrived.src, sport: arrived.dport, dport: arrived.sport, icmpType: arrived.proto === 'icmp' ? 0 : null,
      ctState: 'ESTABLISHED', inInterface: '', outInterface: '', origSrc: arrived.dst, origDst: arrived.src, origDport: arrived.sport, physIn: null, physOut: null, srcMac: null,
    };
    w.hop(simpleHop(from.label, null, 'note', `reply from ${p.src} to ${p.dst} (conntrack: ESTABLISHED)`, p));
    const e = sendFrom(w, from, p);
    hops.push(...w.hops);
    for (const a of w.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
    return e;
  };
  if (ending.proxied) {
    // the container answers docker-proxy, then docker-proxy answers the client
    const leg = run(ending.arrivedIn!, ending.packet!, { origSrc: ending.packet!.src, origDst: ending.packet!.dst, origDport: ending.packet!.dport });
    if (leg.verdict !== 'delivered') return { hops, assumptions, ending: leg };
    const client = ending.proxied.client;
    const back = run(ending.proxied.clientNs, client, { origSrc: first.src, origDst: first.dst, origDport: first.dport });
    return { hops, assumptions, ending: back };
  }
  const e = run(ending.arrivedIn!, ending.packet!, { origSrc: first.src, origDst: first.dst, origDport: first.dport });
  if (e.verdict === 'delivered' && source.kind === 'ns' && e.arrivedIn && e.arrivedIn.label !== source.ns.label) {
    return { hops, assumptions, ending: { verdict: 'dropped', decidedBy: `the reply arrived in ${e.arrivedIn.label}, not at the sender ${source.ns.label}` } };
  }
  return { hops, assumptions, ending: e };
}

function number(drafts: readonly HopDraft[], start: number): TraceHop[] {
  return drafts.map((h, i) => ({ ...h, step: start + i, packet: view(h.packet) }));
}
