/**
 * The Host view below one engine: interfaces, Docker's bridges and the ones Docker did not make
 * (each → its ports, veth → what is on the other end), named netns, routes, ip_forward and the
 * published ports with their DNAT rule and docker-proxy.
 */
import type { NamedNetns, NetInterface } from '../../core/host/types';
import type { HostInterfaceNode, HostNode, Publish, Topology } from '../../core/model/types';
import { hostInterfaceSheet, hostSheet, netnsSheet, publishSheet } from '../facts/hostSheets';
import { publishText, routeText, ruleText } from '../facts/format';
import { firewallBackendText } from '../../core/model/firewallBackend';
import { sheetMarkdown } from '../facts/sheetMarkdown';
import { markdownText } from '../text/markdownText';
import { nodeIds, publishKey } from './nodeIds';
import { contextValueFor, type NodeFacts, type NodeIcon, type TreeNode } from './treeNode';

const IFACE_ICON: Partial<Record<string, NodeIcon>> = {
  loopback: { id: 'sync' },
  physical: { id: 'circuit-board', color: 'charts.blue' },
  bridge: { id: 'type-hierarchy', color: 'charts.blue' },
  veth: { id: 'arrow-both' },
  macvlan: { id: 'plug', color: 'charts.purple' },
  ipvlan: { id: 'plug', color: 'charts.purple' },
  vxlan: { id: 'cloud' },
};

export function hostNodes(engine: string, topology: Topology): TreeNode[] {
  const host = topology.host;
  if (!host) {
    const why = topology.gaps.find((g) => g.subject.startsWith('host'))?.reason ?? 'no host shell for this engine (setting netlens.hostShell)';
    return [infoNode(engine, 'nohost', 'Host facts not available', why, 'info')];
  }
  const byName = new Map(host.interfaces.map((i) => [i.name, i]));
  const bridges = host.interfaces.filter((i) => i.kind === 'bridge');
  const dockerBridges = bridges.filter((b) => b.dockerNetworkId !== null);
  const otherBridges = bridges.filter((b) => b.dockerNetworkId === null);
  const loose = host.interfaces.filter((i) => i.kind !== 'bridge' && (i.master === null || !byName.has(i.master)));
  const groups: TreeNode[] = [
    group(engine, 'interfaces', 'Interfaces', `${loose.length}`, 'list-tree', loose.map((i) => interfaceNode(engine, topology, i))),
    group(engine, 'docker-bridges', 'Docker bridges', `${dockerBridges.length}`, 'type-hierarchy', dockerBridges.map((b) => interfaceNode(engine, topology, b)), true),
    group(engine, 'other-bridges', 'Bridges Docker did not make', `${otherBridges.length}`, 'type-hierarchy-sub', otherBridges.map((b) => interfaceNode(engine, topology, b)), otherBridges.length > 0),
    group(engine, 'netns', 'Network namespaces', `${host.namedNetns.length}`, 'symbol-namespace', host.namedNetns.map((ns) => netnsNode(engine, ns))),
    group(engine, 'publishes', 'Published ports', `${topology.publishes.length}`, 'plug', topology.publishes.map((p) => publishNode(engine, p)), true),
    host.unknown?.routes
      ? infoNode(engine, 'routes', 'Routes: unknown', host.unknown.routes, 'milestone')
      : group(engine, 'routes', 'Routes', `${host.routes.length}`, 'milestone', host.routes.map((r, i) => leaf(nodeIds.hostDetail(engine, 'routes', i), routeText(r), undefined, 'arrow-right', 'route', engine))),
    forwardNode(engine, topology, host),
    firewallNode(engine, topology, host),
  ];
  return groups;
}

function infoNode(engine: string, key: string, label: string, why: string, icon: string): TreeNode {
  return { id: nodeIds.hostGroup(engine, key), label, description: why, tooltip: markdownText(why), icon: { id: icon }, contextValue: ';info;', children: [], engineKey: engine };
}

function group(engine: string, key: string, label: string, description: string, icon: string, children: TreeNode[], expanded = false): TreeNode {
  return { id: nodeIds.hostGroup(engine, key), label, description, icon: { id: icon }, contextValue: `;group;group-${key};`, children, expanded: expanded && children.length > 0, engineKey: engine };
}

