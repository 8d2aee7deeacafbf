/** Sheets for the Docker host: one interface, a named netns, a publish, the host as a whole. */
import type { NamedNetns } from '../../core/host/types';
import type { HostInterfaceNode, HostNodeWithoutRules, Publish, TopologyWithoutRules } from '../../core/model/types';
import { subjects } from '../subject';
import { firewallBackendText } from './firewallText';
import { gapSection } from './gaps';
import { listenerRows } from './containerSheet';
import { listenerSummary } from './listenerSummary';
import { engineVersionText, hostPortText, portDriverText, proxyText, rootlessKitText, publishText, routeText, ruleText, yesNo } from './format';
import { address, addressRow, addresses, code, list, row, section, text, unknownValue, type FactSection, type FactSheet, type FactValue } from './sheet';

export function hostInterfaceSheet(t: TopologyWithoutRules, i: HostInterfaceNode): FactSheet {
  const network = i.dockerNetworkId ? t.networks.find((n) => n.id === i.dockerNetworkId) : undefined;
  const ports = (t.host?.interfaces ?? []).filter((p) => p.master === i.name);
  const sections: FactSection[] = [
    section('Interface', [
      ...row('Kind', i.kind),
      ...row('State', i.state),
      ...row('Index', i.index),
      ...addressRow('MAC', i.mac),
      ...row('MTU', i.mtu),
      ...row('Addresses', addresses(i.addresses)),
      ...addressRow('Enslaved to', i.master, i.master ? subjects.hostInterface(i.master) : undefined),
      ...addressRow('Other end', i.peer, i.peerContainerId ? subjects.container(i.peerContainerId) : undefined),
      ...addressRow('Peer netns', i.peerNetns, i.peerNetns ? subjects.netns(i.peerNetns) : undefined),
      ...addressRow('Parent', i.parent, i.parent ? subjects.hostInterface(i.parent) : undefined),
      ...row('Docker network', network?.name ?? i.dockerNetworkId, network ? subjects.network(network.id) : undefined),
      ...(i.kind === 'bridge' && !i.dockerNetworkId ? row('Made by', 'not Docker') : []),
    ]),
  ];
  if (ports.length) {
    sections.push(section(`Bridge ports (${ports.length})`, ports.map((p) => ({ label: p.name, value: p.peer ? address(p.peer) : unknownValue('its peer was not found'), ref: subjects.hostInterface(p.name) }))));
  }
  const details = Object.keys(i.details).sort();
  if (details.length) sections.push(section('Details (ip -d)', details.map((k) => ({ label: k, value: text(String(i.details[k])) }))));
  sections.push(...gapSection(t, subjects.hostInterface(i.name)));
  return { subject: subjects.hostInterface(i.name), kind: 'Host interface', title: i.name, subtitle: i.kind, badges: [i.kind, i.state.toLowerCase()], sections };
}

export function netnsSheet(t: TopologyWithoutRules, ns: NamedNetns): FactSheet {
  const sections: FactSection[] = [
    section(
      'Interfaces',
      ns.interfaces.known
        ? ns.interfaces.value.map((i) => ({
            label: i.name,
            value: list([text(i.kind), ...(i.addresses.length ? i.addresses.map((a) => address(`${a.address}/${a.prefixLen}`)) : [text('no address')]), ...(i.mac ? [address(`MAC ${i.mac}`)] : []), text(i.state)]),
          }))
        : row('interfaces', unknownValue(ns.interfaces.reason)),
    ),
    section('Routes', ns.routes.known ? ns.routes.value.map((r, idx) => ({ label: String(idx + 1), value: address(routeText(r)) })) : row('routes', unknownValue(ns.routes.reason))),
    ...(ns.listeners ? [section('Listening', listenerRows(ns.listeners))] : []),
    ...gapSection(t, subjects.netns(ns.name)),
  ];
  return { subject: subjects.netns(ns.name), kind: 'Network namespace', title: ns.name, subtitle: ns.id === null ? 'no netnsid' : `netnsid ${ns.id}`, badges: ['netns'], sections };
}

