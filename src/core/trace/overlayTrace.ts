/**
 * A packet between two containers on one overlay network, on the same Docker host or on two
 * (`models` are the hosts' models, as `topology --docker-host A --docker-host B` reads them). The
 * kernel's way: the sender's route to its overlay interface; the veth into the overlay's namespace
 * and its bridge (br0); a local port of br0, or vxlan0, whose forwarding entry names the node the
 * destination's MAC lives on; the encapsulation (VXLAN, the network's VNI, UDP to the tunnel's port
 * between the two underlay addresses); the sending host's OUTPUT, routing and POSTROUTING for that
 * UDP packet and, on the far host, PREROUTING, INPUT and the VXLAN socket (walked with the same
 * rules as any other trace); the decapsulation at the far overlay namespace's vxlan0, its br0, the
 * veth to the destination container. IPv4 only (Docker's overlays carry IPv4 here). Every fact it
 * needs and does not have makes the answer `uncertain` and says which.
 */
import { NetlensError } from '../errors';
import type { Packet } from '../netfilter/packet';
import type { NamedNetns } from '../host/types';
import type { ContainerNode, Endpoint, NetworkNode, Topology } from '../model/types';
import { nameOf } from '../model/hostLinks';
import { containerNamespace, hostNamespace } from './namespaces';
import { arrive, hostPrerouting, sendFrom } from './pathWalk';
import { lookupRoute, sourceAddress } from './routeLookup';
import type { MissingFact, TraceHop, TraceResult } from './types';
import { summariseRouteChecks, type KernelCheck, type RouteCheckResult } from './kernelCheck';
import type { ProbeResult } from './probe';
import { simpleHop, view, Walk, type Conntrack, type Ending, type HopDraft } from './walkContext';

export interface OverlayTraceRequest {
  /** index of the sender's host in `models`, and the container's name or id there */
  readonly fromHost: number;
  readonly from: string;
  /**
   * the destination container's overlay address; or, with a port, an address of another host read
   * here: a request to a port that host publishes through the Swarm's routing mesh
   */
  readonly to: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly port?: number;
}

export interface OverlayTraceResult extends Omit<TraceResult, 'request' | 'kernel' | 'probe'> {
  readonly request: OverlayTraceRequest;
  /** the overlay network the walk took, and the host the packet arrived on (null when it did not) */
  readonly network: string | null;
  readonly toHost: number | null;
  /** the encapsulated packet, when it crossed hosts: what the underlay carried */
  readonly outer?: { readonly src: string; readonly dst: string; readonly dport: number; readonly vni: number | null; readonly dev: string };
  /** with --verify: every host's kernel asked about the routing steps taken on it (mergeHostChecks) */
  readonly kernel?: KernelCheck;
  /** with --probe: one real packet from the sender, counted on every host it crosses (mergeHostProbes) */
  readonly probe?: ProbeResult;
}

/** How the walk names host `i` in its hops' labels (`nlswm1: container c1`) and its words. */
export function hostLabel(models: readonly Topology[], i: number): string {
  return models[i]?.host?.hostname ?? `host #${i + 1}`;
}

/**
 * The hops (and reply hops) the walk took on host `i`, under that host's own namespace labels
 * (`host`, `container c1`), as its own kernel check asks them; null when the hosts' names do not
 * tell their hops apart (two hosts of one name).
 */
export function hopsOnHost(models: readonly Topology[], result: Pick<TraceResult, 'hops' | 'reply'>, i: number): Pick<TraceResult, 'hops' | 'reply'> | null {
  const names = models.map((_, h) => hostLabel(models, h));
  if (new Set(names).size !== names.length) return null;
  const prefix = `${names[i]}: `;
  const mine = (hops: readonly TraceHop[]): TraceHop[] => hops.filter((h) => h.namespace.startsWith(prefix)).map((h) => ({ ...h, namespace: h.namespace.slice(prefix.length) }));
  return { hops: mine(result.hops), ...(result.reply ? { reply: mine(result.reply) } : {}) };
}

