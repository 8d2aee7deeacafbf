/**
 * The topology panel's entry for the extension's activate(): registers the `netlens.showTopology`
 * command (optional argument: what to focus — a subject key such as `ctr:<id>` or `nic:<name>`, a
 * container/network id or name, an interface name, `if:<name>` or `netns:<name>`) and the serializer that restores the panel
 * after a window reload. main.ts calls this once; everything is disposed with the extension.
 */
import * as vscode from 'vscode';
import { topologyViewType } from '../../protocol/topologyProtocol';
import type { TracePathNotification } from '../../protocol/topologyProtocol';
import type { TopologyPanelDeps } from './topologyPanel';
import { TopologyPanel } from './topologyPanel';

export type { TopologyEngineState, TopologyPanelDeps } from './topologyPanel';

const showTopologyCommand = 'netlens.showTopology';

export interface TopologyPanelController extends vscode.Disposable {
  /** open or reveal the panel; focus an item when given */
  show(focusTarget?: string): void;
  /** highlight the shown trace's path (each hop's subject keys, the deciding hop); `hops: []` clears */
  showTrace(path: TracePathNotification): void;
}

export function registerTopologyPanel(context: vscode.ExtensionContext, deps: TopologyPanelDeps): TopologyPanelController {
  const show = (focusTarget?: unknown): void => {
    TopologyPanel.createOrShow(context.extensionUri, deps, typeof focusTarget === 'string' && focusTarget.length > 0 ? focusTarget : undefined);
  };
  const registrations = [
    vscode.commands.registerCommand(showTopologyCommand, show),
    vscode.window.registerWebviewPanelSerializer(topologyViewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        TopologyPanel.revive(panel, context.extensionUri, deps);
      },
    }),
  ];
  const controller: TopologyPanelController = {
    show,
    showTrace: (path) => TopologyPanel.showTrace(path),
    dispose: () => {
      TopologyPanel.instance?.dispose();
      for (const r of registrations) r.dispose();
    },
  };
  context.subscriptions.push(controller);
  return controller;
}
