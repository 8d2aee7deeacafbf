/**
 * The Swarm routing mesh's part of a walk (model/mesh.ts says what it is made of). A packet the
 * host's DOCKER-INGRESS DNAT sent to the ingress sandbox arrives there; in the sandbox's own
 * netfilter, mangle PREROUTING marks it by port; it is the sandbox's own address, so it goes to
 * INPUT, where IPVS (at LOCAL_IN) finds the service for that mark and NATs it to one of the real
 * servers — a task's address on the ingress overlay; IPVS sends it on by the sandbox's route, and
 * the sandbox's nat POSTROUTING SNATs IPVS' packets to the sandbox's own ingress address. Then it
 * leaves by the sandbox's veth into the ingress overlay: to a task on this node through the
 * overlay's bridge, or through the VXLAN tunnel to the node the task runs on (overlayTrace.ts walks
 * that, with both nodes read). In the task Docker's REDIRECT turns the published port into the
 * target port before a socket takes it (the container's own nat rules, read when a trace needs them).
 */
import { known } from '../known';
import { parseIptablesSave } from '../netfilter/iptablesSave';
import type { Packet } from '../netfilter/packet';
import type { Ruleset } from '../netfilter/types';
import { sandboxRules } from '../model/mesh';
import type { IpvsRealServer, IpvsService } from '../host/commands/ipvs';
import type { NetworkNode } from '../model/types';
import { containerNamespace, type Namespace } from './namespaces';
import { lookupRoute } from './routeLookup';
import { runHook } from './firewallStep';
import { simpleHop, Walk, type Ending } from './walkContext';

export type Arrive = (walk: Walk, ns: Namespace, packet: Packet, iface: string | null) => Ending;

/** Runs `f` on a walk of `ns` with `rules` as its firewall, sharing the hops, relabelled to `ns`. */
function insideNamespace<T>(walk: Walk, ns: Namespace, rules: Ruleset, f: (w: Walk) => T): T {
  const ctx = { localAddresses: known(ns.interfaces.flatMap((i) => i.addresses.map((a) => ({ address: a.address, iface: i.name })))) };
  const w = new Walk(walk.topo, ns, rules, ctx, walk.reverseOf, walk.family, walk);
  const from = walk.hops.length;
  const out = f(w);
  for (let i = from; i < walk.hops.length; i++) if (walk.hops[i]!.namespace === 'host') walk.hops[i] = { ...walk.hops[i]!, namespace: ns.label };
  return out;
}

function serviceFor(services: readonly IpvsService[], p: Packet): IpvsService | undefined {
  return (
    services.find((s) => s.kind === 'fwmark' && p.mark !== null && s.fwmark === p.mark) ??
    services.find((s) => s.kind === p.proto && s.address === p.dst && s.port === p.dport)
  );
}

function serviceText(s: IpvsService): string {
  const what = s.kind === 'fwmark' ? `FWM ${s.fwmark} (0x${(s.fwmark ?? 0).toString(16)})` : `${s.kind.toUpperCase()} ${s.address}:${s.port}`;
  return `IPVS service ${what}, scheduler ${s.scheduler}`;
}

/** The ingress network of this node whose mesh names this sandbox. */
function meshNetwork(walk: Walk, ns: Namespace): NetworkNode | undefined {
  return walk.topo.networks.find((n) => n.mesh?.sandbox === ns.dockerNetns);
}

function backendText(walk: Walk, net: NetworkNode | undefined, rs: IpvsRealServer): string {
  const b = net?.mesh?.ports.flatMap((p) => p.backends).find((x) => x.address === rs.address);
  if (b?.containerName) return `task ${b.containerName} on this node`;
  if (b?.remoteUnderlay) return `a task on the node at ${b.remoteUnderlay} (vxlan0's forwarding entry)`;
  return 'an address of the ingress overlay this node has no entry for';
}

/**
 * The packet has arrived in one of Docker's load-balancer namespaces at one of its own addresses.
 * Returns null where no IPVS service takes it (the socket lookup goes on as anywhere else).
 */
