/** The Networks view below one engine: network → endpoint → publishes, aliases and links. */
import type { Endpoint, NetworkNode, Topology } from '../../core/model/types';
import { endpointSheet, networkSheet } from '../facts/sheets';
import { networkDescription } from '../../protocol/facts/format';
import { sheetMarkdown } from '../facts/sheetMarkdown';
import { markdownText } from '../text/markdownText';
import { nodeIds } from './nodeIds';
import { subjects } from '../../protocol/subject';
import { publishNode } from './publishNode';
import { provisionalKey } from '../engines/eventPatch';
import { composeMembership, composeProjects } from '../../core/model/projects';
import { externalNetworkNode, projectNode, withProjects, type ProjectFilter } from './projectNodes';
import { contextValueFor, type NodeTargets, type NodeIcon, type TreeNode } from './treeNode';

const DRIVER_ORDER = ['bridge', 'host', 'null', 'macvlan', 'ipvlan', 'overlay'];

function networkIcon(n: NetworkNode): NodeIcon {
  if (n.driver === 'host') return { id: 'home' };
  if (n.driver === 'null') return { id: 'circle-slash' };
  if (n.driver === 'macvlan' || n.driver === 'ipvlan') return { id: 'plug', color: 'charts.purple' };
  if (n.driver === 'overlay') return { id: 'cloud', color: 'charts.blue' };
  if (n.internal) return { id: 'lock', color: 'charts.yellow' };
  return { id: 'type-hierarchy', color: 'charts.blue' };
}

/** What a node made from an engine event alone says until the snapshot fills it in. */
export const UPDATING = 'updating…';

export function networkNodes(engine: string, topology: Topology, provisional: ReadonlySet<string> = new Set(), filter: ProjectFilter = {}): TreeNode[] {
  const rank = (d: string): number => (DRIVER_ORDER.includes(d) ? DRIVER_ORDER.indexOf(d) : DRIVER_ORDER.length);
  const networks = [...topology.networks].sort((a, b) => rank(a.driver) - rank(b.driver) || a.name.localeCompare(b.name));
  const projects = composeProjects(topology);
  const owned = new Set(projects.flatMap((p) => p.networks.filter((n) => !n.external).map((n) => n.id)));
  const serviceOf = (containerId: string): string | null => composeMembership(projects, containerId)?.service.name ?? null;
  const projectNodes = projects.map((p) => {
    const children: TreeNode[] = [];
    for (const pn of p.networks) {
      const n = networks.find((x) => x.id === pn.id);
      if (!n) continue;
      if (pn.external) {
        const services = [...new Set(pn.containerIds.map((id) => serviceOf(id) ?? id.slice(0, 12)))];
        children.push(externalNetworkNode(engine, p, n.id, n.name, services));
      } else children.push(networkNode(engine, topology, n, provisional, serviceOf));
    }
    return { project: p, node: projectNode(engine, topology, 'networks', p, children) };
  });
  const rest = networks.filter((n) => !owned.has(n.id)).map((n) => networkNode(engine, topology, n, provisional, serviceOf));
  return withProjects(engine, projectNodes, rest, filter);
}

