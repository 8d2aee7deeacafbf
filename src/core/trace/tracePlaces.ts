/**
 * Where a trace happened, as model subjects (src/protocol/subject.ts): each hop's namespace and
 * interface turned into the container, endpoint, network, host interface or named netns they are,
 * and the hop that decided the verdict. The topology draws its items under these subjects' keys, so
 * the front ends light a trace's path and mark its decider without reading the trace's wording.
 * An interface name is looked up only in its hop's namespace: every container has an `eth0`, so
 * may the host. Pure.
 */
import { subjects, type Subject } from '../../protocol/subject';
import type { Topology } from '../model/types';
import type { TraceHop, TraceResult } from './types';

/** One hop's place: its step and the subjects it happened at, the namespace's owner first. */
export interface HopPlace {
  readonly step: number;
  readonly subjects: readonly Subject[];
}

export interface TracePlaces {
  /** the forward hops, then the reply's, in walking order */
  readonly hops: readonly HopPlace[];
  /** the hop that decided the verdict and where it is (its interface, else its namespace's owner) */
  readonly decider: HopPlace | null;
}

type Namespace = { readonly kind: 'host' } | { readonly kind: 'container'; readonly name: string } | { readonly kind: 'netns'; readonly name: string } | { readonly kind: 'elsewhere' };

/** `host`, `container web1`, `netns RED` (the trace's spelling, src/core/trace/types.ts); `outside` is off the model. */
export function traceNamespace(namespace: string): Namespace {
  if (namespace === 'host') return { kind: 'host' };
  const m = /^(container|netns) (.+)$/.exec(namespace);
  if (m) return m[1] === 'container' ? { kind: 'container', name: m[2]! } : { kind: 'netns', name: m[2]! };
  return { kind: 'elsewhere' };
}

/** An interface of the host's own namespace: a Docker bridge or macvlan parent is its network, a veth its endpoint, else the interface. */
function hostInterfaceSubjects(topology: Topology, iface: string): Subject[] {
  const out: Subject[] = [];
  for (const n of topology.networks) {
    if (n.bridge === iface) out.push(subjects.network(n.id));
    else if (n.parent === iface && (n.driver === 'macvlan' || n.driver === 'ipvlan')) out.push(subjects.network(n.id));
    for (const e of n.endpoints) if (e.hostVeth === iface) out.push(subjects.endpoint(n.id, e.containerId));
  }
  return out.length > 0 ? out : [subjects.hostInterface(iface)];
}

function containerSubjects(topology: Topology, name: string, iface: string | null): Subject[] {
  const c = topology.containers.find((x) => x.name === name || x.name === name.replace(/^\//, '') || x.id === name);
  if (!c) return [];
  const out: Subject[] = [subjects.container(c.id)];
  if (iface === null) return out;
  // a host-network container's interfaces are the host's
  if (c.networkMode === 'host') return [...out, ...hostInterfaceSubjects(topology, iface)];
  const mac = c.interfaces.find((i) => i.name === iface)?.mac ?? null;
  for (const n of topology.networks) {
    const e = n.endpoints.find((x) => x.containerId === c.id && (x.containerInterface === iface || (x.containerInterface === null && mac !== null && x.mac === mac)));
    if (e) out.push(subjects.endpoint(n.id, c.id));
  }
  return out;
}

/** A named netns and, for an interface of it, the host-side peer of that interface (a veth's other end). */
function netnsSubjects(topology: Topology, name: string, iface: string | null): Subject[] {
  const ns = topology.host?.namedNetns.find((n) => n.name === name);
  if (!ns) return [];
  const out: Subject[] = [subjects.netns(name)];
  if (iface === null || !ns.interfaces.known) return out;
  const inner = ns.interfaces.value.find((i) => i.name === iface);
  const hostSide = inner ? topology.host?.interfaces.find((i) => i.peerNetns === name && i.index === inner.linkIndex) : undefined;
  if (hostSide) out.push(...hostInterfaceSubjects(topology, hostSide.name));
  return out;
}

/**
 * The publish whose DNAT rule this hop took: the same rule (table, chain, position) the model
 * joined to the publish. A hop at another rule names no publish.
 */
function publishOf(topology: Topology, hop: TraceHop): Subject[] {
  const r = hop.rule;
  if (!r || r.table !== 'nat') return [];
  return topology.publishes.filter((p) => p.dnatRule && p.dnatRule.table === r.table && p.dnatRule.chain === r.chain && p.dnatRule.index === r.index).map((p) => subjects.publish(p));
}

/** The subjects one hop happened at; none for a hop outside the model (`outside`) or at what it does not have. */
export function hopSubjects(topology: Topology, hop: Pick<TraceHop, 'namespace' | 'interface' | 'rule'>): Subject[] {
  const ns = traceNamespace(hop.namespace);
  switch (ns.kind) {
    case 'host':
      // a step of the host's own (a chain with no interface yet) is the host's
      return [...(hop.interface ? hostInterfaceSubjects(topology, hop.interface) : [subjects.host()]), ...publishOf(topology, hop as TraceHop)];
    case 'container':
      return containerSubjects(topology, ns.name, hop.interface);
    case 'netns':
      return netnsSubjects(topology, ns.name, hop.interface);
    case 'elsewhere':
      return [];
  }
}

/**
 * The hop that decided the verdict: the reply's last hop when the reply decided (`reply: …`); for
 * an uncertain trace the first hop that could only go on by assuming (a rule netlens cannot
 * evaluate); else the forward path's last hop — the drop, or the delivery.
 */
export function decidingHop(result: TraceResult): TraceHop | null {
  const reply = result.reply ?? [];
  if (result.decidedBy.startsWith('reply:') && reply.length > 0) return reply[reply.length - 1]!;
  if (result.verdict === 'uncertain') {
    const assumed = [...result.hops, ...reply].find((h) => / UNCERTAIN /.test(h.what) || (h.matchedRules ?? []).some((m) => m.outcome === 'unknown'));
    if (assumed) return assumed;
  }
  return result.hops[result.hops.length - 1] ?? null;
}

export function tracePlaces(topology: Topology, result: TraceResult): TracePlaces {
  const hops = [...result.hops, ...(result.reply ?? [])].map((h) => ({ step: h.step, subjects: hopSubjects(topology, h) }));
  const d = decidingHop(result);
  return { hops, decider: d ? { step: d.step, subjects: hopSubjects(topology, d) } : null };
}
