/**
 * A tree node as plain data: what the model-to-node builders produce and the vscode providers map
 * to TreeItems. Being free of `vscode`, the builders are unit-tested in plain Node.
 */
import type { FactSheet } from '../facts/factSheet';
import type { Subject } from '../../protocol/subject';

export type ViewName = 'networks' | 'host' | 'containers';

/** A codicon id and an optional theme colour id (e.g. `charts.green`). */
export interface NodeIcon {
  readonly id: string;
  readonly color?: string;
}

/** What commands on a node act on. Each present field enables the matching menu entry. */
export interface NodeTargets {
  readonly ip?: string;
  readonly mac?: string;
  readonly veth?: string;
  /** host interface to run tcpdump on (a veth or a bridge) */
  readonly captureInterface?: string;
  readonly publish?: { readonly hostIp: string; readonly hostPort: number; readonly protocol: string };
  /** what the trace engine calls this end (a container name or an IP) */
  readonly traceEndpoint?: string;
  /**
   * The model thing this node shows, by identity: "Show in topology" focuses it (the graph draws
   * it under subjectKey), the inspect pane's links reach it (nodeIds.subject).
   */
  readonly subject?: Subject;
  /** a container whose storage/diff can be fetched */
  readonly containerId?: string;
}

export interface TreeNode {
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  /** markdown, every Docker-supplied string escaped */
  readonly tooltip?: string;
  readonly icon?: NodeIcon;
  /** `;kind;capability;…;` — menus match it with `viewItem =~ /;capability;/` */
  readonly contextValue: string;
  readonly children: readonly TreeNode[];
  readonly expanded?: boolean;
  /** children fetched from the engine when the node is expanded */
  readonly lazy?: { readonly kind: 'storage' | 'diff'; readonly containerId: string };
  readonly targets?: NodeTargets;
  /** the inspect pane's content for this node */
  readonly sheet?: () => FactSheet;
  /** what clicking the item does besides selecting it (error items: retry, open settings) */
  readonly action?: 'retry' | 'openSettings' | 'showLog';
  readonly engineKey: string;
}

/** Builds a contextValue from a kind and the capabilities its targets enable. */
export function contextValueFor(kind: string, targets: NodeTargets | undefined, extra: readonly string[] = []): string {
  const caps: string[] = [kind, ...extra];
  if (targets?.ip) caps.push('ip');
  if (targets?.mac) caps.push('mac');
  if (targets?.veth) caps.push('veth');
  if (targets?.captureInterface) caps.push('capture');
  if (targets?.publish) caps.push('browse');
  if (targets?.traceEndpoint) caps.push('trace');
  if (targets?.subject && targets.subject.kind !== 'host') caps.push('topology');
  return `;${caps.join(';')};`;
}
