/**
 * Walks one packet hop by hop in the kernel's order: the source namespace's route, the veth to the
 * host, the bridge (with br_netfilter), the host's hooks and routing decision, the egress and the
 * destination namespace. Each function ends the walk (an Ending) or hands on to the next place.
 */
import { inCidr, isLocal } from '../netfilter/matchEval';
import type { Packet } from '../netfilter/packet';
import type { NetworkNode } from '../model/types';
import { containerNamespace, dockerNamespace, endpointAddress, namedNamespace, type Namespace, type NsInterface } from './namespaces';
import { taskNat, throughLoadBalancer } from './meshStep';
import { lookupRoute, isOwnAddress } from './routeLookup';
import { runHook } from './firewallStep';
import { deliverToHost } from './hostDelivery';
import { dualStackAssumption, findListener, listenerText, listenersFact, refusalText } from './listenerCheck';
import { simpleHop, type Ending, type Walk } from './walkContext';

/** A packet leaves `ns` (already addressed). */
export function sendFrom(walk: Walk, ns: Namespace, packet: Packet): Ending {
  if (ns.kind === 'host') return hostOutput(walk, packet);
  consult(walk, ns);
  const choice = lookupRoute(ns, packet.dst);
  if (choice.kind === 'local') {
    walk.hop(simpleHop(ns.label, 'lo', 'deliver', `${packet.dst} is an address of ${ns.label} itself: delivered over its loopback`, packet));
    return arrive(walk, ns, packet, 'lo');
  }
  if (choice.kind === 'none') {
    walk.hop(simpleHop(ns.label, null, 'route', `no route to ${packet.dst} in ${ns.label}: network unreachable`, packet));
    return { verdict: 'dropped', decidedBy: `route: ${ns.label} has no route to ${packet.dst} (network unreachable)` };
  }
  if (choice.kind === 'reject') {
    walk.hop(simpleHop(ns.label, null, 'route', `route ${choice.text} rejects the packet`, packet, { route: choice.text }));
    return { verdict: 'dropped', decidedBy: `route: ${ns.label} ${choice.text}` };
  }
  walk.hop(simpleHop(ns.label, choice.dev, 'route', `route ${choice.text}: leaves by ${choice.dev}${choice.route.gateway ? ` toward gateway ${choice.route.gateway}` : ''}`, packet, { route: choice.text }));
  const iface = ns.interfaces.find((i) => i.name === choice.dev);
  if (!iface) return { verdict: 'uncertain', decidedBy: `${ns.label}: interface ${choice.dev} of its route is not in the model` };
  return leaveNamespace(walk, ns, iface, packet, choice.nextHop);
}

function leaveNamespace(walk: Walk, ns: Namespace, iface: NsInterface, packet: Packet, nextHop: string): Ending {
  if (iface.kind === 'macvlan' || iface.kind === 'ipvlan') return leaveByMacvlan(walk, ns, iface, packet, nextHop);
  if (!iface.hostPeer) {
    walk.hop(simpleHop(ns.label, iface.name, 'link', `what is on the other end of ${iface.name} is not known`, packet));
    return { verdict: 'uncertain', decidedBy: `${ns.label} ${iface.name}: its peer is not in the model` };
  }
  const hostIf = walk.host?.interfaces.find((i) => i.name === iface.hostPeer);
  const bridge = iface.bridge ?? hostIf?.bridge ?? null;
  walk.hop(simpleHop(ns.label, iface.name, 'link', `veth ${iface.name} → host ${iface.hostPeer}${bridge ? ` (port of bridge ${bridge})` : ''}`, packet));
  if (bridge) return arriveOnBridge(walk, bridge, iface.hostPeer, packet, nextHop, iface.mac);
  const child = macvlanChildOn(walk, iface.hostPeer, nextHop);
  if (child) {
    // the macvlan driver's rx handler on the parent takes frames for its children's MACs before the host's IP stack
    walk.hop(simpleHop('host', iface.hostPeer, 'link', `${iface.hostPeer} is the parent of ${child.driver} network ${child.network}: the frame for ${nextHop} goes straight to ${child.ns.label} (layer 2, no host routing or netfilter)`, packet));
    return arrive(walk, child.ns, packet, null);
  }
  return hostPrerouting(walk, { ...packet, inInterface: iface.hostPeer, physIn: null, physOut: null });
}

