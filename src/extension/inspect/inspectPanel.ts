/**
 * The inspect pane: one webview panel showing the fact sheet of the selected item. Its page is
 * built once; each model change posts the new sheet (src/protocol/inspectProtocol.ts) and the app
 * updates it in place. Links in it reveal tree items; buttons open the raw JSON and the topology.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { containerSheet } from '../facts/sheets';
import { placeholderSheet, type FactSheet } from '../facts/factSheet';
import { statusText } from '../engines/engineStatus';
import type { NetlensContext } from '../ctx';
import type { NetlensViews } from '../views';
import type { TreeElement } from '../trees/treeProvider';
import type { TreeNode } from '../trees/treeNode';
import { inspectHtml } from './inspectHtml';
import { inspectSheetView } from './inspectView';
import { inspectProtocolVersion, inspectViewType, isInspectCommand, isInspectLink, type InspectSheetNotification } from '../../protocol/inspectProtocol';
import { openRawJson } from './rawJsonDocuments';
import type { ContainerStorage } from '../../core/docker/types';
import type { Topology } from '../../core/model/types';
import { listenersNotRead } from '../../core/host/commands/containerListeners';

export const INSPECT_VIEW_TYPE = inspectViewType;
const panelOptions = (extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions => ({
  enableScripts: true,
  localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
  enableFindWidget: true,
});

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
  /** the app said `ready` in our protocol version: sheets can be posted */
  private appReady = false;
  private lastPosted: string | undefined;

  constructor(
    private readonly ctx: NetlensContext,
    private readonly views: NetlensViews,
    private readonly hooks: InspectHooks,
    private readonly extensionUri: vscode.Uri,
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
      this.adopt(vscode.window.createWebviewPanel(INSPECT_VIEW_TYPE, 'netlens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, panelOptions(this.extensionUri)));
    } else this.panel.reveal(undefined, preserveFocus);
    this.render();
    // the pane shows at once; the layers fill in when read (loadStorage logs its own failure)
    if (node.targets?.subject?.kind === 'container') void this.loadStorage(node);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.appReady = false;
    this.lastPosted = undefined;
    const scriptUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'inspect.js')).toString();
    panel.webview.html = inspectHtml({ nonce: nonce(), scriptUri });
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
        panel.webview.options = panelOptions(this.extensionUri);
        this.panel?.dispose();
        this.adopt(panel);
        if (isInspectLink(state)) this.shown = this.views.providers[state.view].element(state.id);
        this.render();
      },
    };
  }

  private sheetFor(node: TreeNode): FactSheet | undefined {
    const base = node.sheet?.();
    const conn = this.ctx.connection(node.engineKey);
    const c = conn?.topology?.containers.find((x) => x.id === node.targets?.containerId);
    if (base && c && conn?.topology && this.storage?.containerId === c.id && base.kind === 'Container') {
      return containerSheet(node.engineKey, conn.topology, c, this.storage.value);
    }
    return base;
  }

  private render(): void {
    if (!this.panel || !this.shown) return;
    const node = this.views.node(this.shown);
    if (!node && this.ctx.connections.some((c) => !c.topology && c.status.kind === 'connecting')) {
      this.post(inspectSheetView(placeholderSheet('Waiting', 'Reading the Docker engine…'), { canShowTopology: false }));
      return;
    }
    if (!node) {
      this.post(inspectSheetView(placeholderSheet('Gone', 'This item is no longer in the model'), { canShowTopology: false }));
      return;
    }
    const sheet = this.sheetFor(node);
    if (!sheet) return;
    void this.loadListeners(node, sheet);
    const status = this.ctx.connection(node.engineKey)?.status;
    this.panel.title = `${sheet.kind}: ${sheet.title}`;
    this.post(
      inspectSheetView(sheet, {
        canShowTopology: this.hooks.openInTopology !== undefined,
        ...(status && status.kind === 'stale' ? { banner: statusText(status) } : {}),
        item: { view: this.shown.view, id: this.shown.id },
      }),
    );
  }

  /** Sends the sheet once the app listens (until then `ready` brings the latest); an unchanged sheet is not sent again. */
  private post(sheet: InspectSheetNotification['sheet']): void {
    if (!this.panel || !this.appReady) return;
    const message: InspectSheetNotification = { type: 'sheet', protocolVersion: inspectProtocolVersion, sheet };
    const json = JSON.stringify(message);
    if (json === this.lastPosted) return;
    this.lastPosted = json;
    void this.panel.webview.postMessage(message);
  }

  private async loadStorage(node: TreeNode): Promise<void> {
    const id = node.targets?.containerId;
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

  /** Who listens in the shown container, or on the shown host, read when its pane shows (a refresh does not read it). */
  private async loadListeners(node: TreeNode, sheet: FactSheet): Promise<void> {
    const conn = this.ctx.connection(node.engineKey);
    const topology = conn?.topology;
    if (!conn || !topology) return;
    const id = node.targets?.containerId;
    const c = id ? topology.containers.find((x) => x.id === id) : undefined;
    // a container on --network host listens on the host's sockets
    const host = c ? c.networkMode === 'host' : sheet.subject?.kind === 'host';
    if (!(c || host) || !listenersNotRead(c ? c.listeners : topology.host?.listeners)) return;
    const key = c && !host ? c.id : 'host';
    const asked = this.listenersAsked.get(topology) ?? new Set<string>();
    if (asked.has(key)) return;
    asked.add(key);
    this.listenersAsked.set(topology, asked);
    try {
      conn.adopt(topology, await conn.session().readListeners(topology, host ? { containers: [], host } : { containers: [key] }));
    } catch (e) {
      this.ctx.log.warn(`listeners of ${host ? 'the host' : key.slice(0, 12)}: ${errorMessage(e)}`);
    }
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isInspectCommand(m)) return;
    if (m.type === 'ready') {
      // the page and its app ship together, so another version is a page left from an older netlens
      if (m.protocolVersion !== inspectProtocolVersion) {
        this.ctx.log.warn(`inspect pane speaks protocol ${m.protocolVersion}, not ${inspectProtocolVersion}: not sending it sheets`);
        return;
      }
      this.appReady = true;
      this.lastPosted = undefined;
      this.render();
      return;
    }
    const node = this.shown ? this.views.node(this.shown) : undefined;
    if (!node) return;
    const sheet = node.sheet?.();
    if (m.type === 'openRaw' && sheet?.raw) await openRawJson(node.engineKey, sheet.raw.kind, sheet.raw.id);
    else if (m.type === 'openTopology' && sheet?.topologyId) this.hooks.openInTopology?.(sheet.topologyId);
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
