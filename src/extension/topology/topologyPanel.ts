/**
 * The topology editor panel: one at a time (create-or-show), restored after a window reload by the
 * serializer, its HTML set once (re-setting it on reveal would wipe the drawing). It speaks only
 * the typed protocol in src/protocol/topologyProtocol.ts: a full snapshot after the webview's
 * `ready`, then a new one on every model change; focus/trace/engine-state notifications; replies
 * to save requests.
 */
import * as vscode from 'vscode';
import type { Topology } from '../../core/model/types';
import type { EngineChoice, EngineStateNotification, HostToWebviewMessage, SaveExportRequest, SnapshotNotification, TopologyReply, TracePathNotification } from '../../protocol/topologyProtocol';
import { isOpenInspectCommand, isReadyCommand, isRefreshCommand, isSaveExportRequest, isSelectEngineCommand, isSelectTraceHopCommand, isTraceCommand, topologyProtocolVersion, topologyViewType } from '../../protocol/topologyProtocol';
import { topologySnapshot, type EngineModel } from './topologySnapshot';
import { traceEndpointOf } from './traceEndpoints';
import { splitHostItem, subjectOfItem } from '../../protocol/topologyIds';
import type { Subject } from '../../protocol/subject';
import { createNonce, topologyHtml } from './topologyHtml';

export type TopologyEngineState = Omit<EngineStateNotification, 'type'>;

export interface TopologyPanelDeps {
  getTopology(): Topology | undefined;
  readonly onDidChangeTopology: vscode.Event<Topology>;
  /** show what a drawn item is about in the sidebar's inspect pane */
  openInspect?(subject: Subject): void;
  /** the same for an item drawn in another engine's frame (several hosts side by side) */
  openInspectOn?(engineKey: string, subject: Subject): void;
  /** start a packet trace; gets container names or IPv4 addresses, as the trace command takes them */
  trace?(from: string, to: string): void;
  /** the user clicked a place on the shown trace's path: select that hop in the trace view */
  selectTraceHop?(traceId: number, step: number): void;
  /** the toolbar's refresh button */
  refresh?(): void;
  /** engine connected/reconnecting and whether the drawing is stale */
  readonly onDidChangeEngineState?: vscode.Event<TopologyEngineState>;
  /** the configured engines and the key of the one drawn (the webview shows a picker for two or more) */
  engines?(): { readonly engines: readonly EngineChoice[]; readonly selected: string | null };
  /** draw another engine; getTopology and the topology/state events follow it from then on */
  selectEngine?(key: string): void;
  /** the list of engines changed (settings) */
  readonly onDidChangeEngines?: vscode.Event<void>;
  /** every configured engine's model, for drawing the hosts side by side (onDidChangeTopology fires when any changes) */
  allEngines?(): { readonly self: string; readonly all: readonly EngineModel[] } | undefined;
}

/** Files the webview may load: our bundle and our stylesheet, nothing else. */
function topologyResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

function topologyWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: topologyResourceRoots(extensionUri) };
}

export class TopologyPanel implements vscode.Disposable {
  private static current: TopologyPanel | undefined;
  /**
   * The trace path shown: kept while no panel is open, so a topology opened (or restored) after the
   * trace lights it too. Cleared when another engine is drawn.
   */
  private static lastTrace: TracePathNotification | null = null;
  private ready = false;
  private disposed = false;
  private pendingFocus: string | null = null;
  private lastEngineState: TopologyEngineState | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  /** The open panel, if any. */
  static get instance(): TopologyPanel | undefined {
    return TopologyPanel.current;
  }

  /** Reveals the panel (creating it if needed) and, when given, focuses an item in it. */
  static createOrShow(extensionUri: vscode.Uri, deps: TopologyPanelDeps, focusTarget?: string): TopologyPanel {
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    let panel = TopologyPanel.current;
    if (panel) {
      panel.panel.reveal(column);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(topologyViewType, 'netlens: Topology', column, topologyWebviewOptions(extensionUri));
      panel = new TopologyPanel(webviewPanel, extensionUri, deps);
    }
    if (focusTarget) panel.focus(focusTarget);
    return panel;
  }

