/** The `netlens.*` settings, read through named getters (one place knows their names and defaults). */
import * as vscode from 'vscode';
import { engineSpecs, timeoutsFromSeconds, type EngineSpec, type HostShellSetting, type SshSettings } from './engines/engineSpecs';
import type { SessionTimeouts } from '../core/session';

export const CONFIG_SECTION = 'netlens';

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(CONFIG_SECTION);
  }

  get engineHost(): string {
    return this.cfg.get<string>('engine.host', '');
  }

  get engineContext(): string {
    return this.cfg.get<string>('engine.context', '');
  }

  get hostShell(): HostShellSetting {
    return this.cfg.get<HostShellSetting>('hostShell', 'auto');
  }

  get helperImage(): string {
    return this.cfg.get<string>('helperImage', '');
  }

  get ssh(): SshSettings {
    const c = this.cfg;
    const port = c.get<number | null>('ssh.port', null);
    return {
      host: c.get<string>('ssh.host', ''),
      user: c.get<string>('ssh.user', ''),
      ...(port !== null ? { port } : {}),
      privateKeyPath: c.get<string>('ssh.privateKeyPath', ''),
      knownHostsPath: c.get<string>('ssh.knownHostsPath', ''),
    };
  }

  /** `netlens.timeouts.*` (seconds in the settings, milliseconds in the core) */
  get timeouts(): SessionTimeouts {
    const c = this.cfg;
    return timeoutsFromSeconds({ engineRequest: c.get<unknown>('timeouts.engineRequest'), hostBatch: c.get<unknown>('timeouts.hostBatch') });
  }

  /** `netlens.trees.project`: the one Compose project the trees show, '' for all */
  get projectFilter(): string {
    const v = this.cfg.get<unknown>('trees.project', '');
    return typeof v === 'string' ? v.trim() : '';
  }

  /**
   * Sets or clears (with '') the project filter: where the workspace already sets it, there (it
   * would hide the user's value), else in the user's settings, so a workspace gains no settings
   * file for a view filter.
   */
  async setProjectFilter(project: string): Promise<void> {
    const inWorkspace = this.cfg.inspect<string>('trees.project')?.workspaceValue !== undefined;
    await this.cfg.update('trees.project', project || undefined, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  }

  static affectsTrees(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(`${CONFIG_SECTION}.trees`);
  }

  get engines(): readonly unknown[] {
    const v = this.cfg.get<unknown>('engines', []);
    return Array.isArray(v) ? v : [];
  }

  /** The engines to show, and what was wrong with any entry that was skipped. */
  engineSpecs(): { specs: EngineSpec[]; problems: string[] } {
    return engineSpecs({ host: this.engineHost, context: this.engineContext }, this.engines, { hostShell: this.hostShell, ssh: this.ssh, helperImage: this.helperImage, timeouts: this.timeouts });
  }

  /** Whether a configuration change touches what the sessions were built from. */
  static affectsEngines(e: vscode.ConfigurationChangeEvent): boolean {
    return ['engine', 'engines', 'hostShell', 'helperImage', 'ssh', 'timeouts'].some((k) => e.affectsConfiguration(`${CONFIG_SECTION}.${k}`));
  }
}