/** macvlan: children reach each other and the parent's wire, never the parent host itself. */
function leaveByMacvlan(walk: Walk, ns: Namespace, iface: NsInterface, packet: Packet, nextHop: string): Ending {
  const hostOwns = walk.host && (isOwnAddress(walk.host, nextHop) || isOwnAddress(walk.host, packet.dst));
  if (hostOwns) {
    walk.hop(simpleHop(ns.label, iface.name, 'link', `${iface.kind} ${iface.name} on parent ${iface.hostPeer ?? '?'}: the kernel does not pass traffic between a ${iface.kind} child and its parent host`, packet));
    return { verdict: 'dropped', decidedBy: `${iface.kind}: ${ns.label} ${iface.name} cannot reach the host it runs on (child ↔ parent traffic is not delivered)` };
  }
  const peer = findContainerWithAddress(walk, nextHop, (n) => n.driver === iface.kind && n.parent === iface.hostPeer);
  if (peer) {
    walk.hop(simpleHop(ns.label, iface.name, 'link', `${iface.kind} ${iface.name}: delivered at layer 2 to ${peer.label} on the same parent ${iface.hostPeer ?? ''} (no host netfilter on the way)`, packet));
    return arrive(walk, peer, packet, null);
  }
  const wire = iface.hostPeer ? namespaceBehind(walk, iface.hostPeer) : null;
  if (wire && isOwnAddress(wire, nextHop)) {
    walk.hop(simpleHop(ns.label, iface.name, 'link', `${iface.kind} ${iface.name}: out on parent ${iface.hostPeer}'s wire to ${wire.label}`, packet));
    return arrive(walk, wire, packet, null);
  }
  walk.hop(simpleHop(ns.label, iface.name, 'link', `${iface.kind} ${iface.name}: leaves on parent ${iface.hostPeer ?? '?'}'s wire toward ${nextHop}; beyond the host is not modelled`, packet));
  walk.assume(`what lies on the wire of ${iface.hostPeer ?? 'the parent'} beyond the host is not modelled: the packet was taken as delivered there`);
  return { verdict: 'delivered', decidedBy: `${iface.kind} ${iface.name} sent it onto ${iface.hostPeer ?? 'its parent'}'s wire` };
}

/** The sysctl that sends bridged packets of the walk's family through netfilter, and the tool it names. */
function bridgeNfKey(walk: Walk): { key: string; tool: string } {
  return walk.family === 'ipv6' ? { key: 'net.bridge.bridge-nf-call-ip6tables', tool: 'ip6tables' } : { key: 'net.bridge.bridge-nf-call-iptables', tool: 'iptables' };
}

/** net.bridge.bridge-nf-call-iptables (ip6tables for IPv6) as known, or null (recorded as missing only where it changes the outcome) */
function bridgeNf(walk: Walk): '1' | '0' | null {
  const h = walk.topo.host;
  const legacy = walk.family === 'ipv4' ? h?.bridgeNfCallIptables : null;
  const v = h?.sysctls[bridgeNfKey(walk).key] ?? (legacy === true ? '1' : legacy === false ? '0' : null);
  return v === null ? null : v.trim() === '1' ? '1' : '0';
}

function bridgeNfUnknown(walk: Walk): { fact: string; assumed: string } {
  const { key, tool } = bridgeNfKey(walk);
  return { fact: `sysctl ${key}`, assumed: `${key}=1 (br_netfilter loaded, as Docker requires): bridged traffic passes ${tool}` };
}

/** how the kernel finds a neighbour's link-layer address: ARP, or IPv6 neighbour discovery */
function resolves(walk: Walk): string {
  return walk.family === 'ipv6' ? 'neighbour discovery' : 'ARP';
}

/** The namespace on the other end of a host veth (a named netns or a container), if the model has it. */
function namespaceBehind(walk: Walk, hostIfName: string): Namespace | null {
  const h = walk.topo.host?.interfaces.find((i) => i.name === hostIfName);
  if (h?.kind !== 'veth') return null;
  if (h.peerNetns) return namedNamespace(walk.topo, h.peerNetns, walk.family);
  const c = h.peerContainerId ? walk.topo.containers.find((x) => x.id === h.peerContainerId) : undefined;
  return c ? containerNamespace(walk.topo, c, walk.family) : null;
}

