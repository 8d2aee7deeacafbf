/**
 * Capture packets here: tcpdump on a host veth or bridge, on the Docker host (locally or over the
 * SSH host shell), streamed into a terminal. It needs root, so the user confirms the exact command.
 * Over ssh the host is first connected to with netlens's own trust (src/core/ssh): a host the model
 * would refuse is refused here too, with the same reason, before OpenSSH runs.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { probeSshTarget } from '../../core/ssh/connect';
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
      if (cmd.ssh) {
        try {
          await probeSshTarget(cmd.ssh);
        } catch (e) {
          void vscode.window.showErrorMessage(`netlens: cannot capture: ${errorMessage(e)}`);
          return;
        }
      }
      const go = await vscode.window.showWarningMessage(
        'Run tcpdump in a terminal? It needs root on the Docker host. This is the exact command:',
        { modal: true, detail: cmd.display },
        'Run tcpdump',
      );
      if (go !== 'Run tcpdump') return;
      deps.ctx.log.info(`capture: ${cmd.display}`);
      const terminal = vscode.window.createTerminal({ name: `tcpdump ${iface}`, shellPath: cmd.shellPath, shellArgs: [...cmd.shellArgs], iconPath: new vscode.ThemeIcon('pulse') });
      terminal.show();
    }),
  ];
}
