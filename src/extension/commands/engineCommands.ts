/**
 * Choose Docker engine: the Docker CLI's contexts (the same list `docker context ls` shows), or an
 * engine URL typed in. The choice is written to the settings, which reconnects.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { CONFIG_SECTION } from '../config';
import { parseDockerContexts, type DockerContextEntry } from '../engines/dockerContexts';
import type { CommandDeps } from './commandDeps';

function listContexts(): Promise<DockerContextEntry[]> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['context', 'ls', '--format', '{{json .}}'], { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker context ls: ${stderr.trim() || err.message}`));
      else {
        try {
          resolve(parseDockerContexts(stdout));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

// `choice`, not `kind`: QuickPickItem already has a `kind` (separator or not).
type Choice = vscode.QuickPickItem & ({ choice: 'context'; name: string } | { choice: 'url' } | { choice: 'default' });

export function registerEngineCommands(deps: CommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('netlens.chooseEngine', async () => {
      let contexts: DockerContextEntry[] = [];
      try {
        contexts = await listContexts();
      } catch (e) {
        deps.ctx.log.warn(`cannot list Docker contexts: ${errorMessage(e)}`);
      }
      const current = deps.ctx.config.engineContext;
      const items: Choice[] = [
        ...contexts.map((c): Choice => ({
          choice: 'context',
          name: c.name,
          label: c.name,
          description: c.endpoint + (c.name === current ? ' · in use' : c.current ? ' · docker CLI current' : ''),
          ...(c.error || c.description ? { detail: c.error || c.description } : {}),
        })),
        { choice: 'url', label: '$(edit) Enter an engine URL…', description: 'unix://, tcp://, ssh://' },
        { choice: 'default', label: '$(discard) Like the docker CLI', description: 'DOCKER_HOST, DOCKER_CONTEXT, current context, local socket' },
      ];
      const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Which Docker engine should netlens show?' });
      if (!picked) return;
      const cfg = vscode.workspace.getConfiguration(CONFIG_SECTION);
      const target = vscode.ConfigurationTarget.Global;
      if (picked.choice === 'context') {
        await cfg.update('engine.host', undefined, target);
        await cfg.update('engine.context', picked.name, target);
      } else if (picked.choice === 'default') {
        await cfg.update('engine.host', undefined, target);
        await cfg.update('engine.context', undefined, target);
      } else {
        const url = await vscode.window.showInputBox({
          prompt: 'Docker engine URL',
          value: deps.ctx.config.engineHost || 'unix:///var/run/docker.sock',
          validateInput: (v) => (/^(unix|tcp|ssh|npipe):\/\/\S+$/.test(v.trim()) ? undefined : 'a unix://, tcp://, ssh:// or npipe:// URL'),
        });
        if (!url) return;
        await cfg.update('engine.context', undefined, target);
        await cfg.update('engine.host', url.trim(), target);
      }
      if (deps.ctx.config.engines.length) void vscode.window.showInformationMessage('netlens: netlens.engines lists engines, and it takes precedence over netlens.engine.*');
      // The configuration listener reconnects.
    }),
  ];
}