/** A macvlan/ipvlan child with `ip` on networks whose parent is `parent`. */
function macvlanChildOn(walk: Walk, parent: string, ip: string): { ns: Namespace; network: string; driver: string } | null {
  for (const n of walk.topo.networks) {
    if ((n.driver !== 'macvlan' && n.driver !== 'ipvlan') || n.parent !== parent) continue;
    const ep = n.endpoints.find((e) => endpointAddress(e, walk.family) === ip);
    const c = ep && walk.topo.containers.find((x) => x.id === ep.containerId);
    if (c) return { ns: containerNamespace(walk.topo, c, walk.family), network: n.name, driver: n.driver };
  }
  return null;
}

/** The walk reads `ns`'s interfaces and routes: what the model lacks of them is missing for this trace. */
function consult(walk: Walk, ns: Namespace): void {
  for (const m of ns.missing) walk.missing(m.fact, m.why, m.assumed);
}

/** The host's address on a Docker bridge: on the bridge interface, or the network's gateway when host facts are missing. */
function isBridgeGateway(walk: Walk, bridge: string, ip: string): boolean {
  if (walk.host?.interfaces.some((i) => i.name === bridge && i.addresses.some((a) => a.address === ip))) return true;
  return walk.topo.networks.some((n) => n.bridge === bridge && (n.gateways.includes(ip) || n.endpoints.some((e) => e.gateway === ip)));
}

function arriveOnBridge(walk: Walk, bridge: string, inPort: string, packet: Packet, nextHop: string, srcMac: string | null): Ending {
  const host = walk.host;
  if (isBridgeGateway(walk, bridge, nextHop) || (host && isOwnAddress(host, nextHop) && !findPortWithAddress(walk, bridge, nextHop))) {
    walk.hop(simpleHop('host', bridge, 'bridge', `bridge ${bridge}: ${nextHop} is the host's own address, so the frame goes up to the host's IP stack`, packet));
    return hostPrerouting(walk, { ...packet, inInterface: bridge, physIn: inPort, physOut: null, srcMac });
  }
  const port = findPortWithAddress(walk, bridge, nextHop);
  if (!port) {
    walk.hop(simpleHop('host', bridge, 'bridge', `bridge ${bridge}: no port answers ${resolves(walk)} for ${nextHop}`, packet));
    return { verdict: 'dropped', decidedBy: `bridge ${bridge}: nothing on it has ${nextHop} (host unreachable)` };
  }
  walk.hop(simpleHop('host', bridge, 'bridge', `bridge ${bridge}: layer-2 forward from ${inPort} to ${port.port} (${port.ns.label})`, packet));
  let p: Packet = { ...packet, inInterface: bridge, outInterface: bridge, physIn: inPort, physOut: port.port, srcMac };
  const nf = bridgeNf(walk);
  const nfKey = bridgeNfKey(walk);
  if (nf !== '0') {
    const state = nf === '1' ? '=1' : ' is not known, taken as 1';
    walk.hop(simpleHop('host', bridge, 'sysctl', `${nfKey.key}${state}: this bridged packet passes the ${nfKey.tool} PREROUTING, FORWARD and POSTROUTING hooks`, p, { sysctl: nfKey.key }));
    // unknown, the sysctl matters only where the hooks change something: with it off they would not run
    const nfMatters = () => {
      const u = bridgeNfUnknown(walk);
      if (nf === null) walk.missing(u.fact, walk.topo.host?.unknown?.sysctls ?? 'the host shell did not report it', u.assumed);
    };
    for (const hook of ['prerouting', 'forward', 'postrouting'] as const) {
      const s = runHook(walk, hook, { ...p, outInterface: hook === 'prerouting' ? '' : bridge }, bridge);
      if (!s.ok) {
        nfMatters();
        return s.ending;
      }
      if (s.packet.dst !== p.dst || s.packet.src !== p.src) nfMatters();
      p = { ...s.packet, outInterface: bridge };
      if (hook === 'prerouting' && p.dst !== packet.dst) {
        // DNAT on a bridged packet turns it into a routed one
        return routeInHost(walk, { ...p, physOut: null });
      }
    }
  } else {
    walk.hop(simpleHop('host', bridge, 'sysctl', `${nfKey.key}=0: bridged traffic does not pass ${nfKey.tool}`, p, { sysctl: nfKey.key }));
  }
  walk.hop(simpleHop('host', port.port, 'link', `out of ${port.port} into ${port.ns.label}`, p));
  return arrive(walk, port.ns, p, port.nsIface);
}

interface BridgePort {
  port: string;
  ns: Namespace;
  nsIface: string | null;
}

