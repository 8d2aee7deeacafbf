/**
 * The trace view: one webview panel (reused) showing a trace — request and verdict, the hops with
 * their rules and the packet's rewrites, what would change the verdict — and the last traces, each
 * re-runnable. The page is built once; each change posts the view (src/protocol/traceProtocol.ts).
 *
 * When an engine event changes the model, the shown trace is walked again on the new model (the
 * trace engine, read-only: no traffic). A different answer replaces the shown one and says so; a
 * trace whose ends are gone, or that can no longer be asked, is marked stale with why.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Topology } from '../../core/model/types';
import { formatTraceMarkdown } from '../../core/trace/traceMarkdown';
import type { TraceRequest, TraceResult } from '../../core/trace/types';
import { traceCliCommand, whatWouldChange } from '../../core/trace/whatWouldChange';
import type { TracePathNotification } from '../../protocol/topologyProtocol';
import { isTraceCommand, isTraceRestoreState, traceProtocolVersion, traceViewType, type SelectHopNotification, type TraceNotification, type TraceRestoreState, type TraceStatusView } from '../../protocol/traceProtocol';
import type { EngineConnection } from '../engines/engineConnection';
import { traceHtml } from './traceHtml';
import { hopFocusTarget, recheckTrace, tracePathMessage, traceShownView, traceTitle } from './traceView';

/** A trace the view keeps. */
export interface KeptTrace {
  readonly id: number;
  readonly conn: EngineConnection;
  topology: Topology;
  result: TraceResult;
  readonly tracedAt: Date;
  /** ids of the containers the trace starts or ends at */
  readonly containers: readonly string[];
  status: TraceStatusView;
}

export interface TracePanelActions {
  /** traces the request again on the engine's current model (reading what it needs), and adds the answer */
  rerun(t: KeptTrace): Promise<void>;
  /** the probe flow (it shows what it will send and asks first) */
  probe(t: KeptTrace): Promise<void>;
  openText(t: KeptTrace): Promise<void>;
  /** focuses the topology on a hop's place (a subject key) */
  focus(target: string): void;
  /** draws the shown trace's path on the topology; `reveal` opens the topology for a new trace */
  showPath(path: TracePathNotification, reveal: boolean): void;
  /**
   * A trace the view showed before a window reload, asked again on the engine's current model. Says
   * why not (no such engine, no model yet); the serializer tries again on the next model change.
   */
  restore(state: TraceRestoreState): Promise<string | null>;
  /** the trace again on a model, without traffic (null: the trace engine is not in this build) */
  retrace(t: KeptTrace, topology: Topology): Promise<{ topology: Topology; result: TraceResult }> | null;
  log(message: string): void;
}

const CURRENT: TraceStatusView = { kind: 'current', text: 'current' };

