/**
 * The root of every view: one node per engine. It carries the engine's state, so an unreachable
 * engine shows an error item with Retry and Open Settings (never an empty tree), and a model kept
 * after the engine went away says it is stale.
 */
import { markdownText } from '../text/markdownText';
import { warningLineMarkdown } from '../facts/sheetMarkdown';
import { clock, statusText, type EngineView } from '../engines/engineStatus';
import { containerNodes } from './containerNodes';
import { hostNodes } from './hostNodes';
import { networkNodes } from './networkNodes';
import { nodeIds } from './nodeIds';
import type { ProjectFilter } from './projectNodes';
import type { TreeNode, ViewName } from './treeNode';
import { hostSheet } from '../facts/sheets';
import type { Topology } from '../../core/model/types';
import { firewallBackendText } from '../../protocol/facts/firewallText';
import { hostLinks, nameOf } from '../../core/model/hostLinks';
import { engineProductText, engineVersionText } from '../../protocol/facts/format';

const CHILDREN: Record<ViewName, (engine: string, topology: Topology, provisional: ReadonlySet<string>, filter: ProjectFilter) => TreeNode[]> = {
  networks: networkNodes,
  host: (engine, topology) => hostNodes(engine, topology),
  containers: containerNodes,
};

/**
 * The Host view of several engines: under each, how its kernel reaches the others' hosts (its route
 * to each underlay address, model/hostLinks.ts); nothing with one engine. `models` are the engines'
 * models in the order of `keys`; an engine without a model is left out.
 */
export function otherHostNodes(key: string, keys: readonly string[], models: readonly (Topology | undefined)[]): TreeNode[] {
  const present = keys.map((k, i) => ({ k, t: models[i] })).filter((x): x is { k: string; t: Topology } => x.t !== undefined);
  const self = present.findIndex((x) => x.k === key);
  if (present.length < 2 || self < 0) return [];
  const joined = hostLinks(present.map((x) => x.t));
  const mine = joined.links.filter((l) => l.from === self);
  const group = nodeIds.hostGroup(key, 'other-hosts');
  const children: TreeNode[] = mine.map((l) => {
    const id = `${group}/${encodeURIComponent(present[l.to]!.k)}/${l.address}`;
    // the overlays' VXLAN tunnels that go this way: to this host, at this address
    const tunnels = (joined.tunnels ?? []).filter((t) => t.from === self && t.to === l.to && t.remote === l.address);
    return {
      id,
      label: `→ ${l.toName}`,
      description: `${l.address} (${l.toInterface}) · ${l.direct ? 'same link' : `via ${l.via ?? 'default route'}`} · dev ${l.dev}`,
      tooltip: `**${markdownText(l.fromName)} → ${markdownText(l.toName)}**\n\nroute ${markdownText(l.route)}`,
      icon: { id: 'arrow-swap' },
      contextValue: ';hostLink;ip;',
      targets: { ip: l.address },
      children: tunnels.map((t) => ({
        id: `${id}/tunnel/${t.networkId}`,
        label: `overlay ${t.networkName}`,
        description: `VXLAN VNI ${t.vni ?? '?'} · udp/${t.port ?? '?'} · ${t.local ?? '?'} → ${t.remote} · ${t.endpoints.length} endpoint${t.endpoints.length === 1 ? '' : 's'}`,
        tooltip: [
          `**overlay ${markdownText(t.networkName)}**: VXLAN tunnel ${markdownText(t.fromName)} → ${markdownText(t.toName)}`,
          `VNI ${t.vni ?? '?'}, UDP port ${t.port ?? '?'}, underlay ${markdownText(t.local ?? '?')} → ${markdownText(t.remote)}${t.route ? ` (route ${markdownText(t.route)})` : ''}`,
          `there: namespace ${markdownText(t.farNamespace ?? 'not found')}; endpoints ${t.endpoints.map((e) => markdownText(`${e.addresses.join(', ') || '?'} (${e.mac})`)).join('; ')}`,
        ].join('\n\n'),
        icon: { id: 'plug' },
        contextValue: ';info;',
        children: [],
        engineKey: key,
      })),
      ...(tunnels.length ? { expanded: true } : {}),
      engineKey: key,
    };
  });
  const me = nameOf(present[self]!.t, self);
  for (const u of joined.unknown.filter((u) => u.startsWith(`${me} → `) || u.startsWith(`${me}: overlay `))) {
    children.push({ id: `${group}/unknown/${encodeURIComponent(u)}`, label: 'not joined', description: u, icon: { id: 'question' }, contextValue: ';info;', children: [], engineKey: key });
  }
  if (children.length === 0) children.push({ id: `${group}/none`, label: 'no route to the other hosts', icon: { id: 'info' }, contextValue: ';info;', children: [], engineKey: key });
  return [{ id: group, label: 'Other hosts', description: `${mine.length} route${mine.length === 1 ? '' : 's'}`, icon: { id: 'remote-explorer' }, contextValue: ';group;', children, expanded: true, engineKey: key }];
}

