/**
 * A trace's hops → the drawn items to light up. Each hop names its namespace and an interface in
 * it, and the interface is looked up only there: a container's `eth0` is the container and the
 * veth edge into it, never the host NIC that happens to be called `eth0` too. Pure.
 */
import type { TopologyView } from '../src/protocol/topologyView';
import { topologyIds } from '../src/protocol/topologyIds';
import type { TraceStepLocation } from '../src/protocol/topologyProtocol';
import type { TopologyLayout } from './layout';

type Place = { readonly kind: 'host' } | { readonly kind: 'container'; readonly name: string } | { readonly kind: 'netns'; readonly name: string } | { readonly kind: 'elsewhere' };

/** `host`, `container web1`, `netns RED` (the trace's spelling); anything else is off the drawing. */
export function parseTraceNamespace(namespace: string): Place {
  if (namespace === 'host') return { kind: 'host' };
  const m = /^(container|netns) (.+)$/.exec(namespace);
  if (m) return m[1] === 'container' ? { kind: 'container', name: m[2]! } : { kind: 'netns', name: m[2]! };
  return { kind: 'elsewhere' };
}

/** The drawn items for one interface of the host's own namespace. */
function hostItems(topology: TopologyView, drawn: ReadonlySet<string>, iface: string): string[] {
  const out: string[] = [];
  for (const id of [topologyIds.hostInterface(iface), topologyIds.foreignBridge(iface), topologyIds.bridgePort(iface)]) if (drawn.has(id)) out.push(id);
  for (const n of topology.networks) {
    if (n.bridge === iface && drawn.has(topologyIds.network(n.id))) out.push(topologyIds.network(n.id));
    // a macvlan/ipvlan parent is drawn as its network's head
    if (n.parent === iface && (n.driver === 'macvlan' || n.driver === 'ipvlan') && drawn.has(topologyIds.network(n.id))) out.push(topologyIds.network(n.id));
    for (const e of n.endpoints) if (e.hostVeth === iface && drawn.has(topologyIds.endpoint(n.id, e.containerId))) out.push(topologyIds.endpoint(n.id, e.containerId));
  }
  return out;
}

/** The container and, for a named interface, the edge that carries it (veth or macvlan) and the veth's host end. */
function containerItems(topology: TopologyView, drawn: ReadonlySet<string>, name: string, iface: string | null): string[] {
  const c = topology.containers.find((x) => x.name === name || x.name === name.replace(/^\//, '') || x.id === name);
  if (!c) return [];
  const node = topologyIds.container(c.id);
  const out = drawn.has(node) ? [node] : [];
  if (iface === null) return out;
  // a host-network container's interfaces are the host's
  if (c.networkMode === 'host') return [...out, ...hostItems(topology, drawn, iface)];
  const mac = c.interfaces.find((i) => i.name === iface)?.mac ?? null;
  for (const n of topology.networks) {
    const e = n.endpoints.find((x) => x.containerId === c.id && (x.containerInterface === iface || (x.containerInterface === null && mac !== null && x.mac === mac)));
    if (!e) continue;
    const key = topologyIds.endpoint(n.id, c.id);
    for (const role of ['veth', 'macvlan']) if (drawn.has(topologyIds.edge(role, key))) out.push(topologyIds.edge(role, key));
    // the packet crosses the whole veth pair: its host end lights too, though the trace names the bridge next
    if (drawn.has(key)) out.push(key);
  }
  return out;
}

/** The netns and, for a named interface, the veth edge from its host-side peer and that peer. */
function netnsItems(topology: TopologyView, layout: TopologyLayout, drawn: ReadonlySet<string>, name: string, iface: string | null): string[] {
  const node = topologyIds.namedNetns(name);
  const out = drawn.has(node) ? [node] : [];
  const ns = topology.host?.namedNetns.find((n) => n.name === name);
  if (iface === null || !ns || !ns.interfaces.known) return out;
  const inner = ns.interfaces.value.find((i) => i.name === iface);
  const hostSide = inner ? topology.host?.interfaces.find((i) => i.peerNetns === name && i.index === inner.linkIndex) : undefined;
  if (!hostSide) return out;
  const port = topologyIds.bridgePort(hostSide.name);
  for (const e of layout.edges) if (e.target === node && e.source === port) out.push(e.id);
  if (drawn.has(port)) out.push(port);
  return out;
}

/** The drawn items (node and edge ids) a trace passes, in hop order, each once. */
export function resolveTraceSteps(topology: TopologyView, layout: TopologyLayout, steps: readonly TraceStepLocation[]): string[] {
  const drawn = new Set<string>(layout.nodes.map((n) => n.id));
  for (const e of layout.edges) drawn.add(e.id);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const step of steps) {
    const place = parseTraceNamespace(step.namespace);
    const items =
      place.kind === 'host' ? (step.interface ? hostItems(topology, drawn, step.interface) : [])
      : place.kind === 'container' ? containerItems(topology, drawn, place.name, step.interface)
      : place.kind === 'netns' ? netnsItems(topology, layout, drawn, place.name, step.interface)
      : [];
    for (const id of items) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}