export class TracePanel implements vscode.Disposable {
  static readonly MAX_KEPT = 10;
  private panel: vscode.WebviewPanel | undefined;
  private appReady = false;
  private kept: KeptTrace[] = [];
  private shown: KeptTrace | undefined;
  private n = 0;
  /** one re-walk at a time; a change during it asks for one more */
  private checking = false;
  private checkAgain = false;
  /** a restored view's request, waiting for its engine's model; and what the view says meanwhile */
  private pendingRestore: TraceRestoreState | undefined;
  private notice: string | null = null;
  private restoring = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: TracePanelActions,
  ) {}

  /** The trace shown, else the newest kept. */
  get current(): KeptTrace | undefined {
    return this.shown ?? this.kept[0];
  }

  /** What the view shows, as plain data (the extension's API for tests). */
  snapshot(): { title: string; verdict: string; decidedBy: string; hops: number; status: string; statusText: string; open: boolean; kept: number } | undefined {
    const t = this.shown;
    if (!t) return undefined;
    return { title: traceTitle(t.result.request), verdict: t.result.verdict, decidedBy: t.result.decidedBy, hops: t.result.hops.length, status: t.status.kind, statusText: t.status.text, open: this.panel !== undefined, kept: this.kept.length };
  }

  /**
   * Keeps a new trace (a trace of the same request on the same engine is replaced) and shows it;
   * `reveal` also opens the topology on its path (not for a trace restored after a reload).
   */
  add(t: { conn: EngineConnection; topology: Topology; result: TraceResult; containers: readonly string[] }, reveal = true): KeptTrace {
    const key = requestKey(t.conn, t.result.request);
    this.kept = this.kept.filter((k) => requestKey(k.conn, k.result.request) !== key);
    const kept: KeptTrace = { ...t, id: ++this.n, tracedAt: new Date(), status: CURRENT };
    this.kept.unshift(kept);
    this.kept.length = Math.min(this.kept.length, TracePanel.MAX_KEPT);
    this.pendingRestore = undefined;
    this.notice = null;
    this.showTrace(kept);
    this.actions.showPath(tracePathMessage(kept.id, kept.topology, kept.result), reveal);
    return kept;
  }

  /** A kept trace's result changed in place (a probe answered): shown again. */
  update(t: KeptTrace, result: TraceResult): void {
    t.result = result;
    this.showTrace(t);
    this.showPath(t);
  }

  /** The topology asks to select a hop (its place was clicked there): only of the trace shown. */
  selectHop(traceId: number, step: number): void {
    const t = this.shown;
    if (!t || t.id !== traceId || !this.panel || !this.appReady) return;
    if (![...t.result.hops, ...(t.result.reply ?? [])].some((h) => h.step === step)) return;
    this.panel.reveal(undefined, true);
    const m: SelectHopNotification = { type: 'selectHop', traceId, step };
    void this.panel.webview.postMessage(m);
  }

  /** The shown trace's path, again on the topology (after it changed). */
  private showPath(t: KeptTrace): void {
    if (this.shown === t) this.actions.showPath(tracePathMessage(t.id, t.topology, t.result), false);
  }

  /** The serializer: a view VS Code restored after a reload traces its request again on the current model. */
  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        panel.webview.options = panelOptions(this.extensionUri);
        this.panel?.dispose();
        this.adopt(panel);
        if (!isTraceRestoreState(state)) {
          // a page from another netlens, or one that showed no trace: nothing to ask again
          if (state !== undefined && state !== null) {
            this.actions.log(`trace view restored without a request it can read: ${JSON.stringify(state).slice(0, 200)}`);
            this.notice = 'Restored after a reload, but without a trace request this netlens can read: trace again.';
          }
          this.render();
          return;
        }
        this.pendingRestore = state;
        panel.title = `netlens: trace ${traceTitle(state.request)}`;
        await this.tryRestore();
      },
    };
  }

  /** Re-runs the restored request once its engine has a model; until then the view says what it waits for. */
  private async tryRestore(): Promise<void> {
    const state = this.pendingRestore;
    if (!state || this.restoring) return;
    this.restoring = true;
    let notice: string | null;
    try {
      const why = await this.actions.restore(state);
      notice = why === null ? null : `Restored after a reload: ${traceTitle(state.request)} on ${state.engineLabel} is traced again once ${why}.`;
    } catch (e) {
      notice = `Restored after a reload: tracing ${traceTitle(state.request)} on ${state.engineLabel} again failed (${errorMessage(e)}); it is tried again on the next engine change.`;
    } finally {
      this.restoring = false;
    }
    // a trace shown meanwhile (add) took its place
    if (this.pendingRestore !== state) return;
    if (notice === null) {
      this.pendingRestore = undefined;
      return;
    }
    this.notice = notice;
    this.render();
  }

  private showTrace(t: KeptTrace): void {
    this.shown = t;
    if (!this.panel) {
      this.adopt(vscode.window.createWebviewPanel(traceViewType, 'netlens: trace', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, panelOptions(this.extensionUri)));
    } else this.panel.reveal(undefined, true);
    this.panel!.title = `netlens: trace ${traceTitle(t.result.request)}`;
    this.render();
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.appReady = false;
    const scriptUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'trace.js')).toString();
    panel.webview.html = traceHtml({ nonce: randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, ''), scriptUri });
    panel.onDidDispose(() => {
      if (this.panel !== panel) return;
      this.panel = undefined;
      // the view closed: its path leaves the topology too
      this.actions.showPath({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' }, false);
    });
    panel.webview.onDidReceiveMessage((m) => void this.onMessage(m));
  }

  private render(): void {
    if (!this.panel || !this.appReady) return;
    const t = this.shown;
    const message: TraceNotification = {
      type: 'trace',
      protocolVersion: traceProtocolVersion,
      trace: t ? traceShownView({ id: t.id, engine: t.conn.label, tracedAt: t.tracedAt, topology: t.topology, result: t.result, status: t.status }) : null,
      restore: t ? { engineKey: t.conn.key, engineLabel: t.conn.label, request: t.result.request } : (this.pendingRestore ?? null),
      notice: t ? null : this.notice,
      history: this.kept.map((k) => ({ id: k.id, title: traceTitle(k.result.request), engine: k.conn.label, verdict: k.result.verdict, status: k.status.kind })),
    };
    void this.panel.webview.postMessage(message);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isTraceCommand(m)) return;
    if (m.type === 'ready') {
      if (m.protocolVersion !== traceProtocolVersion) {
        this.actions.log(`trace view speaks protocol ${m.protocolVersion}, not ${traceProtocolVersion}: not sending it traces`);
        return;
      }
      this.appReady = true;
      this.render();
      return;
    }
    if (m.type === 'rerun' || m.type === 'show') {
      const t = this.kept.find((k) => k.id === m.id);
      if (!t) return;
      if (m.type === 'rerun') await this.actions.rerun(t);
      else {
        this.showTrace(t);
        await this.onModelChange();
        this.showPath(t);
      }
      return;
    }
    const t = this.shown;
    if (!t) return;
    switch (m.type) {
      case 'copy': {
        const text = m.format === 'cli' ? traceCliCommand(t.result.request) : m.format === 'json' ? JSON.stringify(t.result, null, 2) : formatTraceMarkdown(t.result, whatWouldChange(t.topology, t.result));
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(`netlens: trace copied as ${m.format === 'cli' ? 'a CLI command' : m.format === 'json' ? 'JSON' : 'Markdown'}`, 4000);
        return;
      }
      case 'copySuggestion': {
        const command = whatWouldChange(t.topology, t.result)[m.index]?.command;
        if (!command) return;
        await vscode.env.clipboard.writeText(command);
        vscode.window.setStatusBarMessage('netlens: command copied (netlens did not run it)', 4000);
        return;
      }
      case 'probe':
        await this.actions.probe(t);
        return;
      case 'openText':
        await this.actions.openText(t);
        return;
      case 'focusHop': {
        const hop = [...t.result.hops, ...(t.result.reply ?? [])].find((h) => h.step === m.step);
        const target = hop ? hopFocusTarget(t.topology, hop) : null;
        if (target) this.actions.focus(target);
        return;
      }
    }
  }

  /**
   * After an engine event: kept traces whose containers are gone are stale; the shown one is walked
   * again on the new model, and replaced (saying so) when the answer changed.
   */
  async onModelChange(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      if (this.pendingRestore) await this.tryRestore();
      do {
        this.checkAgain = false;
        for (const k of this.kept) {
          const topo = k.conn.topology;
          // an engine without a model (unreachable) says nothing about what is gone
          if (!topo) continue;
          const r = recheckTrace(k, topo, null, new Date());
          if (r.kind === 'stale') k.status = r.status;
        }
        const t = this.shown;
        const topo = t?.conn.topology;
        // walked again only while someone can see it: a closed view reads nothing
        if (t && topo && this.panel && topo !== t.topology && t.status.kind !== 'stale') await this.rewalk(t, topo);
        this.render();
      } while (this.checkAgain);
    } finally {
      this.checking = false;
    }
  }

  private async rewalk(t: KeptTrace, topo: Topology): Promise<void> {
    let again: { topology: Topology; result: TraceResult } | null;
    try {
      again = await this.actions.retrace(t, topo);
    } catch (e) {
      const r = recheckTrace(t, topo, new Error(errorMessage(e)), new Date());
      if (r.kind !== 'same') t.status = r.status;
      return;
    }
    if (!again) return;
    const r = recheckTrace(t, again.topology, again.result, new Date());
    if (r.kind === 'stale') t.status = r.status;
    t.topology = again.topology;
    if (r.kind === 'updated') {
      t.status = r.status;
      t.result = r.result;
      this.showPath(t);
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')], enableFindWidget: true, retainContextWhenHidden: false };
}

function requestKey(conn: EngineConnection, r: TraceRequest): string {
  return JSON.stringify([conn.key, r.from, r.to, r.proto, r.port ?? null, r.family ?? null]);
}
