/**
 * Turns what the host asks to focus or trace (a topologyIds id — a subject key for model things —,
 * a container or network id, a 12-character id prefix, a name, a host interface or netns name,
 * `if:<name>` and `netns:<name>` as traces spell them) into the id of a drawn item. A Compose
 * project's key (`proj:<name>`) finds the first network head inside its frame. A host
 * interface's key (`nic:<name>`) finds it however it is drawn: a NIC, a foreign bridge, a bridge
 * port or an endpoint's veth.
 * Pure.
 */
import type { TopologyView } from '../src/protocol/topologyView';
import { topologyIds, topologyItemKind } from '../src/protocol/topologyIds';
import { parseSubjectKey } from '../src/protocol/subject';
import type { TopologyLayout } from './layout';

export function resolveTarget(topology: TopologyView, layout: TopologyLayout, rawTarget: string): string | null {
  // the sidebar's own spelling of interfaces and namespaces
  const drawn = new Set(layout.nodes.map((n) => n.id));
  for (const e of layout.edges) drawn.add(e.id);
  if (drawn.has(rawTarget)) return rawTarget;
  // an endpoint or a publish the graph has no item for (a macvlan endpoint, a publish of a
  // container drawn without its edges): its container
  const subject = parseSubjectKey(rawTarget);
  if (subject && (subject.kind === 'endpoint' || subject.kind === 'publish')) {
    const owner = topologyIds.container(subject.containerId);
    return drawn.has(owner) ? owner : null;
  }
  // the host: its column (drawn when no NIC was found), else its first NIC
  if (subject?.kind === 'host') return drawn.has(topologyIds.group('host')) ? topologyIds.group('host') : (layout.nodes.find((n) => n.role === 'nic')?.id ?? null);
  // a Compose project: the head of its first network inside its frame (or its first member)
  if (subject?.kind === 'project') {
    const frame = layout.frames.find((f) => f.id === rawTarget);
    const heads = frame?.members.filter((id) => topologyItemKind(id) === 'network') ?? [];
    return heads[0] ?? frame?.members[0] ?? null;
  }
  const target = rawTarget.replace(/^(if|netns|nic):/, '');
  if (drawn.has(target)) return target;
  if (topologyItemKind(target) !== null && target === rawTarget) return null;
  const byId = (id: string): boolean => id === target || (target.length >= 12 && id.startsWith(target));
  const c = topology.containers.find((x) => byId(x.id) || x.name === target || x.name === target.replace(/^\//, ''));
  if (c && drawn.has(topologyIds.container(c.id))) return topologyIds.container(c.id);
  const n = topology.networks.find((x) => byId(x.id) || x.name === target || x.bridge === target);
  if (n && drawn.has(topologyIds.network(n.id))) return topologyIds.network(n.id);
  for (const id of [topologyIds.hostInterface(target), topologyIds.foreignBridge(target), topologyIds.bridgePort(target), topologyIds.namedNetns(target)]) {
    if (drawn.has(id)) return id;
  }
  // a veth named by its host-side name: the endpoint row that carries it
  for (const net of topology.networks) {
    const e = net.endpoints.find((x) => x.hostVeth === target);
    if (e && drawn.has(topologyIds.endpoint(net.id, e.containerId))) return topologyIds.endpoint(net.id, e.containerId);
  }
  return null;
}