/**
 * Each host's kernel check, put together: every check and skipped step says its host again, and the
 * verdict is taken over all of them (one host disagreeing is a disagreement).
 */
export function mergeHostChecks(parts: readonly { readonly host: string; readonly check: KernelCheck }[]): KernelCheck {
  const results: RouteCheckResult[] = [];
  const skipped: string[] = [];
  for (const { host, check } of parts) {
    results.push(...check.checks.map((c) => ({ ...c, namespace: `${host}: ${c.namespace}`, command: `${c.command}   # on ${host}` })));
    skipped.push(...check.skipped.map((x) => `${host}: ${x}`));
    // a host that could not be asked says why once (its checks stay unsettled)
    if (check.agrees === null && check.checks.length > 0 && check.checks.every((c) => c.observed === 'not asked')) skipped.push(`${host}: ${check.observed}`);
  }
  results.sort((a, b) => a.step - b.step);
  return summariseRouteChecks(results, skipped);
}

interface Found {
  readonly c: ContainerNode;
  readonly net: NetworkNode;
  readonly ep: Endpoint;
}

function findContainer(t: Topology, nameOrId: string): ContainerNode | undefined {
  return t.containers.find((c) => c.name === nameOrId || c.id === nameOrId || (nameOrId.length >= 12 && c.id.startsWith(nameOrId)));
}

/** The host and endpoint holding `ip` on network `networkId`, among the hosts' own containers. */
function endpointWith(models: readonly Topology[], networkId: string, ip: string): { host: number; found: Found } | null {
  for (let h = 0; h < models.length; h++) {
    const net = models[h]!.networks.find((n) => n.id === networkId);
    const ep = net?.endpoints.find((e) => e.ipv4 === ip && e.overlayPeer !== undefined);
    const c = ep && models[h]!.containers.find((x) => x.id === ep.containerId);
    if (net && ep && c) return { host: h, found: { c, net, ep } };
  }
  return null;
}

const ICMP_ECHO = 8;
const ICMP_ECHO_REPLY = 0;

interface LegEnd {
  readonly verdict: Ending['verdict'];
  readonly decidedBy: string;
  readonly network: string | null;
  readonly toHost: number | null;
  readonly outer?: OverlayTraceResult['outer'];
  /** where and as what the packet arrived, for the reply */
  readonly arrived?: { readonly container: ContainerNode; readonly packet: Packet };
}

