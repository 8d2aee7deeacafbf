/**
 * A container's sheet: its networks with the veth on the host side, its interfaces and routes
 * inside, who listens, each publish followed through DNAT and docker-proxy, mounts with host
 * paths, labels, (when fetched) its layers, and what is not known about it.
 */
import type { ContainerStorage } from '../../core/docker/types';
import type { Known } from '../../core/known';
import type { Listener } from '../../core/host/types';
import type { ContainerNode, TopologyWithoutRules } from '../../core/model/types';
import { subjects } from '../subject';
import { gapSection } from './gaps';
import { mountText, portBindingText, portDriverText, proxyText, publishText, routeText, ruleText, shortId, withPrefix } from './format';
import { address, addressRow, code, list, row, section, text, unknownValue, type FactRow, type FactSection, type FactSheet } from './sheet';

const DOCKER_DNS = '127.0.0.11';

/** One row per socket: `tcp/80` → `0.0.0.0`; Docker's embedded DNS (random ports) as one row. */
export function listenerRows(listeners: Known<readonly Listener[]>): FactRow[] {
  if (!listeners.known) return row('sockets', unknownValue(listeners.reason));
  const seen = new Map<string, FactRow>();
  for (const l of listeners.value) {
    const r: FactRow =
      l.address === DOCKER_DNS
        ? { label: 'Docker DNS', value: address(DOCKER_DNS) }
        : { label: `${l.protocol}/${l.port}`, value: address(l.address === '0.0.0.0' || l.address === '::' ? 'any address' : l.address) };
    const key = `${r.label} ${r.value.kind === 'address' ? r.value.text : ''}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  return seen.size ? [...seen.values()] : row('sockets', 'none');
}

function listeningSection(c: ContainerNode): FactSection[] {
  if (c.networkMode === 'host') return [section('Listening', row('sockets', "the host's (--network host)", subjects.host()))];
  if (!c.listeners) return [];
  return [section('Listening', listenerRows(c.listeners))];
}

function networkSections(t: TopologyWithoutRules, c: ContainerNode): FactSection[] {
  return t.networks.flatMap((n) =>
    n.endpoints
      .filter((e) => e.containerId === c.id)
      .map((e) => {
        const vethMissing = n.driver === 'bridge' && c.state === 'running' && !e.hostVeth;
        return section(`Network ${n.name}`, [
          ...row('Driver', n.driver, subjects.network(n.id)),
          ...addressRow('Interface in container', e.containerInterface),
          ...addressRow('IPv4', withPrefix(e.ipv4, e.ipv4PrefixLen)),
          ...addressRow('IPv6', e.ipv6),
          ...addressRow('MAC', e.mac),
          ...addressRow('Gateway', e.gateway),
          ...(vethMissing
            ? row('Host veth', unknownValue(c.unknown?.netns ?? 'no host interface is the peer of its interface'))
            : addressRow('Host veth', e.hostVeth ? `${e.hostVeth}${e.hostVethIndex !== null ? ` (ifindex ${e.hostVethIndex})` : ''}` : null, e.hostVeth ? subjects.hostInterface(e.hostVeth) : undefined)),
          ...addressRow('Bridge', n.bridge, n.bridge ? subjects.hostInterface(n.bridge) : undefined),
          ...row('Aliases', e.aliases.filter((a) => a !== shortId(c.id)).join(', ')),
          ...row('Links', e.links.join(', ')),
        ]);
      }),
  );
}

function insideSections(c: ContainerNode): FactSection[] {
  if (c.networkMode === 'host') return [];
  if (c.unknown?.netns) {
    return [section('Interfaces', row('interfaces', unknownValue(c.unknown.netns))), section('Routes (inside the container)', row('routes', unknownValue(c.unknown.netns)))];
  }
  const out: FactSection[] = [];
  if (c.interfaces.length) {
    out.push(
      section(
        'Interfaces',
        c.interfaces.flatMap((i) =>
          row(
            i.name,
            list([
              ...(i.addresses.length ? i.addresses.map((a) => address(`${a.address}/${a.prefixLen}`)) : [text('no address')]),
              ...(i.mac ? [address(`MAC ${i.mac}`)] : []),
              ...(i.hostPeer ? [address(`host peer ${i.hostPeer}`)] : []),
              ...(i.bridge ? [address(`on bridge ${i.bridge}`)] : []),
            ]),
            i.hostPeer ? subjects.hostInterface(i.hostPeer) : undefined,
          ),
        ),
      ),
    );
  }
  if (c.routes.length) out.push(section('Routes (inside the container)', c.routes.map((r, i) => ({ label: String(i + 1), value: address(routeText(r)) }))));
  return out;
}

function portSections(t: TopologyWithoutRules, c: ContainerNode): FactSection[] {
  const publishes = t.publishes.filter((p) => p.containerId === c.id);
  const exposed = c.ports.filter((p) => p.hostPort === null);
  if (!publishes.length && !exposed.length) return [];
  return [
    section('Published ports', [
      ...publishes.flatMap((p) => [
        { label: publishText(p), value: p.dnatRule ? code(`DNAT ${ruleText(p.dnatRule)}`) : text('no DNAT rule found'), ref: subjects.publish(p) },
        ...(p.portDriver ? [{ label: '  port driver', value: text(portDriverText(p.portDriver)) }] : []),
        ...(p.filterRule ? [{ label: '  forward', value: code(ruleText(p.filterRule)) }] : []),
        { label: '  docker-proxy', value: p.proxy ? code(proxyText(p.proxy)) : text('none running') },
      ]),
      ...exposed.flatMap((p) => row(portBindingText(p), 'not published')),
    ]),
  ];
}

export function storageSection(s: ContainerStorage): FactSection {
  if (s.unavailableReason) return section('Layers', row('layers', unknownValue(s.unavailableReason)));
  return section(`Layers (${s.driver})`, [
    ...addressRow('MergedDir', s.mergedDir),
    ...addressRow('UpperDir', s.upperDir),
    ...addressRow('WorkDir', s.workDir),
    ...s.lowerDirs.map((d, i) => ({ label: `LowerDir ${i + 1}`, value: address(d) })),
  ]);
}

export function containerSummarySection(t: TopologyWithoutRules, c: ContainerNode): FactSection {
  const owner = c.sharesNetnsWith ? t.containers.find((o) => o.id === c.sharesNetnsWith) : undefined;
  return section('Container', [
    ...row('Image', c.image),
    ...row('State', `${c.state} (${c.status})`),
    ...row('Network mode', c.networkMode),
    ...row('Shares network namespace of', owner ? owner.name : c.sharesNetnsWith, c.sharesNetnsWith ? subjects.container(c.sharesNetnsWith) : undefined),
    ...row('Networks', c.networks.join(', ')),
    ...(c.unknown?.netns ? row('Default gateway', unknownValue(c.unknown.netns)) : addressRow('Default gateway', c.defaultGateway)),
    ...row('PID', c.pid),
    ...row('Id', shortId(c.id)),
  ]);
}

export function containerSheet(t: TopologyWithoutRules, c: ContainerNode, storage?: ContainerStorage): FactSheet {
  const labels = Object.keys(c.labels).sort();
  const sections: FactSection[] = [
    containerSummarySection(t, c),
    ...networkSections(t, c),
    ...insideSections(c),
    ...listeningSection(c),
    ...portSections(t, c),
    ...(c.mounts.length ? [section('Mounts', c.mounts.map((m) => ({ label: m.destination, value: text(mountText(m)) })))] : []),
    ...(storage ? [storageSection(storage)] : []),
    ...(labels.length ? [section('Labels', labels.map((k) => ({ label: k, value: text(c.labels[k] ?? '') })))] : []),
    ...gapSection(t, subjects.container(c.id)),
  ];
  return { subject: subjects.container(c.id), kind: 'Container', title: c.name, subtitle: c.image, badges: [c.state, c.networkMode], sections };
}