function findPortWithAddress(walk: Walk, bridge: string, ip: string): BridgePort | null {
  for (const n of walk.topo.networks) {
    if (n.bridge !== bridge) continue;
    const ep = n.endpoints.find((e) => endpointAddress(e, walk.family) === ip);
    if (!ep) continue;
    const c = walk.topo.containers.find((x) => x.id === ep.containerId);
    if (!c) continue;
    return { port: ep.hostVeth ?? `veth of ${c.name}`, ns: containerNamespace(walk.topo, c, walk.family), nsIface: ep.containerInterface };
  }
  for (const h of walk.topo.host?.interfaces ?? []) {
    // one of Docker's own namespaces (docker_gwbridge's port to ingress_sbox)
    if (h.master !== bridge || !h.peerDockerNetns) continue;
    const ns = dockerNamespace(walk.topo, h.peerDockerNetns, walk.family);
    const nsIf = ns?.interfaces.find((i) => i.hostPeer === h.name && i.addresses.some((a) => a.address === ip));
    if (ns && nsIf) return { port: h.name, ns, nsIface: nsIf.name };
  }
  for (const h of walk.topo.host?.interfaces ?? []) {
    if (h.master !== bridge || !h.peerNetns) continue;
    const ns = namedNamespace(walk.topo, h.peerNetns, walk.family);
    const nsIf = ns?.interfaces.find((i) => i.hostPeer === h.name && i.addresses.some((a) => a.address === ip));
    if (ns && nsIf) return { port: h.name, ns, nsIface: nsIf.name };
  }
  return null;
}

function findContainerWithAddress(walk: Walk, ip: string, where: (n: NetworkNode) => boolean): Namespace | null {
  for (const n of walk.topo.networks) {
    if (!where(n)) continue;
    const ep = n.endpoints.find((e) => endpointAddress(e, walk.family) === ip);
    const c = ep && walk.topo.containers.find((x) => x.id === ep.containerId);
    if (c) return containerNamespace(walk.topo, c, walk.family);
  }
  return null;
}

/** A packet arriving at the host from outside its own stack: PREROUTING, then the routing decision. */
export function hostPrerouting(walk: Walk, packet: Packet): Ending {
  // a reply is un-NATed inside the hook, at NAT's own priority (after raw and mangle): see reverseNat
  const s = runHook(walk, 'prerouting', packet, packet.inInterface);
  if (!s.ok) return s.ending;
  return routeInHost(walk, s.packet);
}

/** The routing decision: local delivery (INPUT) or forwarding (ip_forward, FORWARD, POSTROUTING). */
function routeInHost(walk: Walk, packet: Packet): Ending {
  const host = walk.host;
  if (!host) return { verdict: 'uncertain', decidedBy: 'the host namespace is not in the model' };
  consult(walk, host);
  if (isLocal(packet.dst, walk.evalCtx) || isOwnAddress(host, packet.dst)) {
    walk.hop(simpleHop('host', packet.inInterface, 'routing', `routing decision: ${packet.dst} is a local address of the host → INPUT`, packet));
    const s = runHook(walk, 'input', { ...packet, outInterface: '' }, packet.inInterface);
    if (!s.ok) return s.ending;
    return deliverToHost(walk, s.packet);
  }
  const choice = lookupRoute(host, packet.dst);
  if (choice.kind === 'none' || choice.kind === 'reject') {
    walk.hop(simpleHop('host', packet.inInterface, 'routing', `routing decision: no route to ${packet.dst} on the host`, packet));
    return { verdict: 'dropped', decidedBy: `route: the host has no route to ${packet.dst} (network unreachable)` };
  }
  if (choice.kind === 'local') return deliverToHost(walk, packet);
  // IPv6 forwarding is one switch for the whole namespace (ip6_forward reads conf/all)
  const fwdKey = walk.family === 'ipv6' ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward';
  const fwd = walk.sysctl(fwdKey, `${fwdKey}=1: the host forwards`);
  if (fwd !== null && fwd.trim() !== '1') {
    walk.hop(simpleHop('host', packet.inInterface, 'sysctl', `routing decision: ${packet.dst} must be forwarded (route ${choice.text}), but ${fwdKey}=0`, packet, { sysctl: fwdKey }));
    return { verdict: 'dropped', decidedBy: `sysctl ${fwdKey}=0: the host does not forward ${walk.family === 'ipv6' ? 'IPv6 ' : ''}packets` };
  }
  walk.hop(simpleHop('host', packet.inInterface, 'routing', `routing decision: forward via route ${choice.text}`, packet, { route: choice.text }));
  const f = runHook(walk, 'forward', { ...packet, outInterface: choice.dev }, packet.inInterface);
  if (!f.ok) return f.ending;
  return hostPostrouting(walk, { ...f.packet, outInterface: choice.dev }, choice.nextHop);
}

