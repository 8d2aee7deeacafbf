/** Copy IP / MAC / veth name of a tree item to the clipboard. */
import * as vscode from 'vscode';
import type { NodeTargets } from '../trees/treeNode';
import { targetNode, type CommandDeps } from './commandDeps';

const COPIES: ReadonlyArray<{ command: string; fact: 'ip' | 'mac' | 'veth'; what: string }> = [
  { command: 'netlens.copyIp', fact: 'ip', what: 'IP address' },
  { command: 'netlens.copyMac', fact: 'mac', what: 'MAC address' },
  { command: 'netlens.copyVeth', fact: 'veth', what: 'host veth name' },
];

export function registerCopyCommands(deps: CommandDeps): vscode.Disposable[] {
  return COPIES.map(({ command, fact, what }) =>
    vscode.commands.registerCommand(command, async (arg?: unknown) => {
      const node = await targetNode(deps, arg, (n) => Boolean(n.targets?.[fact]), `Copy the ${what} of…`);
      const value = node?.targets?.[fact as keyof NodeTargets];
      if (typeof value !== 'string') return;
      await vscode.env.clipboard.writeText(value);
      vscode.window.setStatusBarMessage(`netlens: copied ${what} ${value}`, 3000);
    }),
  );
}
