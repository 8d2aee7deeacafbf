/**
 * Capture packets here: tcpdump on a host veth or bridge, on the Docker host (locally or over the
 * SSH host shell), streamed into a terminal. It needs root, so the user confirms the exact command.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { captureCommand, type CaptureTarget } from '../capture/captureCommand';
import type { EngineConnection } from '../engines/engineConnection';
import { targetNode, type CommandDeps } from './commandDeps';

/** Where the engine's host shell runs, which is where its interfaces are. */
export function captureTarget(conn: EngineConnection): CaptureTarget | string {
  const { spec } = conn;
  const endpoint = conn.topology?.engine.endpoint;
  const shell = spec.hostShell;
  if (shell === 'none') return 'this engine has no host shell (netlens.hostShell is "none"), so netlens cannot reach its interfaces';
  const sshHost = spec.ssh.host || (endpoint?.kind === 'ssh' ? endpoint.host : undefined);
  const useSsh = shell === 'ssh' || (shell === 'auto' && (Boolean(spec.options.ssh) || endpoint?.kind === 'ssh'));
  if (useSsh) {
    if (!sshHost) return 'no SSH host is known for this engine (netlens.ssh.host)';
    const user = spec.ssh.user || endpoint?.username;
    return {
      kind: 'ssh',
      host: sshHost,
      port: spec.ssh.port ?? (endpoint?.kind === 'ssh' ? endpoint.port : undefined) ?? 22,
      ...(user ? { user } : {}),
      ...(spec.ssh.privateKeyPath ? { privateKeyPath: spec.ssh.privateKeyPath } : {}),
      ...(spec.ssh.knownHostsPath ? { knownHostsPath: spec.ssh.knownHostsPath } : {}),
    };
  }
  if (shell === 'auto' && endpoint && endpoint.kind !== 'unix' && !(endpoint.kind === 'tcp' && (endpoint.host === '127.0.0.1' || endpoint.host === 'localhost'))) {
    return `the engine ${endpoint.url} is remote and no SSH host shell is set (netlens.hostShell / netlens.ssh.*)`;
  }
  return { kind: 'local', root: process.getuid?.() === 0 };
}

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
