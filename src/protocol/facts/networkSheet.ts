/** Sheets for a Docker network and for one container's endpoint on it. */
import type { Endpoint, NetworkNode, TopologyWithoutRules } from '../../core/model/types';
import { subjects } from '../subject';
import { meshPortText, meshStateText } from './meshText';
import { gapSection } from './gaps';
import { networkBadges, publishText, ruleText, shortId, withPrefix, yesNo } from './format';
import { address, addressRow, addresses, code, list, row, section, text, unknownValue, type FactRow, type FactSection, type FactSheet } from './sheet';

function recordRows(record: Readonly<Record<string, string>>): FactRow[] {
  return Object.keys(record).sort().map((k) => ({ label: k, value: text(record[k] ?? '') }));
}

/** An overlay's kernel side on this host: its namespace, the bridge inside it and the VXLAN device. */
function overlaySection(n: NetworkNode): FactSection[] {
  const ov = n.overlay;
  if (!ov) return [];
  const rows: FactRow[] = [
    ...row('Namespace', ov.namespacePresent === null ? unknownValue(`${ov.namespace}: Docker's namespaces were not read`) : ov.namespacePresent ? address(ov.namespace) : text(`${ov.namespace} not on this host (made when a local container joins)`)),
    ...row('Bridge (inside)', ov.bridge ? list([address(ov.bridge), ...ov.bridgeAddresses.map(address)]) : null),
    ...row('VXLAN device', ov.vxlan ? address(`${ov.vxlan.name} vni ${ov.vxlan.vni ?? ov.engineVni ?? '?'} port ${ov.vxlan.port ?? '?'}${ov.vxlan.local ? ` local ${ov.vxlan.local}` : ''}`) : null),
    ...(!ov.vxlan && ov.engineVni !== null ? row('VNI', `${ov.engineVni} (engine; the device was not read)`) : []),
    ...ov.ports.flatMap((p) => (p.peerNamespace ? row(p.name, address(`docker netns ${p.peerNamespace} ${p.peerInterface ?? '?'}`)) : [])),
    ...remoteRows(ov),
  ];
  return [section('Overlay on this host', rows)];
}

/** The endpoints on other nodes, one row per node (underlay address) the VXLAN device sends to. */
function remoteRows(ov: NonNullable<NetworkNode['overlay']>): FactRow[] {
  if (!ov.remotes) return [];
  const dev = ov.vxlan?.name ?? 'vxlan0';
  if (!ov.remotes.known) return row(`Behind ${dev}`, unknownValue(ov.remotes.reason));
  if (ov.remotes.value.length === 0) return row(`Behind ${dev}`, text('no endpoint on another node'));
  const byNode = new Map<string, string[]>();
  for (const r of ov.remotes.value) byNode.set(r.underlay, [...(byNode.get(r.underlay) ?? []), `${r.addresses.join(', ') || '?'} (${r.mac})`]);
  return [...byNode].flatMap(([node, eps]) => row(`${dev} → ${node}`, list(eps.map(address))));
}

export function endpointRows(n: NetworkNode, ep: Endpoint): FactRow[] {
  return [
    ...row('Container', ep.containerName, subjects.container(ep.containerId)),
    ...addressRow('IPv4', withPrefix(ep.ipv4, ep.ipv4PrefixLen)),
    ...addressRow('IPv6', ep.ipv6),
    ...addressRow('MAC', ep.mac),
    ...addressRow('Gateway', ep.gateway),
    ...addressRow('Interface in container', ep.containerInterface),
    ...addressRow('Host veth', ep.hostVeth, ep.hostVeth ? subjects.hostInterface(ep.hostVeth) : undefined),
    ...row('Host veth ifindex', ep.hostVethIndex),
    ...addressRow('Bridge', n.bridge, n.bridge ? subjects.hostInterface(n.bridge) : undefined),
    ...(ep.overlayPeer ? row('Other end', address(`${ep.overlayPeer.interface} in ${ep.overlayPeer.namespace}`)) : []),
    ...row('Aliases', ep.aliases.filter((a) => a !== shortId(ep.containerId)).join(', ')),
    ...row('Links', ep.links.join(', ')),
    ...(ep.source === 'kernel' ? row('Seen by', 'the kernel (the engine does not list it)') : []),
  ];
}