function hostPostrouting(walk: Walk, packet: Packet, nextHop: string): Ending {
  // a reply's source is un-NATed inside the hook, at NAT's priority 100: see reverseNat
  const s = runHook(walk, 'postrouting', packet, packet.outInterface);
  if (!s.ok) return s.ending;
  return egressHost(walk, s.packet, nextHop);
}

/** Leaving the host by `packet.outInterface` toward `nextHop`. */
function egressHost(walk: Walk, packet: Packet, nextHop: string): Ending {
  const out = packet.outInterface;
  const hostIf = walk.topo.host?.interfaces.find((i) => i.name === out);
  if (hostIf?.kind === 'bridge') {
    const port = findPortWithAddress(walk, out, nextHop);
    if (!port) {
      walk.hop(simpleHop('host', out, 'bridge', `bridge ${out}: no port answers ${resolves(walk)} for ${nextHop}`, packet));
      return { verdict: 'dropped', decidedBy: `bridge ${out}: nothing on it has ${nextHop} (host unreachable)` };
    }
    walk.hop(simpleHop('host', out, 'bridge', `bridge ${out} → port ${port.port} → ${port.ns.label}`, packet));
    return arrive(walk, port.ns, packet, port.nsIface);
  }
  const macvlanNet = walk.topo.networks.find((n) => (n.driver === 'macvlan' || n.driver === 'ipvlan') && n.parent === out && n.subnets.some((s) => inCidr(nextHop, s) === true));
  if (macvlanNet) {
    walk.hop(simpleHop('host', out, 'link', `${out} is the parent of ${macvlanNet.driver} network ${macvlanNet.name}: the kernel does not pass traffic from a parent to its ${macvlanNet.driver} children`, packet));
    return { verdict: 'dropped', decidedBy: `${macvlanNet.driver}: the host cannot reach children of its parent interface ${out} (network ${macvlanNet.name})` };
  }
  const behind = namespaceBehind(walk, out);
  if (behind) {
    walk.hop(simpleHop('host', out, 'link', `veth ${out} → ${behind.label}`, packet));
    return arrive(walk, behind, packet, null);
  }
  walk.hop(simpleHop('host', out, 'link', `leaves the host by ${out} toward ${nextHop}`, packet));
  walk.assume(`beyond the host's ${out} netlens does not model the network: the peer was taken to receive the packet and to answer`);
  return { verdict: 'delivered', decidedBy: `left the host by ${out} toward ${nextHop}`, packet, outside: { ingress: out } };
}

/** The packet is inside `ns`: delivered if the address is its own. */
export function arrive(walk: Walk, ns: Namespace, packet: Packet, iface: string | null): Ending {
  if (ns.kind === 'host') return routeInHost(walk, packet);
  consult(walk, ns);
  if (!isOwnAddress(ns, packet.dst)) {
    walk.hop(simpleHop(ns.label, iface, 'note', `${packet.dst} is not an address of ${ns.label}; it would route it further, which netlens does not follow`, packet));
    return { verdict: 'uncertain', decidedBy: `${ns.label} is not ${packet.dst}; forwarding inside other namespaces is not modelled` };
  }
  if (ns.dockerNetns && !walk.reverseOf) {
    const balanced = throughLoadBalancer(walk, ns, packet, iface, arrive);
    if (balanced) return balanced;
  }
  if (packet.ipvs && !walk.reverseOf) {
    // a task reached through the mesh: its own REDIRECT first
    const n = taskNat(walk, ns, packet, iface);
    if (!n.ok) return n.ending;
    packet = n.packet;
  }
  if (walk.reverseOf || packet.proto === 'icmp') {
    const how = walk.reverseOf ? 'the reply reaches the sender' : 'the kernel answers echo requests itself';
    walk.hop(simpleHop(ns.label, iface, 'deliver', `delivered to ${packet.dst} in ${ns.label} (${how})`, packet));
    return { verdict: 'delivered', decidedBy: `arrived at ${packet.dst} in ${ns.label}`, arrivedIn: ns, packet };
  }
  const found = findListener(ns.listeners, packet);
  if (found.kind === 'none') {
    const refused = refusalText(packet.proto, packet.dport, ns.label);
    walk.hop(simpleHop(ns.label, iface, 'drop', refused.hop, packet));
    return { verdict: 'dropped', decidedBy: refused.decidedBy };
  }
  if (found.kind === 'unknown') {
    walk.hop(simpleHop(ns.label, iface, 'deliver', `delivered to ${packet.dst} in ${ns.label} (whether a process listens on ${packet.proto}/${packet.dport} there is not known: ${found.why})`, packet));
    walk.missing(listenersFact(ns), found.why, `a process listens on ${packet.proto}/${packet.dport}`);
  } else {
    walk.hop(simpleHop(ns.label, iface, 'deliver', `delivered to ${packet.dst} in ${ns.label}, where ${listenerText(found.listener)} listens`, packet));
    if (found.dualStackAssumed) walk.assume(dualStackAssumption(found.listener, ns.label));
  }
  return { verdict: 'delivered', decidedBy: `arrived at ${packet.dst} in ${ns.label}`, arrivedIn: ns, packet };
}