export function publishSheet(t: TopologyWithoutRules, p: Publish): FactSheet {
  return {
    subject: subjects.publish(p),
    kind: 'Published port',
    title: publishText(p),
    badges: [p.protocol, ...(p.portDriver ? ['rootlesskit'] : []), p.dnatRule ? 'DNAT' : 'no DNAT rule found', p.proxy ? 'docker-proxy' : 'no proxy'],
    sections: [
      section('Path of a connection', [
        ...row('Host address', address(`${hostPortText(p.hostIp, p.hostPort)}/${p.protocol}`)),
        ...(p.portDriver ? row('Port driver', text(portDriverText(p.portDriver))) : []),
        ...row('Container', p.containerName, subjects.container(p.containerId)),
        ...row('Container address', p.containerIp ? address(`${p.containerIp}:${p.containerPort}`) : `port ${p.containerPort}`),
        { label: 'DNAT rule', value: p.dnatRule ? code(ruleText(p.dnatRule)) : text('not found') },
        { label: 'FORWARD rule', value: p.filterRule ? code(ruleText(p.filterRule)) : text('not found') },
        { label: 'docker-proxy', value: p.proxy ? code(proxyText(p.proxy)) : text('none running') },
      ]),
      ...gapSection(t, subjects.publish(p)),
    ],
  };
}

/** A host fact that may not have been read: its value, or "unknown (why)". */
function hostFlag(h: HostNodeWithoutRules, value: boolean | null, fact: 'sysctls'): FactValue {
  return value === null ? unknownValue(h.unknown?.[fact] ?? 'not read') : text(yesNo(value));
}

export function hostSummarySection(t: TopologyWithoutRules): FactSection {
  const h = t.host;
  const engine = [
    ...row('Engine', `${t.engine.name} · ${engineVersionText(t.engine)} · ${t.engine.endpoint.url}`),
    ...(t.engine.keptSince ? row('Engine identity', `GET /info and /version as read at ${t.engine.keptSince}: the same engine process has answered since`) : []),
  ];
  const limits = t.engine.apiLimits?.length ? row('Engine API limits', list(t.engine.apiLimits.map((l) => text(l)))) : [];
  if (!h) {
    const why = t.gaps.find((g) => g.about?.kind === 'host' || !g.about)?.reason ?? 'no host shell';
    return section('Host', [...row('Host facts', unknownValue(why)), ...row('Firewall backend', firewallBackendText(t)), ...engine, ...limits]);
  }
  return section('Host', [
    ...row('Reached through', h.target),
    ...(h.rootlessKit ? row('Rootless Docker', rootlessKitText(h.rootlessKit)) : []),
    ...(h.unknown?.rootlessKit ? row('RootlessKit', unknownValue(h.unknown.rootlessKit)) : []),
    ...row('Hostname', h.hostname),
    ...row('IPv4 forwarding (ip_forward)', hostFlag(h, h.ipForward, 'sysctls')),
    ...row('bridge-nf-call-iptables', hostFlag(h, h.bridgeNfCallIptables, 'sysctls')),
    ...row('Firewall backend', firewallBackendText(t)),
    ...row('iptables', h.firewall.iptablesVersion),
    ...(h.unknown?.firewallIpv4 ? row('Firewall rules (IPv4)', unknownValue(h.unknown.firewallIpv4)) : []),
    ...(h.listeners ? row('Listening', h.listeners.known ? listenerSummary(h.listeners) : unknownValue(h.listeners.reason)) : []),
    ...(h.kept ? row('Read', keptText(h.kept)) : []),
    ...engine,
    ...limits,
  ]);
}

/** A read after engine events or with the kernel watcher: what it kept from the last whole read, which they cannot have changed. */
function keptText(kept: NonNullable<HostNodeWithoutRules['kept']>): string {
  const what = [
    ...kept.sections,
    ...(kept.namespaces ? [`${kept.namespaces} container namespace${kept.namespaces === 1 ? '' : 's'} (same process, same namespace)`] : []),
    ...(kept.processes ? ['the process table (no container started or stopped since)'] : []),
  ];
  const firewall = kept.sections.some((s) => /tables-save$|^nft-ruleset$/.test(s));
  const why = kept.watched ? `the kernel watcher (ip monitor${firewall ? ', nft monitor' : ''}) heard no change there` : 'after engine events';
  return `${why}: ${what.length ? `kept ${what.join(', ')} from the whole read at ${kept.since}` : 'everything read again'}; the rest read now`;
}

export function hostSheet(t: TopologyWithoutRules): FactSheet {
  const h = t.host;
  const sysctls = h ? Object.keys(h.sysctls).sort() : [];
  const sections: FactSection[] = [hostSummarySection(t)];
  if (h && sysctls.length) sections.push(section('sysctls', sysctls.map((k) => ({ label: k, value: code(h.sysctls[k] ?? '') }))));
  sections.push(...gapSection(t, subjects.host()));
  return { subject: subjects.host(), kind: 'Docker host', title: h?.hostname ?? h?.target ?? 'host', badges: ['host'], sections };
}
