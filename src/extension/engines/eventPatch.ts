/**
 * Applies one engine event to the last model at once, so the views follow `docker network
 * connect`, `docker rm`, `docker rename` … within milliseconds, while the full snapshot the event
 * also asks for (about half a second with the host shell) is on its way. Only what the event
 * itself says is changed; what it cannot tell (a new endpoint's IP, a new network's subnet) stays
 * empty and the node is marked provisional until the snapshot replaces the whole model.
 */
import type { EngineEvent } from '../../core/docker/types';
import type { ContainerNode, Endpoint, NetworkNode, Topology } from '../../core/model/types';

export interface PatchedTopology {
  readonly topology: Topology;
  /** keys of nodes made from the event alone: `container:<id>`, `network:<id>`, `endpoint:<networkId>:<containerId>` */
  readonly provisional: readonly string[];
}

export const provisionalKey = {
  container: (id: string) => `container:${id}`,
  network: (id: string) => `network:${id}`,
  endpoint: (networkId: string, containerId: string) => `endpoint:${networkId}:${containerId}`,
};

const withContainers = (t: Topology, f: (c: ContainerNode) => ContainerNode): ContainerNode[] => t.containers.map(f);

function setContainer(t: Topology, id: string, change: Partial<ContainerNode>): Topology | undefined {
  if (!t.containers.some((c) => c.id === id)) return undefined;
  return { ...t, containers: withContainers(t, (c) => (c.id === id ? { ...c, ...change } : c)) };
}

/** A network none of whose endpoints changed keeps its object: the views redraw what changed only. */
function mapEndpoints(t: Topology, f: (n: NetworkNode, e: Endpoint) => Endpoint | null): NetworkNode[] {
  return t.networks.map((n) => {
    const endpoints = n.endpoints.flatMap((e) => f(n, e) ?? []);
    const same = endpoints.length === n.endpoints.length && endpoints.every((e, i) => e === n.endpoints[i]);
    return same ? n : { ...n, endpoints };
  });
}

export function patchTopology(t: Topology, e: EngineEvent): PatchedTopology | undefined {
  const action = e.action.split(':')[0] ?? '';
  const one = (topology: Topology | undefined, provisional: string[] = []): PatchedTopology | undefined => (topology ? { topology, provisional } : undefined);
  if (e.type === 'container') {
    switch (action) {
      case 'create': {
        if (t.containers.some((c) => c.id === e.id)) return undefined;
        const node: ContainerNode = {
          id: e.id, name: e.attributes.name ?? e.id.slice(0, 12), image: e.attributes.image ?? '', state: 'created', status: 'Created',
          networkMode: 'default', sharesNetnsWith: null, pid: null, labels: {}, ports: [], mounts: [], networks: [], interfaces: [],
          routes: [], neighbours: [], defaultGateway: null,
        };
        return one({ ...t, containers: [...t.containers, node] }, [provisionalKey.container(e.id)]);
      }
      case 'start':
      case 'unpause':
        return one(setContainer(t, e.id, { state: 'running', status: 'Up' }));
      case 'pause':
        return one(setContainer(t, e.id, { state: 'paused', status: 'Paused' }));
      case 'die':
      case 'stop':
        return one(setContainer(t, e.id, { state: 'exited', status: e.attributes.exitCode ? `Exited (${e.attributes.exitCode})` : 'Exited', pid: null }));
      case 'rename': {
        const name = e.attributes.name;
        if (!name) return undefined;
        const renamed = setContainer(t, e.id, { name });
        if (!renamed) return undefined;
        return one({
          ...renamed,
          networks: mapEndpoints(renamed, (_n, ep) => (ep.containerId === e.id ? { ...ep, containerName: name } : ep)),
          publishes: renamed.publishes.map((p) => (p.containerId === e.id ? { ...p, containerName: name } : p)),
        });
      }
      case 'destroy':
        if (!t.containers.some((c) => c.id === e.id)) return undefined;
        return one({
          ...t,
          containers: t.containers.filter((c) => c.id !== e.id),
          networks: mapEndpoints(t, (_n, ep) => (ep.containerId === e.id ? null : ep)),
          publishes: t.publishes.filter((p) => p.containerId !== e.id),
        });
      default:
        return undefined;
    }
  }
  if (e.type === 'network') {
    switch (action) {
      case 'create': {
        if (t.networks.some((n) => n.id === e.id)) return undefined;
        const node: NetworkNode = {
          id: e.id, name: e.attributes.name ?? e.id.slice(0, 12), driver: e.attributes.type ?? 'unknown', scope: 'local', bridge: null,
          bridgePresent: null, subnets: [], gateways: [], internal: false, attachable: false, ingress: false, enableIPv6: false, icc: true,
          masquerade: true, mtu: null, parent: null, options: {}, labels: {}, natRules: [], endpoints: [],
        };
        return one({ ...t, networks: [...t.networks, node] }, [provisionalKey.network(e.id)]);
      }
      case 'destroy':
      case 'remove':
        if (!t.networks.some((n) => n.id === e.id)) return undefined;
        return one({ ...t, networks: t.networks.filter((n) => n.id !== e.id) });
      case 'connect': {
        const cid = e.attributes.container;
        const net = t.networks.find((n) => n.id === e.id);
        const c = t.containers.find((x) => x.id === cid);
        if (!cid || !net || !c || net.endpoints.some((ep) => ep.containerId === cid)) return undefined;
        const ep: Endpoint = {
          containerId: cid, containerName: c.name, networkId: net.id, networkName: net.name, ipv4: null, ipv4PrefixLen: null, ipv6: null,
          mac: null, gateway: null, aliases: [], links: [], containerInterface: null, hostVeth: null, hostVethIndex: null,
        };
        return one(
          {
            ...t,
            networks: t.networks.map((n) => (n.id === net.id ? { ...n, endpoints: [...n.endpoints, ep] } : n)),
            containers: withContainers(t, (x) => (x.id === cid && !x.networks.includes(net.name) ? { ...x, networks: [...x.networks, net.name] } : x)),
          },
          [provisionalKey.endpoint(net.id, cid)],
        );
      }
      case 'disconnect': {
        const cid = e.attributes.container;
        const net = t.networks.find((n) => n.id === e.id);
        const c = t.containers.find((x) => x.id === cid);
        if (!cid || !net || !net.endpoints.some((ep) => ep.containerId === cid)) return undefined;
        // A stopping container is disconnected too, but the engine still lists its endpoint, without
        // an address: do the same, so the snapshot that follows changes nothing more.
        if (c && c.state !== 'running') {
          return one({
            ...t,
            networks: mapEndpoints(t, (n, ep) =>
              n.id === net.id && ep.containerId === cid ? { ...ep, ipv4: null, ipv4PrefixLen: null, ipv6: null, gateway: null, hostVeth: null, hostVethIndex: null, containerInterface: null } : ep,
            ),
          });
        }
        return one({
          ...t,
          networks: mapEndpoints(t, (n, ep) => (n.id === net.id && ep.containerId === cid ? null : ep)),
          containers: withContainers(t, (x) => (x.id === cid ? { ...x, networks: x.networks.filter((name) => name !== net.name) } : x)),
        });
      }
      default:
        return undefined;
    }
  }
  return undefined;
}