export function throughLoadBalancer(walk: Walk, ns: Namespace, packet: Packet, iface: string | null, arrive: Arrive): Ending | null {
  const entry = walk.topo.host?.dockerNetns?.find((n) => n.name === ns.dockerNetns);
  if (!entry?.ipvs) return null;
  if (!entry.ipvs.known) {
    walk.missing(`the IPVS table of ${ns.label}`, entry.ipvs.reason, 'no IPVS service takes the packet');
    return null;
  }
  if (!entry.ipvs.value.present) {
    walk.hop(simpleHop(ns.label, iface, 'note', `this kernel shows no IPVS here (no /proc/net/ip_vs): nothing balances the packet, the sockets of ${ns.label} are looked up`, packet));
    return null;
  }
  const rulesKnown = sandboxRules(entry, 'not read');
  if (!rulesKnown.known) {
    walk.missing(`the iptables rules of ${ns.label}`, rulesKnown.reason, 'they neither mark nor rewrite the packet');
  }
  const rules = rulesKnown.known ? rulesKnown.value : parseIptablesSave('', 'ipv4', 'none');
  const net = meshNetwork(walk, ns);
  const result = insideNamespace<Ending | null | { deferred: { net: NetworkNode | undefined; packet: Packet; dev: string } }>(walk, ns, rules, (w) => {
    const pre = runHook(w, 'prerouting', packet, iface);
    if (!pre.ok) return pre.ending;
    w.hop(simpleHop('host', iface, 'routing', `routing decision: ${pre.packet.dst} is a local address of ${ns.label} → INPUT`, pre.packet));
    const input = runHook(w, 'input', { ...pre.packet, outInterface: '' }, iface);
    if (!input.ok) return input.ending;
    const p = input.packet;
    const service = serviceFor(entry.ipvs!.known ? entry.ipvs!.value.services : [], p);
    if (!service) {
      w.hop(simpleHop('host', iface, 'note', `no IPVS service of ${ns.label} matches ${p.proto}/${p.dport}${p.mark !== null ? ` with mark ${p.mark}` : ''}: the kernel looks for a socket`, p));
      return null;
    }
    const servers = service.realServers.filter((s) => s.weight > 0);
    if (servers.length === 0) {
      w.hop(simpleHop('host', iface, 'drop', `${serviceText(service)} has no real server with weight above 0 (the service has no running task): IPVS drops the packet`, p));
      return { verdict: 'dropped', decidedBy: `${serviceText(service)} in ${ns.label} has no real server: the service has no running task` };
    }
    const chosen = servers[0]!;
    if (servers.length > 1) {
      w.assume(`${serviceText(service)} spreads new connections over ${servers.length} real servers (${servers.map((s) => s.address).join(', ')}); the walk follows the first, ${chosen.address}`);
    }
    if (chosen.forward !== 'Masq') {
      w.hop(simpleHop('host', iface, 'note', `${serviceText(service)} forwards to ${chosen.address} by ${chosen.forward}, which netlens does not walk (Docker's mesh uses Masq)`, p));
      return { verdict: 'uncertain', decidedBy: `IPVS forwarding method ${chosen.forward} is not modelled` };
    }
    const dport = chosen.port === 0 ? p.dport : chosen.port;
    const nat: Packet = { ...p, dst: chosen.address, dport, ipvs: { vaddr: p.dst, vport: p.dport, method: 'MASQ', dir: 'ORIGINAL' } };
    w.hop(simpleHop('host', iface, 'netfilter', `${serviceText(service)}: NAT (Masq) to real server ${chosen.address}${chosen.port ? `:${chosen.port}` : ''} — ${backendText(w, net, chosen)}${servers.length > 1 ? ` (one of ${servers.length})` : ''}`, nat, { hook: 'input' }));
    const choice = lookupRoute(ns, chosen.address);
    if (choice.kind !== 'route') {
      w.hop(simpleHop('host', null, 'route', `${ns.label} has no route to ${chosen.address}`, nat));
      return { verdict: 'dropped', decidedBy: `route: ${ns.label} has no route to real server ${chosen.address}` };
    }
    w.hop(simpleHop('host', choice.dev, 'route', `IPVS sends it by ${ns.label}'s route ${choice.text}`, nat, { route: choice.text }));
    const post = runHook(w, 'postrouting', { ...nat, outInterface: choice.dev, inInterface: '' }, choice.dev);
    if (!post.ok) return post.ending;
    // the walk goes on in the node's own terms (labels, rules) once the packet has left the sandbox
    return { deferred: { net, packet: post.packet, dev: choice.dev } };
  });
  if (result === null || !('deferred' in result)) return result;
  return leaveIntoOverlay(walk, ns, result.deferred.net, result.deferred.packet, result.deferred.dev, arrive);
}

