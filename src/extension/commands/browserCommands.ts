/** Open a published port in the browser, on the engine's real host. */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { publishedUrl } from '../engines/publishedUrl';
import { targetNode, type CommandDeps } from './commandDeps';

export function registerBrowserCommands(deps: CommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('netlens.openPublishedPort', async (arg?: unknown) => {
      const node = await targetNode(deps, arg, (n) => n.targets?.publish?.protocol === 'tcp', 'Open which published port?');
      const publish = node?.targets?.publish;
      const endpoint = node ? deps.ctx.connection(node.engineKey)?.topology?.engine.endpoint : undefined;
      if (!publish || !endpoint) return;
      try {
        const { url, note } = publishedUrl(endpoint, publish);
        if (note) void vscode.window.showInformationMessage(`netlens: ${note}`);
        deps.ctx.log.info(`open ${url}`);
        await vscode.env.openExternal(vscode.Uri.parse(url));
      } catch (e) {
        void vscode.window.showErrorMessage(`netlens: ${errorMessage(e)}`);
      }
    }),
  ];
}