function leaf(id: string, label: string, description: string | undefined, icon: string, kind: string, engine: string, tooltip?: string): TreeNode {
  return { id, label, ...(description ? { description } : {}), ...(tooltip ? { tooltip } : {}), icon: { id: icon }, contextValue: `;${kind};`, children: [], engineKey: engine };
}

function forwardNode(engine: string, topology: Topology, host: HostNode): TreeNode {
  const on = host.ipForward;
  return {
    id: nodeIds.hostGroup(engine, 'forward'),
    label: `ip_forward: ${on === null ? 'unknown' : on ? 'on' : 'off'}`,
    description: host.bridgeNfCallIptables === null ? undefined : `bridge-nf-call-iptables ${host.bridgeNfCallIptables ? 'on' : 'off'}`,
    tooltip: on === false ? 'IPv4 forwarding is off: containers cannot reach beyond the host' : on === null ? `net.ipv4.ip_forward is not known: ${host.unknown?.sysctls ?? 'the host shell did not report it'}` : 'net.ipv4.ip_forward',
    icon: { id: on === false ? 'warning' : 'check', color: on === false ? 'charts.yellow' : 'charts.green' },
    contextValue: ';forward;inspect;',
    children: [],
    sheet: () => hostSheet(topology, host),
    engineKey: engine,
  };
}

/** Which firewall Docker programs, and whether the engine said so or netlens inferred it from `iptables -V`. */
function firewallNode(engine: string, topology: Topology, host: HostNode): TreeNode {
  const text = firewallBackendText(topology);
  const lines = [`**Firewall backend:** ${markdownText(text)}`];
  if (host.firewall.iptablesVersion) lines.push('', `iptables -V: ${markdownText(host.firewall.iptablesVersion)}`);
  return {
    id: nodeIds.hostGroup(engine, 'firewall'),
    label: 'Firewall backend',
    description: text,
    tooltip: lines.join('\n'),
    icon: { id: 'shield' },
    contextValue: ';firewall;inspect;',
    children: [],
    sheet: () => hostSheet(topology, host),
    engineKey: engine,
  };
}

/** fe80:: addresses are on every interface and say nothing; descriptions leave them to the tooltip. */
function isLinkLocal(address: string): boolean {
  return /^fe80:/i.test(address);
}

function withoutLinkLocal(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !isLinkLocal(a));
}

function interfaceDescription(i: HostInterfaceNode, topology: Topology): string {
  if (i.kind === 'veth') return i.peer ? `→ ${i.peer}` : 'veth, peer unknown';
  const parts: string[] = [];
  if (i.kind === 'bridge') {
    const net = i.dockerNetworkId ? topology.networks.find((n) => n.id === i.dockerNetworkId) : undefined;
    parts.push(net ? net.name : i.dockerNetworkId ? 'Docker' : 'not Docker');
  } else if (i.kind !== 'physical') parts.push(i.kind);
  if (i.parent) parts.push(`on ${i.parent}`);
  const shown = withoutLinkLocal(i.addresses);
  if (shown.length) parts.push(shown.join(', '));
  if (i.state !== 'UP' && i.state !== 'UNKNOWN') parts.push(i.state.toLowerCase());
  return parts.join(' · ');
}

function interfaceNode(engine: string, topology: Topology, i: HostInterfaceNode): TreeNode {
  const facts: NodeFacts = {
    captureInterface: i.name,
    ...(i.mac ? { mac: i.mac } : {}),
    ...(i.kind === 'veth' ? { veth: i.name } : {}),
    ...(withoutLinkLocal(i.addresses)[0] ? { ip: withoutLinkLocal(i.addresses)[0]!.replace(/\/\d+$/, '') } : {}),
    ...(i.peerContainerId ? { topologyId: i.peerContainerId, traceEndpoint: topology.containers.find((c) => c.id === i.peerContainerId)?.name ?? i.peerContainerId } : {}),
  };
  const ports = (topology.host?.interfaces ?? []).filter((p) => p.master === i.name);
  const sheet = () => hostInterfaceSheet(engine, topology, i);
  const up = i.state === 'UP' || i.state === 'UNKNOWN';
  const baseIcon = IFACE_ICON[i.kind] ?? { id: 'symbol-interface' };
  return {
    id: nodeIds.hostInterface(engine, i.name),
    label: i.name,
    description: interfaceDescription(i, topology),
    tooltip: sheetMarkdown(sheet()),
    icon: up ? baseIcon : { id: baseIcon.id, color: 'disabledForeground' },
    contextValue: contextValueFor('hostInterface', facts, ['inspect', `if-${i.kind}`]),
    children: ports.map((p) => interfaceNode(engine, topology, p)),
    expanded: false,
    facts,
    sheet,
    engineKey: engine,
  };
}

