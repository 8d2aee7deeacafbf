/** A status-bar item naming the engine in use and its state; clicking it chooses another engine. */
import * as vscode from 'vscode';
import type { NetlensContext } from './ctx';
import { statusText } from './engines/engineStatus';

export function createStatusBar(ctx: NetlensContext): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('netlens.engine', vscode.StatusBarAlignment.Left, 10);
  item.name = 'netlens engine';
  item.command = 'netlens.chooseEngine';
  const update = (): void => {
    const conns = ctx.connections;
    if (!conns.length) {
      item.text = '$(warning) netlens: no engine';
      item.tooltip = ctx.lastError() ?? 'No Docker engine configured';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      const worst = conns.find((c) => c.status.kind === 'error') ?? conns.find((c) => c.status.kind === 'stale') ?? conns.find((c) => c.status.kind === 'connecting') ?? conns[0]!;
      const icon = { connected: '$(server-environment)', connecting: '$(loading~spin)', stale: '$(warning)', error: '$(error)' }[worst.status.kind];
      const name = conns.length === 1 ? worst.label : `${conns.length} engines`;
      item.text = `${icon} ${name}${worst.status.kind === 'connected' ? '' : ` · ${worst.status.kind}`}`;
      item.tooltip = conns.map((c) => `${c.label}: ${statusText(c.status)}`).join('\n') + '\n\nClick to choose the Docker engine';
      item.backgroundColor =
        worst.status.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : worst.status.kind === 'stale' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    }
    item.show();
  };
  update();
  const sub = ctx.onDidChange(update);
  return { dispose: () => { sub.dispose(); item.dispose(); } };
}
