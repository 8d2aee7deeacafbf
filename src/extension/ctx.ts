/**
 * The one object the extension's parts share: the settings, one connection per engine, the
 * refresh manager, the log channel, and change events. Two lifetimes: the extension's (this
 * object, disposed on deactivate) and the engines' (replaced as a whole when settings change).
 */
import * as vscode from 'vscode';
import type { Topology } from '../core/model/types';
import type { Session, SessionOptions } from '../core/session';
import { errorMessage } from '../core/errors';
import { Config } from './config';
import { EngineConnection } from './engines/engineConnection';
import { EngineSet } from './engines/engineSet';
import { RefreshQueue } from './engines/refreshQueue';

const CHANGE_COALESCE_MS = 20;

export class NetlensContext implements vscode.Disposable {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  private readonly engines: EngineSet;
  private configProblems: string[] = [];
  private readonly refreshes: RefreshQueue;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  /** any engine's state or model changed */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly createSession: (opts: SessionOptions) => Session) {
    this.log = vscode.window.createOutputChannel('netlens', { log: true });
    this.engines = new EngineSet(
      (spec) =>
        new EngineConnection(spec, {
          createSession: this.createSession,
          log: (level, message) => this.log[level](message),
          changed: () => this.changed(),
          wantsRefresh: (why, automatic) => void this.refreshes.request(spec.key, why, automatic),
        }),
    );
    this.refreshes = new RefreshQueue(
      (key) => this.connection(key),
      (m) => this.log.debug(m),
      // The indicator only waits for the refresh; the queue handles its failure, so the indicator's
      // own promise must not carry it again as an unhandled rejection.
      (title, running) => void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => running.catch(() => undefined)),
    );
    this.disposables.push(
      this.log,
      { dispose: () => this.refreshes.dispose() },
      this.changeEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Config.affectsEngines(e)) this.connect('config').catch((err: unknown) => this.log.error(`reconnecting after a settings change: ${errorMessage(err)}`));
        // the project filter changes what the trees show, not what is collected
        if (Config.affectsTrees(e)) this.changed();
      }),
    );
  }

  get connections(): readonly EngineConnection[] {
    return this.engines.connections;
  }

  connection(key: string): EngineConnection | undefined {
    return this.connections.find((c) => c.key === key);
  }

  /** The first engine's model: the one the topology panel and the e2e API read. */
  topology(): Topology | undefined {
    return this.connections[0]?.topology;
  }

  lastError(): string | undefined {
    if (this.configProblems.length) return this.configProblems.join('; ');
    return this.connections.map((c) => c.lastError).find((e) => e !== undefined);
  }

  /**
   * (Re)builds the engine connections from the settings and takes a first snapshot of each. When
   * another connect() comes before this one is done (two settings written in a row), only the
   * newest starts its engines.
   */
  async connect(reason: 'startup' | 'config' | 'engine chosen'): Promise<void> {
    const { specs, problems } = this.config.engineSpecs();
    this.configProblems = problems;
    for (const p of problems) this.log.error(`settings: ${p}`);
    if (problems.length) void vscode.window.showErrorMessage(`netlens: ${problems[0]}`, 'Open Settings').then((a) => a && openSettings());
    const replaced = this.engines.replace(specs);
    this.changed();
    const started = await replaced;
    if (!started) {
      this.log.debug(`connect (${reason}): superseded by a newer settings change`);
      return;
    }
    await this.refresh(reason);
  }

  /** Refreshes every engine (or one), resolving when done. */
  async refresh(reason: string, key?: string): Promise<void> {
    const targets = key ? this.connections.filter((c) => c.key === key) : this.connections;
    await Promise.all(targets.map((c) => this.refreshes.request(c.key, reason, false)));
  }

  /**
   * Change notices are coalesced for a frame: a burst of engine events (compose up) then rebuilds
   * the views once, not once per event.
   */
  private changed(): void {
    this.changeTimer ??= setTimeout(() => this.flushChanges(), CHANGE_COALESCE_MS);
  }

  /** Sends a pending change notice now (the test API reads the trees right after a refresh). */
  flushChanges(): void {
    if (!this.changeTimer) return;
    clearTimeout(this.changeTimer);
    this.changeTimer = undefined;
    this.changeEmitter.fire();
  }

  dispose(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    // VS Code's dispose() is synchronous; each connection's own dispose swallows its errors.
    void this.engines.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

export function openSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', '@ext:netlens.netlens netlens.');
}
