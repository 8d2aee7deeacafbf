/**
 * Capture packets here: tcpdump on a host veth or bridge, on the Docker host (locally or over the
 * SSH host shell), streamed into a terminal. It needs root, so the user confirms the exact command.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { captureCommand } from '../capture/captureCommand';
import { captureTarget } from '../capture/captureTarget';
import { targetNode, type CommandDeps } from './commandDeps';

export function registerCaptureCommands(deps: CommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('netlens.capturePackets', async (arg?: unknown) => {
      const node = await targetNode(deps, arg, (n) => Boolean(n.facts?.captureInterface), 'Capture packets on…');
      const iface = node?.facts?.captureInterface;
      if (!node || !iface) return;
      const conn = deps.ctx.connection(node.engineKey);
      if (!conn) return;
      const target = captureTarget(conn);
      if (typeof target === 'string') {
        void vscode.window.showErrorMessage(`netlens: cannot capture: ${target}`);
        return;
      }
      let cmd;
      try {
        cmd = captureCommand(iface, target);
      } catch (e) {
        void vscode.window.showErrorMessage(`netlens: ${errorMessage(e)}`);
        return;
      }
      const go = await vscode.window.showWarningMessage(
        `Run "${cmd.display}" in a terminal? tcpdump needs root on the Docker host.`,
        { modal: true },
        'Run tcpdump',
      );
      if (go !== 'Run tcpdump') return;
      deps.ctx.log.info(`capture: ${cmd.display}`);
      const terminal = vscode.window.createTerminal({ name: `tcpdump ${iface}`, shellPath: cmd.shellPath, shellArgs: [...cmd.shellArgs], iconPath: new vscode.ThemeIcon('pulse') });
      terminal.show();
    }),
  ];
}