export function networkSheet(t: TopologyWithoutRules, n: NetworkNode): FactSheet {
  const sections: FactSection[] = [
    section('Network', [
      ...row('Driver', n.driver),
      ...row('Scope', n.scope),
      ...row('Subnets', addresses(n.subnets)),
      ...row('Gateways', addresses(n.gateways)),
      ...row('Flags', networkBadges(n).join(', ')),
      ...addressRow('Host bridge', n.bridge, n.bridge ? subjects.hostInterface(n.bridge) : undefined),
      ...(n.bridge ? row('Bridge present on host', n.bridgePresent === null ? unknownValue('the host\'s interfaces were not read') : yesNo(n.bridgePresent)) : []),
      ...addressRow('Parent interface', n.parent, n.parent ? subjects.hostInterface(n.parent) : undefined),
      ...row('Inter-container traffic (ICC)', n.driver === 'bridge' ? (n.icc ? 'allowed' : 'blocked') : null),
      ...row('IP masquerade', n.driver === 'bridge' ? yesNo(n.masquerade) : null),
      ...row('MTU', n.mtu),
      ...row('Id', shortId(n.id)),
    ]),
    ...overlaySection(n),
    ...(n.mesh ? [section('Routing mesh on this host', [...row('State', meshStateText(n.mesh)), ...n.mesh.ports.map((p) => ({ label: `${p.proto}/${p.published}`, value: text(meshPortText(p)) }))])] : []),
    section(
      `Endpoints (${n.endpoints.length})`,
      n.endpoints.map((ep) => {
        const addrs = [withPrefix(ep.ipv4, ep.ipv4PrefixLen), ep.ipv6].filter((a): a is string => a !== null).map(address);
        return {
          label: ep.containerName,
          value: list([...(addrs.length ? addrs : [text('no address')]), ...(ep.hostVeth ? [address(`host side ${ep.hostVeth}`)] : [])]),
          ref: subjects.endpoint(n.id, ep.containerId),
        };
      }),
    ),
  ];
  if (n.natRules.length) sections.push(section('NAT rules', n.natRules.map((r) => ({ label: 'nat', value: code(ruleText(r)) }))));
  if (Object.keys(n.options).length) sections.push(section('Driver options', recordRows(n.options)));
  if (Object.keys(n.labels).length) sections.push(section('Labels', recordRows(n.labels)));
  sections.push(...gapSection(t, subjects.network(n.id)));
  const badges = [n.driver, ...networkBadges(n), ...(n.natRules.length ? ['MASQUERADE'] : [])];
  return { subject: subjects.network(n.id), kind: 'Network', title: n.name, subtitle: `${n.driver} network`, badges, sections };
}

export function endpointSheet(t: TopologyWithoutRules, n: NetworkNode, ep: Endpoint): FactSheet {
  const publishes = t.publishes.filter((p) => p.containerId === ep.containerId);
  const sections: FactSection[] = [section(`On ${n.name}`, endpointRows(n, ep))];
  if (publishes.length) {
    sections.push(
      section(
        'Published ports',
        publishes.map((p) => ({ label: publishText(p), value: p.dnatRule ? code(`DNAT ${ruleText(p.dnatRule)}`) : text('no DNAT rule found'), ref: subjects.publish(p) })),
      ),
    );
  }
  sections.push(...gapSection(t, subjects.endpoint(n.id, ep.containerId)));
  return { subject: subjects.endpoint(n.id, ep.containerId), kind: 'Endpoint', title: `${ep.containerName} on ${n.name}`, badges: ['veth'], sections };
}
