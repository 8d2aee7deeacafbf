/** Fact sheets for a Docker network and for one container's endpoint on it. */
import type { Endpoint, NetworkNode, Topology } from '../../core/model/types';
import { row, type FactRow, type FactSection, type FactSheet } from './factSheet';
import { gapsAbout, networkBadges, publishText, ruleText, shortId, yesNo } from './format';
import { nodeIds } from '../trees/nodeIds';

function recordRows(record: Readonly<Record<string, string>>): FactRow[] {
  return Object.keys(record).sort().map((k) => ({ label: k, value: record[k] ?? '' }));
}

export function networkSheet(engine: string, topology: Topology, n: NetworkNode): FactSheet {
  const sections: FactSection[] = [
    {
      heading: 'Network',
      rows: [
        ...row('Driver', n.driver),
        ...row('Scope', n.scope),
        ...row('Subnets', n.subnets.join(', ')),
        ...row('Gateways', n.gateways.join(', ')),
        ...row('Flags', networkBadges(n).join(', ')),
        ...row('Host bridge', n.bridge, n.bridge ? { view: 'host', id: nodeIds.hostInterface(engine, n.bridge) } : undefined),
        ...(n.bridge ? row('Bridge present on host', yesNo(n.bridgePresent)) : []),
        ...row('Parent interface', n.parent, n.parent ? { view: 'host', id: nodeIds.hostInterface(engine, n.parent) } : undefined),
        ...row('Inter-container traffic (ICC)', n.driver === 'bridge' ? (n.icc ? 'allowed' : 'blocked') : null),
        ...row('IP masquerade', n.driver === 'bridge' ? yesNo(n.masquerade) : null),
        ...row('MTU', n.mtu),
        ...row('Id', shortId(n.id)),
      ],
    },
    {
      heading: `Endpoints (${n.endpoints.length})`,
      rows: n.endpoints.map((ep) => ({
        label: ep.containerName,
        value: [ep.ipv4 ? `${ep.ipv4}${ep.ipv4PrefixLen !== null ? `/${ep.ipv4PrefixLen}` : ''}` : null, ep.ipv6, ep.hostVeth ? `host side ${ep.hostVeth}` : null]
          .filter(Boolean)
          .join(' · ') || 'no address',
        link: { view: 'networks', id: nodeIds.endpoint(engine, n.id, ep.containerId) },
      })),
    },
  ];
  if (n.natRules.length) sections.push({ heading: 'NAT rules', rows: n.natRules.map((r) => ({ label: `${r.table}/${r.chain} #${r.index}`, value: r.raw })) });
  if (Object.keys(n.options).length) sections.push({ heading: 'Driver options', rows: recordRows(n.options) });
  if (Object.keys(n.labels).length) sections.push({ heading: 'Labels', rows: recordRows(n.labels) });
  const gaps = gapsAbout(topology, n.name, n.id, n.bridge ?? '');
  if (gaps.length) sections.push({ heading: 'Not known', rows: gaps.map((g) => ({ label: 'gap', value: g })) });
  return { kind: 'Network', title: n.name, subtitle: `${n.driver} network`, sections, raw: { kind: 'network', id: n.id }, topologyId: n.id };
}

export function endpointSheet(engine: string, topology: Topology, n: NetworkNode, ep: Endpoint): FactSheet {
  const publishes = topology.publishes.filter((p) => p.containerId === ep.containerId);
  const sections: FactSection[] = [
    {
      heading: `On ${n.name}`,
      rows: [
        ...row('Container', ep.containerName, { view: 'containers', id: nodeIds.container(engine, ep.containerId) }),
        ...row('IPv4', ep.ipv4 ? `${ep.ipv4}${ep.ipv4PrefixLen !== null ? `/${ep.ipv4PrefixLen}` : ''}` : null),
        ...row('IPv6', ep.ipv6),
        ...row('MAC', ep.mac),
        ...row('Gateway', ep.gateway),
        ...row('Interface in container', ep.containerInterface),
        ...row('Host veth', ep.hostVeth, ep.hostVeth ? { view: 'host', id: nodeIds.hostInterface(engine, ep.hostVeth) } : undefined),
        ...row('Host veth ifindex', ep.hostVethIndex),
        ...row('Bridge', n.bridge, n.bridge ? { view: 'host', id: nodeIds.hostInterface(engine, n.bridge) } : undefined),
        ...row('Aliases', ep.aliases.join(', ')),
        ...row('Links', ep.links.join(', ')),
      ],
    },
  ];
  if (publishes.length) {
    sections.push({
      heading: 'Published ports',
      rows: publishes.map((p) => ({ label: publishText(p), value: p.dnatRule ? ruleText(p.dnatRule) : 'no DNAT rule found' })),
    });
  }
  const gaps = gapsAbout(topology, ep.containerName, ep.containerId);
  if (gaps.length) sections.push({ heading: 'Not known', rows: gaps.map((g) => ({ label: 'gap', value: g })) });
  return {
    kind: 'Endpoint',
    title: `${ep.containerName} on ${n.name}`,
    sections,
    raw: { kind: 'container', id: ep.containerId },
    topologyId: ep.containerId,
  };
}