/** Out of the sandbox by its veth into the ingress overlay: a task here, or the tunnel to another node. */
function leaveIntoOverlay(walk: Walk, ns: Namespace, net: NetworkNode | undefined, packet: Packet, dev: string, arrive: Arrive): Ending {
  const ov = net?.overlay;
  const port = ov?.ports.find((p) => p.peerNamespace === ns.dockerNetns && p.peerInterface === dev);
  if (!net || !ov || !port) {
    walk.hop(simpleHop(ns.label, dev, 'link', `${dev} leads into the ingress overlay, whose namespace on this node is not in the model`, packet));
    return { verdict: 'uncertain', decidedBy: `the ingress overlay's bridge on this node is not known` };
  }
  const brLabel = `overlay ${ov.namespace}`;
  walk.hop(simpleHop(ns.label, dev, 'link', `veth ${dev} → ${port.name} in overlay namespace ${ov.namespace} (port of bridge ${ov.bridge ?? '?'}) of network ${net.name}`, packet));
  const ep = net.endpoints.find((e) => e.ipv4 === packet.dst);
  const c = ep && walk.topo.containers.find((x) => x.id === ep.containerId);
  if (ep && c) {
    walk.hop(simpleHop(brLabel, ov.bridge, 'bridge', `${ov.bridge ?? 'the bridge'} forwards to port ${ep.overlayPeer?.interface ?? '?'}, the veth of task ${c.name} on this node (no tunnel)`, packet));
    return arrive(walk, containerNamespace(walk.topo, c, walk.family), { ...packet, inInterface: ep.containerInterface ?? '' }, ep.containerInterface);
  }
  return {
    verdict: 'uncertain',
    decidedBy: `IPVS sent it to ${packet.dst} through the ingress overlay's tunnel; the node it lives on is walked only when it is read too (trace with --docker-host for each node)`,
    packet,
    overlay: { networkId: net.id, to: packet.dst, packet },
  };
}

/**
 * A task reached through the mesh: the container's own nat PREROUTING (Docker's REDIRECT of the
 * published port to the target port) before its sockets are looked up.
 */
/** The missing fact a task's unread nat table is recorded as (readingListeners.ts reads it on it). */
export function natRulesFact(label: string): string {
  return `the nat rules of ${label}`;
}

export function taskNat(walk: Walk, ns: Namespace, packet: Packet, iface: string | null): { ok: true; packet: Packet } | { ok: false; ending: Ending } {
  const c = ns.container;
  if (!c || !packet.ipvs) return { ok: true, packet };
  const rules = c.natRules;
  if (!rules || !rules.known) {
    walk.missing(natRulesFact(ns.label), rules ? rules.reason : 'netlens reads a container’s own nat rules only when a trace reaches it through the routing mesh', 'none of them rewrites the port');
    return { ok: true, packet };
  }
  let rs: Ruleset;
  try {
    rs = parseIptablesSave(rules.value, 'ipv4', `iptables-save -t nat in ${ns.label}`);
  } catch (e) {
    walk.missing(natRulesFact(ns.label), (e as Error).message, 'none of them rewrites the port');
    return { ok: true, packet };
  }
  const outcome = insideNamespace(walk, ns, rs, (w) => runHook(w, 'prerouting', packet, iface));
  return outcome.ok ? { ok: true, packet: outcome.packet } : { ok: false, ending: outcome.ending };
}