function netnsNode(engine: string, ns: NamedNetns): TreeNode {
  const sheet = () => netnsSheet(ns);
  const ifaces: readonly NetInterface[] = ns.interfaces.known ? ns.interfaces.value : [];
  const children: TreeNode[] = ifaces.map((i): TreeNode => {
    const usable = i.addresses.filter((a) => !isLinkLocal(a.address));
    const addr = usable.map((a) => `${a.address}/${a.prefixLen}`).join(', ');
    const facts: NodeFacts = { ...(i.mac ? { mac: i.mac } : {}), ...(usable[0] ? { ip: usable[0].address, traceEndpoint: usable[0].address } : {}) };
    return {
      id: nodeIds.netnsDetail(engine, ns.name, 'if', i.name),
      label: i.name,
      description: [i.kind === 'physical' ? null : i.kind, addr || null].filter(Boolean).join(' · '),
      icon: IFACE_ICON[i.kind] ?? { id: 'symbol-interface' },
      contextValue: contextValueFor('netnsInterface', facts),
      children: [],
      facts,
      engineKey: engine,
    };
  });
  if (!ns.interfaces.known) children.push(leaf(nodeIds.netnsDetail(engine, ns.name, 'gap', 'interfaces'), 'Interfaces unknown', ns.interfaces.reason, 'question', 'info', engine, markdownText(ns.interfaces.reason)));
  if (ns.routes.known) {
    children.push(...ns.routes.value.map((r, idx) => leaf(nodeIds.netnsDetail(engine, ns.name, 'route', idx), routeText(r), 'route', 'arrow-right', 'route', engine)));
  }
  return {
    id: nodeIds.netns(engine, ns.name),
    label: ns.name,
    description: ns.interfaces.known ? `${ns.interfaces.value.length} interfaces` : 'not readable',
    tooltip: sheetMarkdown(sheet()),
    icon: { id: 'symbol-namespace' },
    contextValue: contextValueFor('netns', { topologyId: `netns:${ns.name}` }, ['inspect']),
    children,
    facts: { topologyId: `netns:${ns.name}` },
    sheet,
    engineKey: engine,
  };
}

function publishNode(engine: string, p: Publish): TreeNode {
  const facts: NodeFacts = { publish: { hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }, topologyId: p.containerId, traceEndpoint: p.containerName };
  const sheet = () => publishSheet(engine, p);
  const id = nodeIds.hostDetail(engine, 'publishes', publishKey(p));
  return {
    id,
    label: publishText(p),
    description: p.containerName,
    tooltip: sheetMarkdown(sheet()),
    icon: { id: 'plug', color: p.dnatRule ? 'charts.green' : 'charts.yellow' },
    contextValue: contextValueFor('publish', facts, ['inspect']),
    children: [
      leaf(`${id}/dnat`, p.dnatRule ? `DNAT ${p.dnatRule.table}/${p.dnatRule.chain} #${p.dnatRule.index}` : 'DNAT rule not found', p.dnatRule?.raw, 'shield', 'rule', engine, p.dnatRule ? markdownText(ruleText(p.dnatRule)) : undefined),
      leaf(`${id}/forward`, p.filterRule ? `FORWARD ${p.filterRule.table}/${p.filterRule.chain} #${p.filterRule.index}` : 'FORWARD rule not found', p.filterRule?.raw, 'shield', 'rule', engine, p.filterRule ? markdownText(ruleText(p.filterRule)) : undefined),
      leaf(`${id}/proxy`, p.proxy ? `docker-proxy pid ${p.proxy.pid}` : 'no docker-proxy', p.proxy?.args, 'server-process', 'proxy', engine, p.proxy ? markdownText(p.proxy.args) : undefined),
    ],
    facts,
    sheet,
    engineKey: engine,
  };
}