  /** Adopts a panel VS Code restored after a reload (the serializer's job). */
  static revive(webviewPanel: vscode.WebviewPanel, extensionUri: vscode.Uri, deps: TopologyPanelDeps): TopologyPanel {
    TopologyPanel.current?.dispose();
    webviewPanel.webview.options = topologyWebviewOptions(extensionUri);
    return new TopologyPanel(webviewPanel, extensionUri, deps);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly deps: TopologyPanelDeps,
  ) {
    TopologyPanel.current = this;
    const webview = panel.webview;
    webview.html = topologyHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'topology.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      deps.onDidChangeTopology((t) => this.post(this.snapshot(t, 'update'))),
    );
    if (deps.onDidChangeEngines) this.disposables.push(deps.onDidChangeEngines(() => this.postEngines()));
    if (deps.onDidChangeEngineState) {
      this.disposables.push(
        deps.onDidChangeEngineState((s) => {
          this.lastEngineState = s;
          this.post({ type: 'engineState', ...s });
        }),
      );
    }
  }

  focus(target: string): void {
    if (this.ready) this.post({ type: 'focus', target });
    else this.pendingFocus = target;
  }

  /** Lights the trace's path on the panel, now or once one is open. */
  static showTrace(path: TracePathNotification): void {
    TopologyPanel.lastTrace = path.hops.length > 0 ? path : null;
    TopologyPanel.current?.post(path);
  }

  dispose(): void {
    // panel.dispose() fires onDidDispose, which calls this again
    if (this.disposed) return;
    this.disposed = true;
    if (TopologyPanel.current === this) TopologyPanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  private postEngines(): void {
    const e = this.deps.engines?.();
    if (e) this.post({ type: 'engines', engines: e.engines, selected: e.selected });
  }

  /** Messages go out only after `ready`; what the app needs later it gets in the `ready` answer. */
  private post(message: HostToWebviewMessage): void {
    // not awaited: a message lost to a closing panel is resent whole at the next `ready`
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private async receive(m: unknown): Promise<void> {
    if (isReadyCommand(m)) {
      // the page and its bundle ship together: another version is a page an older netlens left
      if (m.protocolVersion !== topologyProtocolVersion) {
        this.ready = false;
        console.warn(`netlens topology: the webview speaks protocol ${m.protocolVersion}, not ${topologyProtocolVersion}; nothing is sent to it`);
        return;
      }
      // a hidden webview is torn down and reloads when shown again: every `ready` gets the full state
      this.ready = true;
      this.postEngines();
      this.post(this.snapshot(this.deps.getTopology(), 'initial'));
      if (this.lastEngineState) this.post({ type: 'engineState', ...this.lastEngineState });
      if (TopologyPanel.lastTrace) this.post(TopologyPanel.lastTrace);
      if (this.pendingFocus) {
        this.post({ type: 'focus', target: this.pendingFocus });
        this.pendingFocus = null;
      }
    } else if (isOpenInspectCommand(m)) {
      // an item in another host's frame opens in that engine's pane
      const other = splitHostItem(m.itemId);
      const subject = subjectOfItem(other ? other.id : m.itemId);
      if (subject && other) this.deps.openInspectOn?.(other.engineKey, subject);
      else if (subject) this.deps.openInspect?.(subject);
    } else if (isTraceCommand(m)) {
      const t = this.deps.getTopology();
      this.deps.trace?.(traceEndpointOf(t, m.from), traceEndpointOf(t, m.to));
    } else if (isSelectTraceHopCommand(m)) {
      if (TopologyPanel.lastTrace?.traceId === m.traceId) this.deps.selectTraceHop?.(m.traceId, m.step);
    } else if (isRefreshCommand(m)) {
      this.deps.refresh?.();
    } else if (isSelectEngineCommand(m)) {
      const choices = this.deps.engines?.();
      if (!this.deps.selectEngine || !choices?.engines.some((e) => e.key === m.engineKey)) return;
      this.deps.selectEngine(m.engineKey);
      // the old engine's trace does not belong on the new drawing
      TopologyPanel.lastTrace = null;
      this.postEngines();
      this.post(this.snapshot(this.deps.getTopology(), 'engine chosen'));
    } else if (isSaveExportRequest(m)) {
      this.post(await this.saveExport(m));
    }
  }

  /** The model as the webview gets it (topologySnapshot.ts), with the other configured hosts beside it. */
  private snapshot(t: Topology | undefined, reason: string): SnapshotNotification {
    return topologySnapshot(t, reason, this.deps.allEngines?.());
  }

  private async saveExport(r: SaveExportRequest): Promise<TopologyReply> {
    try {
      const base = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = r.suggestedName.replace(/[^A-Za-z0-9._-]/g, '_');
      const uri = await vscode.window.showSaveDialog({
        ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
        filters: r.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
        saveLabel: `Export ${r.format.toUpperCase()}`,
      });
      if (!uri) return { type: 'reply', requestId: r.requestId, ok: true, result: { path: null } };
      const bytes = r.format === 'svg' ? Buffer.from(r.data, 'utf8') : Buffer.from(r.data, 'base64');
      await vscode.workspace.fs.writeFile(uri, bytes);
      return { type: 'reply', requestId: r.requestId, ok: true, result: { path: uri.fsPath || uri.toString() } };
    } catch (e) {
      return { type: 'reply', requestId: r.requestId, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
