/**
 * The trace entry point: resolve the endpoints, walk the packet, then walk the reply back through
 * conntrack (which undoes NAT) — a TCP or ICMP exchange only works when both directions do.
 */
import { NetlensError } from '../errors';
import type { Topology } from '../model/types';
import type { Packet } from '../netfilter/packet';
import type { Family } from '../netfilter/types';
import type { Namespace } from './namespaces';
import { hostPrerouting, sendFrom } from './pathWalk';
import { resolveDestination, resolveSource, traceFamily, type Source } from './resolve';
import { isLinkLocal, lookupRoute, sourceAddress } from './routeLookup';
import type { MissingFact, TraceHop, TraceRequest, TraceResult } from './types';
import { simpleHop, view, Walk, type Conntrack, type Ending, type HopDraft } from './walkContext';

export function tracePacket(topology: Topology, request: TraceRequest): TraceResult {
  if (request.proto !== 'tcp' && request.proto !== 'udp' && request.proto !== 'icmp') {
    throw new NetlensError('BAD_INPUT', `protocol must be tcp, udp or icmp, got "${String(request.proto)}"`, 'trace');
  }
  const family = traceFamily(request);
  const source = resolveSource(topology, request.from, family);
  const dest = resolveDestination(topology, request, source, family);
  const walk = Walk.of(topology, family);
  const packet = firstPacket(source, dest.ip, dest.port, request.proto, family);
  const notes = [...(source.kind === 'ns' ? source.notes : []), ...dest.notes];
  for (const n of notes) walk.hop(simpleHop(source.kind === 'ns' ? source.ns.label : 'outside', null, 'note', n, packet));
  if (source.kind === 'ns' && source.ns.kind === 'host') rootlessKitEntry(topology, walk, packet);
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
    const r = walkReply(topology, ending, packet, source);
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
  return { request, family, verdict, decidedBy, hops, assumptions, missing, ...(reply ? { reply } : {}) };
}

/**
 * Rootless Docker: "host" is RootlessKit's namespace, where the engine's bridges and rules are. A
 * connection from the machine to a publish first meets rootlesskit, whose port driver accepts it in
 * the machine's own namespace and opens its own to the same address and port inside RootlessKit's
 * namespace; the walk then goes on there. Anything else from "host" starts inside that namespace,
 * and the trace says so.
 */
function rootlessKitEntry(topology: Topology, walk: Walk, packet: Packet): void {
  const kit = topology.host?.rootlessKit;
  if (!kit) return;
  const where = `RootlessKit's network namespace (rootlesskit pid ${kit.pid})`;
  const publish = topology.publishes.find((p) => p.portDriver && p.protocol === packet.proto && p.hostPort === packet.dport && (p.hostIp === packet.dst || p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::'));
  if (!publish?.portDriver) {
    walk.hop(simpleHop('host', null, 'note', `"host" is ${where}, where the engine's bridges and rules are, not the machine's own namespace`, packet));
    return;
  }
  const d = publish.portDriver;
  const driver = `port driver ${d.driver ?? '(none given)'}`;
  const at = `${packet.dst}:${packet.dport}`;
  if (!d.listener) {
    walk.missing(
      `rootlesskit's socket for ${publish.containerName}'s publish ${at}`,
      d.listenerUnknown ?? `rootlesskit pid ${d.pid} (${driver}) holds no socket listening there on the machine's side`,
      `it takes the connection as its ${driver} would`,
    );
  }
  walk.hop(
    simpleHop(
      'machine',
      'lo',
      'proxy',
      `rootlesskit (pid ${d.pid}, ${driver}) ${d.listener ? 'listens on' : 'should listen on'} ${at} in the machine's own namespace for ${publish.containerName}'s publish; it accepts the connection and opens its own to ${at} inside ${where}`,
      packet,
    ),
  );
}

/** ICMP echo request and reply: type 8 and 0, ICMPv6 128 and 129 */
const ECHO = { ipv4: { request: 8, reply: 0 }, ipv6: { request: 128, reply: 129 } } as const;

function firstPacket(source: Source, dst: string, dport: number | null, proto: TraceRequest['proto'], family: Family): Packet {
  let src = family === 'ipv6' ? '::' : '0.0.0.0';
  if (source.kind === 'peer') src = source.ip;
  else {
    const choice = lookupRoute(source.ns, dst);
    if (choice.kind === 'local') src = dst.startsWith('127.') ? '127.0.0.1' : dst;
    else if (choice.kind === 'route') src = sourceAddress(source.ns, choice, dst) ?? src;
    else src = source.ns.interfaces.flatMap((i) => i.addresses).find((a) => family === 'ipv4' || !isLinkLocal(a.address))?.address ?? src;
  }
  return {
    family, inInterface: '', outInterface: '', src, dst, proto, sport: null, dport, icmpType: proto === 'icmp' ? ECHO[family].request : null,
    ctState: 'NEW', origDst: dst, origDport: dport, origSrc: src, mark: 0, physIn: null, physOut: null, srcMac: null,
  };
}

function walkReply(topology: Topology, ending: Ending, first: Packet, source: Source): { hops: HopDraft[]; assumptions: readonly string[]; missing: readonly MissingFact[]; ending: Ending } {
  const hops: HopDraft[] = [];
  const assumptions: string[] = [];
  const missing: MissingFact[] = [];
  const run = (from: Namespace | { readonly outside: string }, arrived: Packet, conn: Conntrack): Ending => {
    // the reply is of the arrived packet's family: docker-proxy's leg to an IPv4 container answers in IPv4
    const w = Walk.of(topology, arrived.family, conn);
    const p: Packet = {
      ...arrived, src: arrived.dst, dst: arrived.src, sport: arrived.dport, dport: arrived.sport, icmpType: arrived.proto === 'icmp' ? ECHO[arrived.family].reply : null,
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
