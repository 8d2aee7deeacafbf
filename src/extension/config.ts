/** The `netlens.*` settings, read through named getters (one place knows their names and defaults). */
import * as vscode from 'vscode';
import { engineSpecs, type EngineSpec, type HostShellSetting, type SshSettings } from './engines/engineSpecs';

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

  get engines(): readonly unknown[] {
    const v = this.cfg.get<unknown>('engines', []);
    return Array.isArray(v) ? v : [];
  }

  /** The engines to show, and what was wrong with any entry that was skipped. */
  engineSpecs(): { specs: EngineSpec[]; problems: string[] } {
    return engineSpecs({ host: this.engineHost, context: this.engineContext }, this.engines, { hostShell: this.hostShell, ssh: this.ssh });
  }

  /** Whether a configuration change touches what the sessions were built from. */
  static affectsEngines(e: vscode.ConfigurationChangeEvent): boolean {
    return ['engine', 'engines', 'hostShell', 'ssh'].some((k) => e.affectsConfiguration(`${CONFIG_SECTION}.${k}`));
  }
}
