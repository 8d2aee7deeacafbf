/**
 * Stable tree ids. An id depends only on what a thing is (engine key, Docker id, interface name),
 * never on its position, so a refresh keeps expansion and selection and `reveal` can find a node
 * from a link. Segments are URI-encoded so a name holding a slash cannot collide with another path.
 */
import type { Subject } from '../../protocol/subject';
import type { ViewName } from './treeNode';

const seg = (s: string | number): string => encodeURIComponent(String(s));

export const nodeIds = {
  engine: (engine: string) => `${seg(engine)}`,
  engineError: (engine: string) => `${seg(engine)}/error`,
  network: (engine: string, networkId: string) => `${seg(engine)}/net/${seg(networkId)}`,
  networkParent: (engine: string, networkId: string) => `${seg(engine)}/net/${seg(networkId)}/parent`,
  endpoint: (engine: string, networkId: string, containerId: string) => `${seg(engine)}/net/${seg(networkId)}/ep/${seg(containerId)}`,
  endpointDetail: (engine: string, networkId: string, containerId: string, kind: string, key: string) =>
    `${seg(engine)}/net/${seg(networkId)}/ep/${seg(containerId)}/${seg(kind)}/${seg(key)}`,

  host: (engine: string) => `${seg(engine)}/host`,
  hostGroup: (engine: string, group: string) => `${seg(engine)}/host/${seg(group)}`,
  hostInterface: (engine: string, name: string) => `${seg(engine)}/host/if/${seg(name)}`,
  netns: (engine: string, name: string) => `${seg(engine)}/host/netns/${seg(name)}`,
  netnsDetail: (engine: string, name: string, kind: string, key: string | number) => `${seg(engine)}/host/netns/${seg(name)}/${seg(kind)}/${seg(key)}`,
  hostDetail: (engine: string, group: string, key: string | number) => `${seg(engine)}/host/${seg(group)}/${seg(key)}`,

  /** a Compose project's node; the same id in the Networks and the Containers view (each its own tree) */
  project: (engine: string, name: string) => `${seg(engine)}/proj/${seg(name)}`,
  /** an external network listed under a project that uses it (the network itself stays where it is) */
  projectExternal: (engine: string, name: string, networkId: string) => `${seg(engine)}/proj/${seg(name)}/ext/${seg(networkId)}`,

  container: (engine: string, containerId: string) => `${seg(engine)}/ctr/${seg(containerId)}`,
  containerGroup: (engine: string, containerId: string, group: string) => `${seg(engine)}/ctr/${seg(containerId)}/${seg(group)}`,
  containerDetail: (engine: string, containerId: string, group: string, key: string | number) =>
    `${seg(engine)}/ctr/${seg(containerId)}/${seg(group)}/${seg(key)}`,
} as const;

export function publishKey(p: { protocol: string; hostIp: string | null; hostPort: number | null; containerPort: number }): string {
  return `${p.protocol}:${p.hostIp ?? '*'}:${p.hostPort ?? '-'}:${p.containerPort}`;
}

/**
 * The tree node that shows a subject, and its view: the one translation from a model subject (what
 * a pane's row, a gap or a drawn item is about) to the sidebar. A publish is shown under its
 * container; the host by the engine's node in the Host view.
 */
export function subjectNode(engine: string, s: Subject): { readonly view: ViewName; readonly id: string } {
  switch (s.kind) {
    case 'host':
      return { view: 'host', id: nodeIds.engine(engine) };
    case 'network':
      return { view: 'networks', id: nodeIds.network(engine, s.id) };
    case 'endpoint':
      return { view: 'networks', id: nodeIds.endpoint(engine, s.networkId, s.containerId) };
    case 'container':
      return { view: 'containers', id: nodeIds.container(engine, s.id) };
    case 'publish':
      return { view: 'containers', id: nodeIds.container(engine, s.containerId) };
    case 'hostInterface':
      return { view: 'host', id: nodeIds.hostInterface(engine, s.name) };
    case 'netns':
      return { view: 'host', id: nodeIds.netns(engine, s.name) };
    case 'project':
      return { view: 'networks', id: nodeIds.project(engine, s.name) };
  }
}
