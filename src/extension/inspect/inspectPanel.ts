/**
 * The inspect pane: one webview panel showing the fact sheet of the selected item, redrawn when
 * the model changes. Links in it reveal tree items; buttons open the raw JSON and the topology.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { containerSheet } from '../facts/containerSheet';
import type { FactSheet } from '../facts/factSheet';
import { statusText } from '../engines/engineStatus';
import type { NetlensContext } from '../ctx';
import type { NetlensViews } from '../views';
import type { TreeElement } from '../trees/treeProvider';
import type { TreeNode } from '../trees/treeNode';
import { inspectHtml } from './inspectHtml';
import { parseInspectMessage } from './inspectMessages';
import { openRawJson } from './rawJsonDocuments';
import type { ContainerStorage } from '../../core/docker/types';
import type { Topology } from '../../core/model/types';
import { listenersNotRead } from '../../core/host/commands/containerListeners';

export const INSPECT_VIEW_TYPE = 'netlens.inspect';
const PANEL_OPTIONS: vscode.WebviewPanelOptions & vscode.WebviewOptions = { enableScripts: true, localResourceRoots: [], enableFindWidget: true };

export interface InspectHooks {
  /** present once the topology panel is wired */
  readonly openInTopology?: (topologyId: string) => void;
}

export class InspectPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: TreeElement | undefined;
  private storage: { containerId: string; value: ContainerStorage } | undefined;
  /** containers whose listeners were asked for, per model: a refresh leaves them unread */
  private listenersAsked = new WeakMap<Topology, Set<string>>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly ctx: NetlensContext,
    private readonly views: NetlensViews,
    private readonly hooks: InspectHooks,
  ) {
    this.subscription = ctx.onDidChange(() => this.render());
  }

  /** What the pane currently shows, for the test API. */
  get current(): { element: TreeElement; title: string } | undefined {
    return this.shown && this.panel ? { element: this.shown, title: this.panel.title } : undefined;
  }

  show(el: TreeElement, preserveFocus = false): void {
    const node = this.views.node(el);
    if (!node?.sheet) return;
    this.shown = el;
    if (!this.panel) {
      this.adopt(vscode.window.createWebviewPanel(INSPECT_VIEW_TYPE, 'netlens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, PANEL_OPTIONS));
    } else this.panel.reveal(undefined, preserveFocus);
    this.render();
    // the pane shows at once; the layers fill in when read (loadStorage logs its own failure)
    if (node.facts?.containerId && node.contextValue.startsWith(';container;')) void this.loadStorage(node);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.shown = undefined;
      }
    });
    panel.webview.onDidReceiveMessage((m) => void this.onMessage(m));
  }

  /** The serializer: a pane VS Code restored after a reload shows its item again once the model has it. */
  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        panel.webview.options = PANEL_OPTIONS;
        this.panel?.dispose();
        this.adopt(panel);
        const saved = parseInspectMessage({ type: 'reveal', ...(typeof state === 'object' && state !== null ? state : {}) });
        if (saved?.type === 'reveal') this.shown = this.views.providers[saved.view].element(saved.id);
        this.render();
      },
    };
  }

  private sheetFor(node: TreeNode): FactSheet | undefined {
    const base = node.sheet?.();
    const conn = this.ctx.connection(node.engineKey);
    const c = conn?.topology?.containers.find((x) => x.id === node.facts?.containerId);
    if (base && c && conn?.topology && this.storage?.containerId === c.id && base.kind === 'Container') {
      return containerSheet(node.engineKey, conn.topology, c, this.storage.value);
    }
    return base;
  }

  private render(): void {
    if (!this.panel || !this.shown) return;
    const node = this.views.node(this.shown);
    if (!node && this.ctx.connections.some((c) => !c.topology && c.status.kind === 'connecting')) {
      this.panel.webview.html = inspectHtml({ kind: 'Waiting', title: 'Reading the Docker engine…', sections: [] }, { nonce: nonce(), canShowTopology: false });
      return;
    }
    if (!node) {
      this.panel.webview.html = inspectHtml({ kind: 'Gone', title: 'This item is no longer in the model', sections: [] }, { nonce: nonce(), canShowTopology: false });
      return;
    }
    const sheet = this.sheetFor(node);
    if (!sheet) return;
    void this.loadListeners(node);
    const status = this.ctx.connection(node.engineKey)?.status;
    this.panel.title = `${sheet.kind}: ${sheet.title}`;
    this.panel.webview.html = inspectHtml(sheet, {
      nonce: nonce(),
      canShowTopology: this.hooks.openInTopology !== undefined,
      ...(status && status.kind === 'stale' ? { banner: statusText(status) } : {}),
      item: { view: this.shown.view, id: this.shown.id },
    });
  }

  private async loadStorage(node: TreeNode): Promise<void> {
    const id = node.facts?.containerId;
    const conn = this.ctx.connection(node.engineKey);
    if (!id || !conn || this.storage?.containerId === id) return;
    try {
      const value = await conn.session().storage(id);
      this.storage = { containerId: id, value };
      this.render();
    } catch (e) {
      this.ctx.log.warn(`layers of ${id.slice(0, 12)}: ${errorMessage(e)}`);
    }
  }

  /** Who listens in the shown container, read when its pane shows (a refresh does not read it). */
  private async loadListeners(node: TreeNode): Promise<void> {
    const id = node.facts?.containerId;
    const conn = this.ctx.connection(node.engineKey);
    const topology = conn?.topology;
    const c = topology?.containers.find((x) => x.id === id);
    if (!id || !conn || !topology || !c || !listenersNotRead(c.listeners)) return;
    const asked = this.listenersAsked.get(topology) ?? new Set<string>();
    if (asked.has(id)) return;
    asked.add(id);
    this.listenersAsked.set(topology, asked);
    try {
      conn.adopt(topology, await conn.session().readListeners(topology, [id]));
    } catch (e) {
      this.ctx.log.warn(`listeners of ${id.slice(0, 12)}: ${errorMessage(e)}`);
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseInspectMessage(raw);
    const node = this.shown ? this.views.node(this.shown) : undefined;
    if (!m || !node) return;
    const sheet = node.sheet?.();
    if (m.type === 'raw' && sheet?.raw) await openRawJson(node.engineKey, sheet.raw.kind, sheet.raw.id);
    else if (m.type === 'topology' && sheet?.topologyId) this.hooks.openInTopology?.(sheet.topologyId);
    else if (m.type === 'reveal') {
      const ok = await this.views.reveal(m.view, m.id);
      if (!ok) void vscode.window.showInformationMessage('netlens: that item is not in the tree any more');
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}

/** A per-load CSP nonce from a crypto source. */
function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}