export function engineRoot(view: ViewName, engine: EngineView, filter: ProjectFilter = {}, others: readonly TreeNode[] = []): TreeNode {
  const { status, topology } = engine;
  const key = engine.key;
  const children: TreeNode[] = [];
  if (status.kind === 'error') children.push(...errorNodes(key, 'Cannot reach the Docker engine', status.error));
  else if (topology) {
    if (status.kind === 'stale') children.push(...errorNodes(key, `Engine unreachable since ${clock(status.since)} — last known state below`, status.error));
    children.push(...CHILDREN[view](key, topology, engine.provisional ?? new Set(), filter), ...others);
  }
  else children.push({ id: `${nodeIds.engine(key)}/loading`, label: 'Connecting…', icon: { id: 'loading~spin' }, contextValue: ';info;', children: [], engineKey: key });

  const info = topology?.engine;
  const tooltipLines = [`**${info ? engineProductText(info) : 'Docker'} engine** ${markdownText(engine.label)}`, ''];
  if (status.kind === 'stale') tooltipLines.push(warningLineMarkdown(statusText(status)), '', `*${markdownText(status.error)}*`, '');
  if (topology && info) {
    tooltipLines.push(
      `- endpoint: ${markdownText(info.endpoint.url)} (${markdownText(info.endpoint.source)})`,
      `- ${markdownText(engineVersionText(info))}, API ${markdownText(info.apiVersion)}, ${markdownText(info.os)}`,
      `- storage driver: ${markdownText(info.storageDriver)}`,
      `- firewall backend: ${markdownText(firewallBackendText(topology))}`,
      ...(info.apiLimits ?? []).map((l) => `- API limit: ${markdownText(l)}`),
    );
    tooltipLines.push(`- collected ${markdownText(clock(topology.collectedAt))} in ${topology.stats.collectMs} ms`);
  } else tooltipLines.push(markdownText(statusText(status)));

  const description =
    status.kind === 'connected' && info
      ? `${info.endpoint.url} · ${engineVersionText(info)}`
      : statusText(status);
  const icon =
    status.kind === 'error'
      ? { id: 'error', color: 'errorForeground' }
      : status.kind === 'stale'
        ? { id: 'warning', color: 'list.warningForeground' }
        : status.kind === 'connecting'
          ? { id: 'loading~spin' }
          : { id: 'server-environment', color: 'charts.green' };
  return {
    id: nodeIds.engine(key),
    label: engine.label,
    description,
    tooltip: tooltipLines.join('\n'),
    icon,
    contextValue: `;engine;engine-${status.kind};`,
    children,
    expanded: true,
    ...(topology?.host && view === 'host' ? { sheet: () => hostSheet(key, topology) } : {}),
    engineKey: key,
  };
}

function errorNodes(key: string, label: string, error: string): TreeNode[] {
  return [
    {
      id: nodeIds.engineError(key),
      label,
      description: error,
      tooltip: `**${markdownText(label)}**\n\n${markdownText(error)}\n\nDetails are in the *netlens* output channel.`,
      icon: { id: 'error', color: 'errorForeground' },
      contextValue: ';engineError;',
      children: [],
      action: 'showLog',
      engineKey: key,
    },
    { id: `${nodeIds.engineError(key)}/retry`, label: 'Retry', icon: { id: 'refresh' }, contextValue: ';retry;', children: [], action: 'retry', engineKey: key },
    { id: `${nodeIds.engineError(key)}/settings`, label: 'Open Settings', description: 'netlens.engine.*', icon: { id: 'gear' }, contextValue: ';settings;', children: [], action: 'openSettings', engineKey: key },
  ];
}

/** Every node of a tree in depth-first order with its parent id, for getParent and the test API. */
export function flattenNodes(roots: readonly TreeNode[]): Array<{ node: TreeNode; parentId: string | undefined; depth: number }> {
  const out: Array<{ node: TreeNode; parentId: string | undefined; depth: number }> = [];
  const walk = (n: TreeNode, parentId: string | undefined, depth: number): void => {
    out.push({ node: n, parentId, depth });
    for (const c of n.children) walk(c, n.id, depth + 1);
  };
  for (const r of roots) walk(r, undefined, 0);
  return out;
}
