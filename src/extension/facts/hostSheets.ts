/** Fact sheets for the Docker host: one interface, a named netns, a publish, the host as a whole. */
import type { NamedNetns } from '../../core/host/types';
import type { HostInterfaceNode, HostNode, Publish, Topology } from '../../core/model/types';
import { firewallBackendText } from '../../core/model/firewallBackend';
import { row, type FactSection, type FactSheet } from './factSheet';
import { gapsAbout, publishText, routeText, ruleText, yesNo } from './format';
import { nodeIds } from '../trees/nodeIds';

export function hostInterfaceSheet(engine: string, topology: Topology, i: HostInterfaceNode): FactSheet {
  const network = i.dockerNetworkId ? topology.networks.find((n) => n.id === i.dockerNetworkId) : undefined;
  const ports = (topology.host?.interfaces ?? []).filter((p) => p.master === i.name);
  const sections: FactSection[] = [
    {
      heading: 'Interface',
      rows: [
        ...row('Kind', i.kind),
        ...row('State', i.state),
        ...row('Index', i.index),
        ...row('MAC', i.mac),
        ...row('MTU', i.mtu),
        ...row('Addresses', i.addresses.join(', ')),
        ...row('Enslaved to', i.master, i.master ? { view: 'host', id: nodeIds.hostInterface(engine, i.master) } : undefined),
        ...row('Other end', i.peer, i.peerContainerId ? { view: 'containers', id: nodeIds.container(engine, i.peerContainerId) } : undefined),
        ...row('Peer netns', i.peerNetns, i.peerNetns ? { view: 'host', id: nodeIds.netns(engine, i.peerNetns) } : undefined),
        ...row('Parent', i.parent),
        ...row('Docker network', network?.name ?? (i.dockerNetworkId ? i.dockerNetworkId : null), network ? { view: 'networks', id: nodeIds.network(engine, network.id) } : undefined),
        ...(i.kind === 'bridge' && !i.dockerNetworkId ? row('Made by', 'not Docker') : []),
      ],
    },
  ];
  if (ports.length) {
    sections.push({
      heading: `Bridge ports (${ports.length})`,
      rows: ports.map((p) => ({ label: p.name, value: p.peer ?? 'peer unknown', link: { view: 'host', id: nodeIds.hostInterface(engine, p.name) } })),
    });
  }
  const details = Object.keys(i.details).sort();
  if (details.length) sections.push({ heading: 'Details (ip -d)', rows: details.map((k) => ({ label: k, value: String(i.details[k]) })) });
  const gaps = gapsAbout(topology, i.name);
  if (gaps.length) sections.push({ heading: 'Not known', rows: gaps.map((g) => ({ label: 'gap', value: g })) });
  return { kind: 'Host interface', title: i.name, subtitle: i.kind, sections, topologyId: `if:${i.name}` };
}

export function netnsSheet(ns: NamedNetns): FactSheet {
  const sections: FactSection[] = [];
  sections.push(
    ns.interfaces.known
      ? {
          heading: 'Interfaces',
          rows: ns.interfaces.value.map((i) => ({
            label: i.name,
            value: [i.kind, i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(', '), i.mac ? `MAC ${i.mac}` : null, i.state].filter(Boolean).join(' · '),
          })),
        }
      : { heading: 'Interfaces', rows: [], note: ns.interfaces.reason },
  );
  sections.push(
    ns.routes.known
      ? { heading: 'Routes', rows: ns.routes.value.map((r, idx) => ({ label: String(idx + 1), value: routeText(r) })) }
      : { heading: 'Routes', rows: [], note: ns.routes.reason },
  );
  return { kind: 'Network namespace', title: ns.name, subtitle: ns.id === null ? 'no netnsid' : `netnsid ${ns.id}`, sections, topologyId: `netns:${ns.name}` };
}

export function publishSheet(engine: string, p: Publish): FactSheet {
  return {
    kind: 'Published port',
    title: publishText(p),
    sections: [
      {
        heading: 'Path of a connection',
        rows: [
          ...row('Host address', `${p.hostIp}:${p.hostPort}/${p.protocol}`),
          ...row('Container', p.containerName, { view: 'containers', id: nodeIds.container(engine, p.containerId) }),
          ...row('Container address', p.containerIp ? `${p.containerIp}:${p.containerPort}` : `port ${p.containerPort}`),
          { label: 'DNAT rule', value: p.dnatRule ? ruleText(p.dnatRule) : 'not found' },
          { label: 'FORWARD rule', value: p.filterRule ? ruleText(p.filterRule) : 'not found' },
          { label: 'docker-proxy', value: p.proxy ? `pid ${p.proxy.pid}: ${p.proxy.args}` : 'none running' },
        ],
      },
    ],
    raw: { kind: 'container', id: p.containerId },
    topologyId: p.containerId,
  };
}

export function hostSheet(topology: Topology, host: HostNode): FactSheet {
  const sysctls = Object.keys(host.sysctls).sort();
  const sections: FactSection[] = [
    {
      heading: 'Host',
      rows: [
        ...row('Reached through', host.target),
        ...row('Hostname', host.hostname),
        ...row('IPv4 forwarding (ip_forward)', yesNo(host.ipForward)),
        ...row('bridge-nf-call-iptables', yesNo(host.bridgeNfCallIptables)),
        ...row('Firewall backend', firewallBackendText(topology)),
        ...row('iptables', host.firewall.iptablesVersion),
        ...row('Engine', `${topology.engine.name} · Docker ${topology.engine.version} · ${topology.engine.endpoint.url}`),
      ],
    },
  ];
  if (sysctls.length) sections.push({ heading: 'sysctls', rows: sysctls.map((k) => ({ label: k, value: host.sysctls[k] ?? '' })) });
  const gaps = topology.gaps.map((g) => `${g.subject}: ${g.reason}`);
  if (gaps.length) sections.push({ heading: 'Not known', rows: gaps.map((g) => ({ label: 'gap', value: g })) });
  return { kind: 'Docker host', title: host.hostname ?? host.target, sections };
}