export function traceOverlay(models: readonly Topology[], request: OverlayTraceRequest): OverlayTraceResult {
  const a = models[request.fromHost];
  if (!a) throw new NetlensError('BAD_INPUT', `no host #${request.fromHost + 1} among ${models.length}`, 'trace');
  const c = findContainer(a, request.from);
  if (!c) throw new NetlensError('BAD_INPUT', `no container ${request.from} on ${nameOf(a, request.fromHost)}`, 'trace');
  const hostName = (i: number): string => hostLabel(models, i);
  const label = (i: number, ns: string): string => `${hostName(i)}: ${ns}`;
  const hops: HopDraft[] = [];
  const replyHops: HopDraft[] = [];
  let sink = hops;
  const assumptions: string[] = [];
  const missing: MissingFact[] = [];
  const take = (w: Walk, host: number, keepAssumptions = true): void => {
    for (const h of w.hops) sink.push({ ...h, namespace: label(host, h.namespace) });
    w.hops.length = 0;
    if (keepAssumptions) for (const x of w.assumptions) if (!assumptions.includes(x)) assumptions.push(x);
    for (const m of w.missingFactsSoFar) if (!missing.some((y) => y.fact === m.fact)) missing.push({ ...m, fact: `${hostName(host)}: ${m.fact}` });
  };
  const end = (ending: Pick<Ending, 'verdict' | 'decidedBy' | 'arrivedIn' | 'packet'>, network: string | null, toHost: number | null, outer?: OverlayTraceResult['outer']): LegEnd => ({
    verdict: ending.verdict,
    decidedBy: ending.decidedBy,
    network,
    toHost,
    ...(outer ? { outer } : {}),
    ...(ending.arrivedIn?.container && ending.packet ? { arrived: { container: ending.arrivedIn.container, packet: ending.packet } } : {}),
  });

  /** One direction: from container c on host fromHost to `to`; `shape` makes the inner packet from the source address the route gives. */
  const leg = (fromHost: number, c: ContainerNode, to: string, shape: (src: string) => Packet, reverseOf: Conntrack | null): LegEnd => {
    const a = models[fromHost]!;
    // 1. the sender's own route
    const srcNs = containerNamespace(a, c, 'ipv4');
    const w0 = Walk.of(a, 'ipv4', reverseOf);
    for (const m of srcNs.missing) w0.missing(m.fact, m.why, m.assumed);
    const choice = lookupRoute(srcNs, to);
    const packet0 = shape('0.0.0.0');
    if (choice.kind !== 'route') {
      w0.hop(simpleHop(srcNs.label, null, 'route', `no usable route to ${to} in ${srcNs.label} (${choice.kind})`, packet0));
      take(w0, fromHost);
      return end({ verdict: 'dropped', decidedBy: `route: ${srcNs.label} has no route to ${to}` }, null, null);
    }
    const src = sourceAddress(srcNs, choice, to) ?? '0.0.0.0';
    const packet: Packet = { ...shape(src), outInterface: choice.dev };
    w0.hop(simpleHop(srcNs.label, choice.dev, 'route', `route ${choice.text}: leaves by ${choice.dev}`, packet, { route: choice.text }));
    const iface = c.interfaces.find((i) => i.name === choice.dev);
    const net = a.networks.find((n) => n.driver === 'overlay' && n.endpoints.some((e) => e.containerId === c.id && e.containerInterface === choice.dev));
    const ep = net?.endpoints.find((e) => e.containerId === c.id && e.containerInterface === choice.dev);
    if (!iface || !net || !ep || !net.overlay) {
      take(w0, fromHost);
      throw new NetlensError('BAD_INPUT', `${c.name}'s route to ${to} leaves by ${choice.dev}, which is on no overlay network of ${nameOf(a, fromHost)}: trace it with the single-host trace`, 'trace');
    }
    const ov = net.overlay;
    if (!ep.overlayPeer) {
      w0.hop(simpleHop(srcNs.label, iface.name, 'link', `the other end of ${iface.name} in overlay namespace ${ov.namespace} is not in the model`, packet));
      take(w0, fromHost);
      return end({ verdict: 'uncertain', decidedBy: `${srcNs.label} ${iface.name}: its peer in ${ov.namespace} is not known` }, net.name, null);
    }
    w0.hop(simpleHop(srcNs.label, iface.name, 'link', `veth ${iface.name} → ${ep.overlayPeer.interface} in overlay namespace ${ov.namespace} (port of bridge ${ep.overlayPeer.bridge ?? '?'}) of network ${net.name}`, packet));
    return overBridge(fromHost, net, packet, to, w0, reverseOf);
  };

  /** Steps 2-5: the frame is on the overlay's bridge on host fromHost (from a container's veth, or the mesh's sandbox). */
  const overBridge = (fromHost: number, net: NetworkNode, packet: Packet, to: string, w0: Walk, reverseOf: Conntrack | null): LegEnd => {
    const a = models[fromHost]!;
    const ov = net.overlay!;
    const packet0 = packet;
    const brLabel = `overlay ${ov.namespace}`;

    // 2. br0: a local port, or vxlan0
    const dest = endpointWith(models, net.id, to);
    if (dest && dest.host === fromHost) {
      w0.hop(simpleHop(brLabel, ov.bridge, 'bridge', `${ov.bridge ?? 'the bridge'} forwards to port ${dest.found.ep.overlayPeer?.interface ?? '?'}, the veth of ${dest.found.c.name} on this host (no tunnel)`, packet));
      const ending = arrive(w0, containerNamespace(a, dest.found.c, 'ipv4'), { ...packet, inInterface: dest.found.ep.containerInterface ?? '' }, dest.found.ep.containerInterface);
      take(w0, fromHost);
      return end(ending, net.name, ending.verdict === 'delivered' ? fromHost : null);
    }
    if (!ov.remotes) {
      w0.missing(`the VXLAN forwarding entries of ${ov.namespace}`, ov.namespacePresent === false ? `no namespace ${ov.namespace} on this host` : 'they were not read (older facts, or the namespace was not read)', `${to} is behind vxlan0`);
      take(w0, fromHost);
      return end({ verdict: 'uncertain', decidedBy: `where ${to} lives is not known on ${hostName(fromHost)}` }, net.name, null);
    }
    if (!ov.remotes.known) {
      w0.missing(`the VXLAN forwarding entries of ${ov.namespace}`, ov.remotes.reason, `${to} is behind vxlan0`);
      take(w0, fromHost);
      return end({ verdict: 'uncertain', decidedBy: `where ${to} lives is not known on ${hostName(fromHost)}` }, net.name, null);
    }
    const remote = ov.remotes.value.find((r) => r.addresses.includes(to));
    if (!remote) {
      w0.hop(simpleHop(brLabel, ov.bridge, 'drop', `no neighbour entry for ${to} on ${ov.vxlan?.name ?? 'vxlan0'} and no local port has it: Docker answers ARP for the network's endpoints only, so the frame has nowhere to go`, packet));
      take(w0, fromHost);
      return end({ verdict: 'dropped', decidedBy: `${to} is no endpoint of ${net.name} that ${hostName(fromHost)} knows (no ARP answer)` }, net.name, null);
    }
    const vx = ov.vxlan;
    w0.hop(simpleHop(brLabel, ov.bridge, 'bridge', `${ov.bridge ?? 'the bridge'} forwards the frame for ${remote.mac} (${to}, neighbour entry on ${vx?.name ?? 'vxlan0'}) to ${vx?.name ?? 'vxlan0'}, whose forwarding entry puts that MAC at ${remote.underlay}`, packet));

    // 3. encapsulation, then the sending host's underlay
    const hostA = hostNamespace(a, 'ipv4');
    const vni = vx?.vni ?? ov.engineVni;
    const port = vx?.port ?? null;
    if (!hostA) {
      take(w0, fromHost);
      return end({ verdict: 'uncertain', decidedBy: `the host facts of ${hostName(fromHost)} were not read: its underlay route is not known` }, net.name, null);
    }
    if (port === null) w0.missing(`the UDP port of ${vx?.name ?? 'vxlan0'} in ${ov.namespace}`, 'the kernel did not report it', 'Docker’s default 4789');
    const under = lookupRoute(hostA, remote.underlay);
    const local = under.kind === 'route' ? sourceAddress(hostA, under, remote.underlay) : null;
    const outer: Packet = { ...packet0, inInterface: '', outInterface: '', mark: 0, ipvs: null, physIn: null, physOut: null, srcMac: null, ctState: 'NEW', proto: 'udp', src: local ?? '0.0.0.0', origSrc: local ?? '0.0.0.0', dst: remote.underlay, origDst: remote.underlay, dport: port ?? 4789, origDport: port ?? 4789, sport: null, icmpType: null };
    w0.hop(simpleHop(brLabel, vx?.name ?? 'vxlan0', 'link', `${vx?.name ?? 'vxlan0'} encapsulates: VXLAN VNI ${vni ?? '?'}, outer UDP ${local ?? '?'} → ${remote.underlay}:${port ?? 4789}; it is sent from the host's own stack (the device's underlay is the host namespace)`, outer));
    take(w0, fromHost);
    const wa = Walk.of(withoutOtherHosts(models, fromHost), 'ipv4');
    const leftA = sendFrom(wa, hostA, outer);
    const farHost = models.findIndex((t, i) => i !== fromHost && (t.host?.interfaces ?? []).some((x) => x.addressDetails.some((d) => d.address === remote.underlay)));
    // where the far host is read, what lies beyond the sending host is walked, not assumed
    take(wa, fromHost, farHost < 0);
    const outerInfo = { src: outer.src, dst: outer.dst, dport: outer.dport!, vni, dev: under.kind === 'route' ? under.dev : '' };
    if (leftA.verdict === 'delivered' && farHost < 0) {
      const there = leftA.outside ? `left ${hostName(fromHost)} by ${leftA.outside.ingress}` : `reached ${leftA.arrivedIn?.label ?? '?'}`;
      assumptions.push(`${remote.underlay} is no host read here: what it does with the VXLAN packet is not walked`);
      return end({ verdict: 'uncertain', decidedBy: `the VXLAN packet ${there} toward ${remote.underlay}, a host not read` }, net.name, null, outerInfo);
    }
    if (leftA.verdict !== 'delivered' || !leftA.outside) {
      // (it cannot arrive in a namespace here: the other hosts' namespaces were taken out of this walk)
      return end({ verdict: leftA.verdict === 'delivered' ? 'uncertain' : leftA.verdict, decidedBy: `the VXLAN packet on ${hostName(fromHost)}: ${leftA.decidedBy}` }, net.name, null, outerInfo);
    }

    // 4. the far host: which one owns the underlay address, its PREROUTING and INPUT, the VXLAN socket
    const far = farHost;
    const b = models[far]!;
    const inIf = (b.host?.interfaces ?? []).find((x) => x.addressDetails.some((d) => d.address === remote.underlay))!.name;
    const wb = Walk.of(b, 'ipv4');
    wb.hop(simpleHop('host', inIf, 'link', `the VXLAN packet from ${outer.src} arrives on ${inIf} (${remote.underlay})`, outer));
    const atB = hostPrerouting(wb, { ...outer, inInterface: inIf });
    take(wb, far);
    if (atB.verdict !== 'delivered' || atB.outside) {
      return end({ verdict: atB.verdict === 'delivered' ? 'uncertain' : atB.verdict, decidedBy: `the VXLAN packet on ${hostName(far)}: ${atB.decidedBy}` }, net.name, null, outerInfo);
    }

    // 5. decapsulation into the far overlay namespace, its bridge, the destination
    const farNet = b.networks.find((n) => n.id === net.id);
    const farOv = farNet?.overlay;
    const wd = Walk.of(b, 'ipv4', reverseOf);
    if (!farNet || !farOv?.namespacePresent) {
      wd.hop(simpleHop('host', null, 'drop', `${hostName(far)} has no namespace of overlay ${net.name} (VNI ${vni ?? '?'}): the kernel has no VXLAN device for that VNI and drops the packet`, outer));
      take(wd, far);
      return end({ verdict: farOv?.namespacePresent === null ? 'uncertain' : 'dropped', decidedBy: `no VXLAN device for VNI ${vni ?? '?'} on ${hostName(far)}` }, net.name, null, outerInfo);
    }
    const farVni = farOv.vxlan?.vni ?? farOv.engineVni;
    if (vni !== null && farVni !== null && farVni !== vni) {
      wd.hop(simpleHop(`overlay ${farOv.namespace}`, farOv.vxlan?.name ?? null, 'drop', `its VXLAN device has VNI ${farVni}, not ${vni}: the packet is not for it`, outer));
      take(wd, far);
      return end({ verdict: 'dropped', decidedBy: `VNI ${vni} has no device on ${hostName(far)}` }, net.name, null, outerInfo);
    }
    wd.hop(simpleHop(`overlay ${farOv.namespace}`, farOv.vxlan?.name ?? 'vxlan0', 'link', `${farOv.vxlan?.name ?? 'vxlan0'} (VNI ${farVni ?? '?'}) decapsulates: the inner frame ${packet.src} → ${to} enters ${farOv.bridge ?? 'the bridge'}`, packet));
    if (!dest || dest.host !== far) {
      wd.hop(simpleHop(`overlay ${farOv.namespace}`, farOv.bridge, 'drop', `no port of ${farOv.bridge ?? 'the bridge'} leads to ${to} on ${hostName(far)}`, packet));
      take(wd, far);
      return end({ verdict: 'dropped', decidedBy: `${to} is not on ${hostName(far)}, though ${hostName(fromHost)}'s forwarding entry puts it there` }, net.name, null, outerInfo);
    }
    const d = dest.found;
    wd.hop(simpleHop(`overlay ${farOv.namespace}`, farOv.bridge, 'bridge', `${farOv.bridge ?? 'the bridge'} forwards to port ${d.ep.overlayPeer?.interface ?? '?'}, veth to ${d.c.name}'s ${d.ep.containerInterface ?? '?'}`, packet));
    const ending = arrive(wd, containerNamespace(b, d.c, 'ipv4'), { ...packet, inInterface: d.ep.containerInterface ?? '' }, d.ep.containerInterface);
    take(wd, far);
    return end(ending, net.name, ending.verdict === 'delivered' ? far : null, outerInfo);

  };

  /**
   * A request to a published port of another host read here (the routing mesh): the sender's way out
   * of its host, that host's DOCKER-INGRESS DNAT, its ingress sandbox and IPVS (meshStep.ts), and on
   * through the ingress overlay to the task IPVS chose, on whichever host it runs.
   */
  const meshLeg = (fromHost: number, c: ContainerNode, to: string, far: number, shape: (src: string) => Packet): LegEnd => {
    const a = models[fromHost]!;
    const srcNs = containerNamespace(a, c, 'ipv4');
    const wa = Walk.of(withoutOtherHosts(models, fromHost), 'ipv4');
    const choice = lookupRoute(srcNs, to);
    const src = choice.kind === 'route' ? (sourceAddress(srcNs, choice, to) ?? '0.0.0.0') : '0.0.0.0';
    const left = sendFrom(wa, srcNs, shape(src));
    take(wa, fromHost, false);
    if (left.verdict !== 'delivered' || !left.outside || !left.packet) {
      return end({ verdict: left.verdict === 'delivered' ? 'uncertain' : left.verdict, decidedBy: `on ${hostName(fromHost)}: ${left.decidedBy}` }, null, null);
    }
    const b = models[far]!;
    const inIf = (b.host?.interfaces ?? []).find((x) => x.addressDetails.some((d) => d.address === to))!.name;
    const wb = Walk.of(b, 'ipv4');
    const p: Packet = { ...left.packet, inInterface: inIf, outInterface: '', physIn: null, physOut: null, srcMac: null };
    wb.hop(simpleHop('host', inIf, 'link', `the packet from ${p.src} arrives on ${inIf} (${to})`, p));
    const atB = hostPrerouting(wb, p);
    take(wb, far);
    if (!atB.overlay) return end(atB, null, atB.verdict === 'delivered' ? far : null);
    const net = b.networks.find((n) => n.id === atB.overlay!.networkId);
    if (!net?.overlay) return end({ verdict: 'uncertain', decidedBy: `the ingress overlay of ${hostName(far)} is not in the model` }, null, null);
    return overBridge(far, net, atB.overlay.packet, atB.overlay.to, Walk.of(b, 'ipv4'), null);
  };

  const meshTo = models.findIndex((t, i) => i !== request.fromHost && request.proto !== 'icmp' && (t.host?.interfaces ?? []).some((x) => x.addressDetails.some((d) => d.address === request.to)));
  const shapeForward = (src: string): Packet => ({
    family: 'ipv4', inInterface: '', outInterface: '', src, dst: request.to, proto: request.proto, sport: null, dport: request.proto === 'icmp' ? null : (request.port ?? null),
    icmpType: request.proto === 'icmp' ? ICMP_ECHO : null, ctState: 'NEW', origDst: request.to, origDport: request.port ?? null, origSrc: src, mark: 0, physIn: null, physOut: null, srcMac: null,
  });
  if (meshTo >= 0) {
    const forward = meshLeg(request.fromHost, c, request.to, meshTo, shapeForward);
    if (forward.verdict === 'delivered') {
      assumptions.push(`the reply's way back (IPVS un-NATs it in ${hostName(meshTo)}'s ingress sandbox, conntrack un-DNATs it on ${hostName(meshTo)}) is not walked`);
    }
    return finish(forward);
  }
  const forward = leg(request.fromHost, c, request.to, (src) => ({
    family: 'ipv4', inInterface: '', outInterface: '', src, dst: request.to, proto: request.proto, sport: null, dport: request.proto === 'icmp' ? null : (request.port ?? null),
    icmpType: request.proto === 'icmp' ? ICMP_ECHO : null, ctState: 'NEW', origDst: request.to, origDport: request.port ?? null, origSrc: src, mark: 0, physIn: null, physOut: null, srcMac: null,
  }), null);
  let verdict = forward.verdict;
  let decidedBy = forward.decidedBy;
  if (forward.verdict === 'delivered' && forward.arrived && forward.toHost !== null) {
    // the answer's way back: the same kinds of step from the other end, conntrack ESTABLISHED in the containers
    const first = forward.arrived.packet;
    sink = replyHops;
    const back = leg(forward.toHost, forward.arrived.container, first.src, (src) => ({
      ...first, inInterface: '', outInterface: '', src, dst: first.src, sport: first.dport, dport: first.sport, icmpType: first.proto === 'icmp' ? ICMP_ECHO_REPLY : null,
      ctState: 'ESTABLISHED', origSrc: first.dst, origDst: first.src, origDport: first.sport, physIn: null, physOut: null, srcMac: null,
    }), { origSrc: first.src, origDst: first.dst, origDport: first.dport });
    if (back.verdict !== 'delivered') {
      if (request.proto === 'udp') assumptions.push(`the reply would not come back (${back.decidedBy}); a one-way UDP datagram still arrives`);
      else {
        verdict = back.verdict;
        decidedBy = `reply: ${back.decidedBy}`;
      }
    }
  }
  return finish(forward, verdict, decidedBy);

  function finish(forward: LegEnd, v: Ending['verdict'] = forward.verdict, why: string = forward.decidedBy): OverlayTraceResult {
    let verdict = v;
    let decidedBy = why;
    if (missing.length > 0) {
      const m = missing[0]!;
      decidedBy = `not known: ${m.fact} (${m.why}); if ${m.assumed}, the packet would be ${verdict}: ${decidedBy}`;
      verdict = 'uncertain';
    }
    const numbered = (list: readonly HopDraft[], from: number): TraceHop[] => list.map((h, i) => ({ ...h, step: from + i, packet: view(h.packet) }));
    return {
      request, family: 'ipv4', verdict, decidedBy, hops: numbered(hops, 1), assumptions, missing, network: forward.network, toHost: forward.toHost,
      ...(forward.outer ? { outer: forward.outer } : {}),
      ...(replyHops.length ? { reply: numbered(replyHops, hops.length + 1) } : {}),
    };
  }
}

/**
 * The sending host's model without the named namespaces that are other hosts read here (hosts in
 * namespaces of one machine see each other's in /run/netns): its walk ends where the packet leaves
 * it, and the far host is walked with its own model, its own rules and sockets.
 */
function withoutOtherHosts(models: readonly Topology[], i: number): Topology {
  const t = models[i]!;
  if (!t.host) return t;
  const others = new Set(models.flatMap((m, j) => (j === i ? [] : (m.host?.interfaces ?? []).flatMap((x) => x.addressDetails.map((d) => d.address)))));
  const isOther = (ns: NamedNetns): boolean =>
    ns.interfaces.known && ns.interfaces.value.some((x) => x.addresses.some((ad) => others.has(ad.address)));
  const namedNetns = t.host.namedNetns.filter((ns) => !isOther(ns));
  if (namedNetns.length === t.host.namedNetns.length) return t;
  const gone = new Set(t.host.namedNetns.filter(isOther).map((ns) => ns.name));
  return { ...t, host: { ...t.host, namedNetns, interfaces: t.host.interfaces.map((x) => (x.peerNetns && gone.has(x.peerNetns) ? { ...x, peerNetns: null } : x)) } };
}
