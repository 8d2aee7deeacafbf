/**
 * What a fact is about, by identity: a Docker id, an interface or namespace name, a publish's own
 * key. Gaps carry one (`Gap.about`) so a sheet lists only the gaps of its own subject, and the
 * front ends turn one into their own ids (tree node, drawn item) through one function each.
 */
export type Subject =
  | { readonly kind: 'host' }
  | { readonly kind: 'network'; readonly id: string }
  | { readonly kind: 'container'; readonly id: string }
  | { readonly kind: 'endpoint'; readonly networkId: string; readonly containerId: string }
  | { readonly kind: 'hostInterface'; readonly name: string }
  | { readonly kind: 'netns'; readonly name: string }
  | { readonly kind: 'publish'; readonly containerId: string; readonly hostIp: string; readonly hostPort: number; readonly protocol: string }
  /** a Compose project, by its com.docker.compose.project label (src/core/model/projects.ts) */
  | { readonly kind: 'project'; readonly name: string };

export const subjects = {
  host: (): Subject => ({ kind: 'host' }),
  network: (id: string): Subject => ({ kind: 'network', id }),
  container: (id: string): Subject => ({ kind: 'container', id }),
  endpoint: (networkId: string, containerId: string): Subject => ({ kind: 'endpoint', networkId, containerId }),
  hostInterface: (name: string): Subject => ({ kind: 'hostInterface', name }),
  netns: (name: string): Subject => ({ kind: 'netns', name }),
  publish: (p: { readonly containerId: string; readonly hostIp: string; readonly hostPort: number; readonly protocol: string }): Subject => ({
    kind: 'publish',
    containerId: p.containerId,
    hostIp: p.hostIp,
    hostPort: p.hostPort,
    protocol: p.protocol,
  }),
  project: (name: string): Subject => ({ kind: 'project', name }),
} as const;

/** Equal when both name the same thing; every field takes part, no text is matched. */
export function sameSubject(a: Subject, b: Subject): boolean {
  switch (a.kind) {
    case 'host':
      return b.kind === 'host';
    case 'network':
    case 'container':
      return b.kind === a.kind && b.id === a.id;
    case 'endpoint':
      return b.kind === 'endpoint' && b.networkId === a.networkId && b.containerId === a.containerId;
    case 'hostInterface':
    case 'netns':
    case 'project':
      return b.kind === a.kind && b.name === a.name;
    case 'publish':
      return b.kind === 'publish' && b.containerId === a.containerId && b.hostIp === a.hostIp && b.hostPort === a.hostPort && b.protocol === a.protocol;
  }
}

/**
 * Whether a fact about `inner` belongs on `outer`'s sheet too: a container's sheet holds its
 * endpoints and publishes, a network's its endpoints.
 */
export function subjectWithin(inner: Subject, outer: Subject): boolean {
  if (sameSubject(inner, outer)) return true;
  if (outer.kind === 'container') return (inner.kind === 'endpoint' || inner.kind === 'publish') && inner.containerId === outer.id;
  if (outer.kind === 'network') return inner.kind === 'endpoint' && inner.networkId === outer.id;
  return false;
}

/**
 * The one string id of a subject, used wherever a subject must travel as text: the topology
 * webview draws items under these ids (src/protocol/topologyIds.ts spells the same strings), the
 * editor's "Show in topology" and "Inspect" pass them, tree node ids are derived from the subject.
 */
export function subjectKey(s: Subject): string {
  switch (s.kind) {
    case 'host':
      return 'host';
    case 'network':
      return `net:${s.id}`;
    case 'container':
      return `ctr:${s.id}`;
    case 'endpoint':
      return `ep:${s.networkId}/${s.containerId}`;
    case 'hostInterface':
      return `nic:${s.name}`;
    case 'netns':
      return `ns:${s.name}`;
    case 'publish':
      return `pub:${s.containerId}/${s.hostIp}:${s.hostPort}/${s.protocol}`;
    case 'project':
      return `proj:${s.name}`;
  }
}

/** The subject a key names, or null when the string is not a subject key. Docker ids hold no `/`. */
export function parseSubjectKey(key: string): Subject | null {
  if (key === 'host') return subjects.host();
  const colon = key.indexOf(':');
  if (colon <= 0 || colon === key.length - 1) return null;
  const prefix = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  switch (prefix) {
    case 'net':
      return subjects.network(rest);
    case 'ctr':
      return subjects.container(rest);
    case 'nic':
      return subjects.hostInterface(rest);
    case 'ns':
      return subjects.netns(rest);
    case 'proj':
      return subjects.project(rest);
    case 'ep': {
      const slash = rest.indexOf('/');
      return slash > 0 && slash < rest.length - 1 ? subjects.endpoint(rest.slice(0, slash), rest.slice(slash + 1)) : null;
    }
    case 'pub': {
      const m = /^([^/]+)\/(.+):(\d+)\/([a-z0-9]+)$/.exec(rest);
      return m ? subjects.publish({ containerId: m[1]!, hostIp: m[2]!, hostPort: Number(m[3]), protocol: m[4]! }) : null;
    }
    default:
      return null;
  }
}
