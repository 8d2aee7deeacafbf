/**
 * A container's fact sheet: its interfaces with their veth peers and bridges, routes, each publish
 * followed through DNAT and docker-proxy, mounts with host paths and (when fetched) its layers.
 */
import type { ContainerStorage } from '../../core/docker/types';
import type { ContainerNode, Topology } from '../../core/model/types';
import { row, type FactSection, type FactSheet } from './factSheet';
import { gapsAbout, publishText, routeText, ruleText, shortId } from './format';
import { nodeIds } from '../trees/nodeIds';
import { listenerSummary } from '../../core/model/listenerSummary';

export function containerSummarySection(engine: string, c: ContainerNode, topology: Topology): FactSection {
  const shares = c.sharesNetnsWith ? topology.containers.find((o) => o.id === c.sharesNetnsWith) : undefined;
  return {
    heading: 'Container',
    rows: [
      ...row('Image', c.image),
      ...row('State', `${c.state} (${c.status})`),
      ...row('Network mode', c.networkMode),
      ...row('Shares network namespace of', shares ? shares.name : c.sharesNetnsWith, c.sharesNetnsWith ? { view: 'containers', id: nodeIds.container(engine, c.sharesNetnsWith) } : undefined),
      ...row('Networks', c.networks.join(', ')),
      ...row('Default gateway', c.defaultGateway),
      ...row('Listening', !c.listeners ? null : c.networkMode === 'host' ? "the host's sockets (--network host)" : listenerSummary(c.listeners)),
      ...row('PID', c.pid),
      ...row('Id', shortId(c.id)),
    ],
  };
}

export function containerSheet(engine: string, topology: Topology, c: ContainerNode, storage?: ContainerStorage): FactSheet {
  const sections: FactSection[] = [containerSummarySection(engine, c, topology)];
  sections.push({
    heading: 'Interfaces',
    rows: c.interfaces.map((i) => ({
      label: i.name,
      value: [
        i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(', ') || 'no address',
        i.mac ? `MAC ${i.mac}` : null,
        i.hostPeer ? `host peer ${i.hostPeer}` : null,
        i.bridge ? `on bridge ${i.bridge}` : null,
      ].filter(Boolean).join(' · '),
      ...(i.hostPeer ? { link: { view: 'host' as const, id: nodeIds.hostInterface(engine, i.hostPeer) } } : {}),
    })),
    ...(c.unknown?.netns ? { note: `Not known: ${c.unknown.netns}` } : c.interfaces.length ? {} : { note: 'Interfaces inside the container are not known (see below).' }),
  });
  if (c.unknown?.netns) sections.push({ heading: 'Routes (inside the container)', rows: [], note: `Not known: ${c.unknown.netns}` });
  else if (c.routes.length) sections.push({ heading: 'Routes (inside the container)', rows: c.routes.map((r, i) => ({ label: String(i + 1), value: routeText(r) })) });
  const publishes = topology.publishes.filter((p) => p.containerId === c.id);
  if (publishes.length) {
    sections.push({
      heading: 'Published ports',
      rows: publishes.flatMap((p) => [
        { label: publishText(p), value: p.dnatRule ? `DNAT ${ruleText(p.dnatRule)}` : 'no DNAT rule found' },
        ...(p.filterRule ? [{ label: '  forward', value: ruleText(p.filterRule) }] : []),
        { label: '  docker-proxy', value: p.proxy ? `pid ${p.proxy.pid}: ${p.proxy.args}` : 'none running' },
      ]),
    });
  }
  if (c.mounts.length) {
    sections.push({
      heading: 'Mounts',
      rows: c.mounts.map((m) => ({
        label: m.destination,
        value: `${m.type}${m.name && m.type === 'volume' ? ` ${m.name}` : ''} · ${m.rw ? 'rw' : 'ro'}${m.source ? ` · host ${m.source}` : ''}`,
      })),
    });
  }
  if (storage) sections.push(storageSection(storage));
  if (Object.keys(c.labels).length) {
    sections.push({ heading: 'Labels', rows: Object.keys(c.labels).sort().map((k) => ({ label: k, value: c.labels[k] ?? '' })) });
  }
  const gaps = gapsAbout(topology, c.name, c.id);
  if (gaps.length) sections.push({ heading: 'Not known', rows: gaps.map((g) => ({ label: 'gap', value: g })) });
  return { kind: 'Container', title: c.name, subtitle: c.image, sections, raw: { kind: 'container', id: c.id }, topologyId: c.id };
}

export function storageSection(s: ContainerStorage): FactSection {
  if (s.unavailableReason) return { heading: 'Layers', rows: [], note: s.unavailableReason };
  return {
    heading: `Layers (${s.driver})`,
    rows: [
      ...row('MergedDir', s.mergedDir),
      ...row('UpperDir', s.upperDir),
      ...row('WorkDir', s.workDir),
      ...s.lowerDirs.map((d, i) => ({ label: `LowerDir ${i + 1}`, value: d })),
    ],
  };
}
