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
import { engineProductText, engineVersionText } from '../../protocol/facts/format';

const CHILDREN: Record<ViewName, (engine: string, topology: Topology, provisional: ReadonlySet<string>, filter: ProjectFilter) => TreeNode[]> = {
  networks: networkNodes,
  host: (engine, topology) => hostNodes(engine, topology),
  containers: containerNodes,
};

export function engineRoot(view: ViewName, engine: EngineView, filter: ProjectFilter = {}): TreeNode {
  const { status, topology } = engine;
  const key = engine.key;
  const children: TreeNode[] = [];
  if (status.kind === 'error') children.push(...errorNodes(key, 'Cannot reach the Docker engine', status.error));
  else if (topology) {
    if (status.kind === 'stale') children.push(...errorNodes(key, `Engine unreachable since ${clock(status.since)} — last known state below`, status.error));
    children.push(...CHILDREN[view](key, topology, engine.provisional ?? new Set(), filter));
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