/** Traffic the host itself sends: route, OUTPUT (nat may rewrite and re-route), POSTROUTING, then loopback or egress. */
export function hostOutput(walk: Walk, packet: Packet): Ending {
  const host = walk.host;
  if (!host) return { verdict: 'uncertain', decidedBy: 'the host namespace is not in the model' };
  consult(walk, host);
  const local = isLocal(packet.dst, walk.evalCtx) || isOwnAddress(host, packet.dst);
  let dev = 'lo';
  let nextHop = packet.dst;
  if (!local) {
    const choice = lookupRoute(host, packet.dst);
    if (choice.kind !== 'route') {
      walk.hop(simpleHop('host', null, 'route', `no route to ${packet.dst} on the host: network unreachable`, packet));
      return { verdict: 'dropped', decidedBy: `route: the host has no route to ${packet.dst} (network unreachable)` };
    }
    dev = choice.dev;
    nextHop = choice.nextHop;
    walk.hop(simpleHop('host', dev, 'route', `route ${choice.text}`, packet, { route: choice.text }));
  } else {
    walk.hop(simpleHop('host', 'lo', 'route', `${packet.dst} is local: sent over loopback`, packet));
  }
  const s = runHook(walk, 'output', { ...packet, inInterface: '', outInterface: dev }, dev);
  if (!s.ok) return s.ending;
  let p = s.packet;
  if (p.dst !== packet.dst) {
    // DNAT in OUTPUT: the kernel routes again with the new destination
    const again = lookupRoute(host, p.dst);
    if (again.kind === 'route') {
      dev = again.dev;
      nextHop = again.nextHop;
      walk.hop(simpleHop('host', dev, 'route', `re-routed after DNAT: route ${again.text}`, p, { route: again.text }));
      if (inCidr(p.src, '127.0.0.0/8') === true) {
        const rl = walk.topo.host?.sysctls[`net.ipv4.conf.${dev}.route_localnet`] ?? walk.sysctl('net.ipv4.conf.all.route_localnet', `route_localnet=1 on ${dev} (Docker sets it when it DNATs loopback traffic)`);
        if (rl !== null && rl.trim() !== '1') {
          walk.hop(simpleHop('host', dev, 'sysctl', `source ${p.src} is a loopback address and net.ipv4.conf.${dev}.route_localnet=0: the kernel drops it as a martian`, p, { sysctl: `net.ipv4.conf.${dev}.route_localnet` }));
          return { verdict: 'dropped', decidedBy: `sysctl net.ipv4.conf.${dev}.route_localnet=0: loopback-sourced packets may not leave by ${dev}` };
        }
      }
    } else if (again.kind !== 'local') {
      return { verdict: 'dropped', decidedBy: `route: the host has no route to ${p.dst} after DNAT` };
    } else dev = 'lo';
  }
  const post = runHook(walk, 'postrouting', { ...p, outInterface: dev }, dev);
  if (!post.ok) return post.ending;
  p = post.packet;
  if (dev === 'lo' || isOwnAddress(host, p.dst)) {
    // looped back: PREROUTING (without nat, already decided) and INPUT
    const pre = runHook(walk, 'prerouting', { ...p, inInterface: 'lo', outInterface: '' }, 'lo', { skipNat: true });
    if (!pre.ok) return pre.ending;
    const inp = runHook(walk, 'input', { ...pre.packet, inInterface: 'lo', outInterface: '' }, 'lo', { skipNat: true });
    if (!inp.ok) return inp.ending;
    return deliverToHost(walk, inp.packet);
  }
  return egressHost(walk, { ...p, outInterface: dev }, nextHop);
}
