/**
 * Ids of the things the topology view draws. Host and webview both need them: the tree's "Open in
 * topology" focuses one, a trace highlights a list of them. They are keyed by what stays the same
 * across refreshes (a container's id, an endpoint's network+container), never by position, so the
 * layout can keep a node where it was. A drawn item that is a model subject has that subject's key
 * (src/core/model/subject.ts) as its id: one scheme for the graph, the sidebar and the panes.
 */
import { parseSubjectKey, subjectKey, subjects, type Subject } from './subject';

export const topologyIds = {
  /** a host interface drawn in the host band (eth0 …) */
  hostInterface: (name: string): string => subjectKey(subjects.hostInterface(name)),
  /** a Docker network's head: its bridge, its macvlan/ipvlan parent, its overlay VXLAN side */
  network: (networkId: string): string => subjectKey(subjects.network(networkId)),
  /** a bridge on the host that Docker did not make (br0 of the third seed) */
  foreignBridge: (name: string): string => `bridge:${name}`,
  /** the host side of one endpoint (a veth for bridge networks) */
  endpoint: (networkId: string, containerId: string): string => subjectKey(subjects.endpoint(networkId, containerId)),
  /** a port of a foreign bridge (a veth whose peer is in a named netns, say) */
  bridgePort: (name: string): string => `port:${name}`,
  container: (containerId: string): string => subjectKey(subjects.container(containerId)),
  namedNetns: (name: string): string => subjectKey(subjects.netns(name)),
  publish: (containerId: string, hostIp: string, hostPort: number, protocol: string): string =>
    subjectKey(subjects.publish({ containerId, hostIp, hostPort, protocol })),
  /** a Compose project's frame */
  project: (name: string): string => subjectKey(subjects.project(name)),
  /** a NAT/filter mark: masquerade, icc-off, internal (on a network) or ip-forward-off (on the host) */
  mark: (kind: MarkKind, scope: string): string => `mark:${kind}:${scope}`,
  /** a column the view makes itself: `standalone` (none / shared-netns containers), `netns`, `host` */
  group: (name: string): string => `group:${name}`,
  /** an edge between two drawn items, keyed by its role and its far end */
  edge: (role: string, key: string): string => `edge:${role}:${key}`,
  /** the frame around one engine's host when several are drawn side by side */
  hostFrame: (engineKey: string): string => `hostframe:${encodeURIComponent(engineKey)}`,
  /** an item drawn in another engine's frame: that engine's key and the item's own id there */
  onHost: (engineKey: string, id: string): string => `on:${encodeURIComponent(engineKey)}|${id}`,
} as const;

/** The engine key and own id of an item drawn in another engine's frame (topologyIds.onHost); null for this engine's items. */
export function splitHostItem(id: string): { readonly engineKey: string; readonly id: string } | null {
  if (!id.startsWith('on:')) return null;
  const bar = id.indexOf('|');
  if (bar < 0) return null;
  try {
    return { engineKey: decodeURIComponent(id.slice(3, bar)), id: id.slice(bar + 1) };
  } catch {
    return null;
  }
}

export type MarkKind = 'masquerade' | 'icc-off' | 'internal' | 'ip-forward-off';

export type TopologyItemKind =
  | 'hostInterface'
  | 'network'
  | 'foreignBridge'
  | 'endpoint'
  | 'bridgePort'
  | 'container'
  | 'namedNetns'
  | 'publish'
  | 'project'
  | 'mark'
  | 'group'
  | 'edge';

const prefixes: ReadonlyArray<readonly [string, TopologyItemKind]> = [
  ['nic:', 'hostInterface'],
  ['net:', 'network'],
  ['bridge:', 'foreignBridge'],
  ['ep:', 'endpoint'],
  ['port:', 'bridgePort'],
  ['ctr:', 'container'],
  ['ns:', 'namedNetns'],
  ['pub:', 'publish'],
  ['proj:', 'project'],
  ['mark:', 'mark'],
  ['group:', 'group'],
  ['edge:', 'edge'],
];

/** The kind of a topology id, or null when the string is not one. */
export function topologyItemKind(id: string): TopologyItemKind | null {
  for (const [prefix, kind] of prefixes) if (id.startsWith(prefix) && id.length > prefix.length) return kind;
  return null;
}

/**
 * The model subject a drawn item stands for: itself where its id is a subject key; a foreign
 * bridge or a bridge port is a host interface; a mark is its network's (or the host's); the host
 * column is the host. null for edges and the view's other groups.
 */
export function subjectOfItem(id: string): Subject | null {
  const own = parseSubjectKey(id);
  if (own) return own;
  const rest = id.slice(id.indexOf(':') + 1);
  switch (topologyItemKind(id)) {
    case 'foreignBridge':
    case 'bridgePort':
      return subjects.hostInterface(rest);
    case 'mark': {
      const scope = rest.slice(rest.indexOf(':') + 1);
      return scope === 'host' ? subjects.host() : subjects.network(scope);
    }
    case 'group':
      return id === topologyIds.group('host') ? subjects.host() : null;
    default:
      return null;
  }
}
