/** Refresh, Retry, settings, log, Inspect, Raw JSON and Open in topology. */
import * as vscode from 'vscode';
import { openSettings } from '../ctx';
import { openRawJson } from '../inspect/rawJsonDocuments';
import { isTreeElement } from '../views';
import { targetNode, type CommandDeps } from './commandDeps';
import { subjectKey } from '../../protocol/subject';
import { composeProjects } from '../../core/model/projects';
import type { TreeNode } from '../trees/treeNode';

export function registerViewCommands(deps: CommandDeps): vscode.Disposable[] {
  const { ctx, views, inspect } = deps;
  return [
    vscode.commands.registerCommand('netlens.refresh', (arg?: unknown) => {
      const node = views.node(arg);
      return ctx.refresh('manual', node?.engineKey || undefined);
    }),
    vscode.commands.registerCommand('netlens.retry', (arg?: unknown) => {
      const node = views.node(arg);
      return ctx.refresh('manual: retry', node?.engineKey || undefined);
    }),
    vscode.commands.registerCommand('netlens.openSettings', () => openSettings()),
    vscode.commands.registerCommand('netlens.showLog', () => ctx.log.show(true)),
    vscode.commands.registerCommand('netlens.inspect', async (arg?: unknown, opts?: { preserveFocus?: boolean }) => {
      const node = await targetNode(deps, arg, (n) => n.sheet !== undefined, 'Inspect…');
      if (!node) return;
      const el = isTreeElement(arg) && views.node(arg) === node ? arg : elementOf(deps, node.id);
      if (el) inspect.show(el, opts?.preserveFocus ?? false);
    }),
    vscode.commands.registerCommand('netlens.showRawJson', async (arg?: unknown) => {
      const node = await targetNode(deps, arg, (n) => n.sheet?.().raw !== undefined, 'Raw JSON of…');
      const raw = node?.sheet?.().raw;
      if (node && raw) await openRawJson(node.engineKey, raw.kind, raw.id);
    }),
    vscode.commands.registerCommand('netlens.openInTopology', async (arg?: unknown) => {
      const hooks = deps.topology?.();
      if (!hooks) {
        void vscode.window.showInformationMessage('netlens: the topology view is not available in this build');
        return;
      }
      const drawn = (n: TreeNode) => n.targets?.subject !== undefined && n.targets.subject.kind !== 'host';
      const node = await targetNode(deps, arg, drawn, 'Show in the topology…');
      if (node?.targets?.subject && drawn(node)) hooks.focus(subjectKey(node.targets.subject));
    }),
    vscode.commands.registerCommand('netlens.showProjectOnly', async (arg?: unknown) => {
      const node = views.node(arg);
      let name = node?.targets?.subject?.kind === 'project' ? node.targets.subject.name : undefined;
      if (!name) {
        // from the palette: the projects of every engine shown
        const names = [...new Set(ctx.connections.flatMap((c) => (c.topology ? composeProjects(c.topology).map((p) => p.name) : [])))].sort();
        if (!names.length) {
          void vscode.window.showInformationMessage('netlens: no Compose project on the engines shown');
          return;
        }
        name = await vscode.window.showQuickPick(names, { title: 'Show this Compose project only' });
      }
      if (name) await ctx.config.setProjectFilter(name);
    }),
    vscode.commands.registerCommand('netlens.showAllProjects', () => ctx.config.setProjectFilter('')),
  ];
}

function elementOf(deps: CommandDeps, id: string) {
  for (const provider of Object.values(deps.views.providers)) if (provider.node(id)) return provider.element(id);
  return undefined;
}