function networkNode(engine: string, topology: Topology, n: NetworkNode, provisional: ReadonlySet<string>, serviceOf: (containerId: string) => string | null): TreeNode {
  const sheet = () => networkSheet(engine, topology, n);
  const targets: NodeTargets = {
    subject: subjects.network(n.id),
    ...(n.bridge && n.bridgePresent !== false ? { captureInterface: n.bridge } : {}),
    ...(n.gateways[0] ? { ip: n.gateways[0] } : {}),
  };
  const children: TreeNode[] = [];
  if (n.parent) {
    children.push({
      id: nodeIds.networkParent(engine, n.id),
      label: `parent ${n.parent}`,
      description: n.driver,
      tooltip: `Host interface this ${markdownText(n.driver)} network's containers sit on`,
      icon: { id: 'circuit-board' },
      contextValue: contextValueFor('parentInterface', { captureInterface: n.parent }),
      targets: { captureInterface: n.parent },
      children: [],
      engineKey: engine,
    });
  }
  const endpoints = [...n.endpoints].sort((a, b) => a.containerName.localeCompare(b.containerName));
  children.push(...endpoints.map((ep) => endpointNode(engine, topology, n, ep, provisional, serviceOf(ep.containerId))));
  return {
    id: nodeIds.network(engine, n.id),
    label: n.name,
    description: provisional.has(provisionalKey.network(n.id)) ? `${n.driver} · ${UPDATING}` : networkDescription(n),
    tooltip: sheetMarkdown(sheet()),
    icon: networkIcon(n),
    contextValue: contextValueFor('network', targets, ['inspect', 'raw', `driver-${n.driver.replace(/[^a-z0-9]/gi, '')}`]),
    children,
    expanded: n.endpoints.length > 0 && n.endpoints.length <= 20,
    targets,
    sheet,
    engineKey: engine,
  };
}

function endpointDescription(n: NetworkNode, ep: Endpoint): string {
  if (n.driver === 'host') return "host's network stack";
  if (n.driver === 'null') return 'no network';
  const parts = [ep.ipv4 ?? ep.ipv6 ?? 'no address'];
  if (ep.hostVeth) parts.push(ep.hostVeth);
  return parts.join(' · ');
}

function endpointNode(engine: string, topology: Topology, n: NetworkNode, ep: Endpoint, provisional: ReadonlySet<string>, service: string | null): TreeNode {
  const container = topology.containers.find((c) => c.id === ep.containerId);
  const running = container ? container.state === 'running' : true;
  const targets: NodeTargets = {
    subject: subjects.endpoint(n.id, ep.containerId),
    traceEndpoint: ep.containerName,
    containerId: ep.containerId,
    ...(ep.ipv4 ?? ep.ipv6 ? { ip: (ep.ipv4 ?? ep.ipv6) as string } : {}),
    ...(ep.mac ? { mac: ep.mac } : {}),
    ...(ep.hostVeth ? { veth: ep.hostVeth, captureInterface: ep.hostVeth } : {}),
  };
  const sheet = () => endpointSheet(engine, topology, n, ep);
  const base = (kind: string, key: string) => nodeIds.endpointDetail(engine, n.id, ep.containerId, kind, key);
  const publishes = topology.publishes.filter((p) => p.containerId === ep.containerId && (p.containerIp === null || p.containerIp === ep.ipv4 || p.containerIp === ep.ipv6));
  const children: TreeNode[] = [
    ...publishes.map((p) =>
      publishNode(p, base, engine, p.dnatRule ? `DNAT ${p.dnatRule.chain} #${p.dnatRule.index}` : 'no DNAT rule found'),
    ),
    ...ep.aliases.map((a): TreeNode => ({
      id: base('alias', a),
      label: a,
      description: 'DNS alias',
      icon: { id: 'tag' },
      contextValue: contextValueFor('alias', undefined),
      children: [],
      engineKey: engine,
    })),
    ...ep.links.map((l): TreeNode => ({
      id: base('link', l),
      label: l,
      description: 'legacy --link',
      icon: { id: 'link' },
      contextValue: contextValueFor('link', undefined),
      children: [],
      engineKey: engine,
    })),
  ];
  return {
    id: nodeIds.endpoint(engine, n.id, ep.containerId),
    // a project's container by its service name, the container's name beside it
    label: service ?? ep.containerName,
    description: [service ? ep.containerName : null, provisional.has(provisionalKey.endpoint(n.id, ep.containerId)) ? UPDATING : endpointDescription(n, ep)].filter(Boolean).join(' · '),
    tooltip: sheetMarkdown(sheet()),
    icon: { id: 'vm', color: running ? 'charts.green' : 'disabledForeground' },
    contextValue: contextValueFor('endpoint', targets, ['inspect', 'raw']),
    children,
    expanded: false,
    targets,
    sheet,
    engineKey: engine,
  };
}
