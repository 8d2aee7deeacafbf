/** What every command factory gets: the context, the views, the inspect pane and optional peers. */
import * as vscode from 'vscode';
import type { ListenersAsked } from '../../core/host/commands/containerListeners';
import type { Topology } from '../../core/model/types';
import type { TraceRequest, TraceResult } from '../../core/trace';
import type { TracePathNotification } from '../../protocol/topologyProtocol';
import type { NetlensContext } from '../ctx';
import type { InspectPanel } from '../inspect/inspectPanel';
import type { TreeNode } from '../trees/treeNode';
import type { NetlensViews } from '../views';

/** The trace engine's entry points (src/core/trace), passed in so commands stay testable. */
export interface TraceEngine {
  tracePacket(topology: Topology, request: TraceRequest): TraceResult;
  formatTrace(result: TraceResult): string;
  /** tracePacket, reading the listeners of containers (or the host) the walk reaches where the model left them unread */
  traceReadingListeners?(
    topology: Topology,
    request: TraceRequest,
    read: (topology: Topology, asked: ListenersAsked) => Promise<Topology>,
    readNat?: (topology: Topology, containerIds: readonly string[]) => Promise<Topology>,
  ): Promise<{ topology: Topology; result: TraceResult }>;
}

/** What the topology panel offers back, once it is registered. */
export interface TopologyHooks {
  /** shows the panel with this item focused: a subject key (`ctr:<id>`, `nic:<name>` …) or a name */
  focus(id: string): void;
  /** highlights the shown trace's path on the graph (hops: [] clears); `reveal` opens the topology */
  showTrace?(path: TracePathNotification, reveal: boolean): void;
}

export interface CommandDeps {
  readonly ctx: NetlensContext;
  readonly views: NetlensViews;
  readonly inspect: InspectPanel;
  readonly trace?: TraceEngine;
  readonly topology?: () => TopologyHooks | undefined;
  /** where dist/ is (the trace view's script) */
  readonly extensionUri: vscode.Uri;
}

/**
 * The node a command acts on: the tree element it was invoked on, else the selection, else one the
 * user picks among the nodes that have what the command needs.
 */
export async function targetNode(deps: CommandDeps, arg: unknown, has: (n: TreeNode) => boolean, placeHolder: string): Promise<TreeNode | undefined> {
  const fromArg = deps.views.node(arg);
  if (fromArg && has(fromArg)) return fromArg;
  if (arg === undefined) {
    const sel = deps.views.selected();
    if (sel && has(sel)) return sel;
  }
  const seen = new Set<string>();
  const items: Array<vscode.QuickPickItem & { node: TreeNode }> = [];
  for (const provider of Object.values(deps.views.providers)) {
    for (const { node } of provider.allNodes()) {
      const key = `${node.label}|${node.description ?? ''}`;
      if (!has(node) || seen.has(key)) continue;
      seen.add(key);
      items.push({ label: node.label, description: node.description ?? '', detail: provider.view, node });
    }
  }
  if (!items.length) {
    void vscode.window.showInformationMessage(`netlens: nothing in the model fits (${placeHolder.toLowerCase()})`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  return picked?.node;
}
