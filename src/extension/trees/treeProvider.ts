/**
 * A vscode TreeDataProvider over the plain node builders. Elements are small handles cached by id,
 * so the same object comes back for the same thing across refreshes (reveal and selection keep
 * working); the node behind a handle is looked up in the index of the last build.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { NetlensContext } from '../ctx';
import { engineRoot } from './engineRoots';
import { diffNodes, storageNodes } from './containerNodes';
import type { TreeNode, ViewName } from './treeNode';
import { changedNodes, treeSignatures, type TreeSignatures } from './treeChanges';

export interface TreeElement {
  readonly view: ViewName;
  readonly id: string;
}

interface Indexed {
  readonly node: TreeNode;
  readonly parentId: string | undefined;
}

export class NetlensTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeElement | TreeElement[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: TreeNode[] | undefined;
  private readonly index = new Map<string, Indexed>();
  private readonly elements = new Map<string, TreeElement>();
  /** children fetched on expansion; layers never change for a container, diffs are read again; pruned with their node */
  private readonly loaded = new Map<string, TreeNode[]>();
  private readonly subscription: vscode.Disposable;

  constructor(
    readonly view: ViewName,
    private readonly ctx: NetlensContext,
  ) {
    this.subscription = ctx.onDidChange(() => this.invalidate());
  }

  /**
   * A new model or state: the items it changed are redrawn, the rest stay as they are (selection,
   * scroll, hover). Before the first build there is nothing to compare, and new roots redraw all.
   */
  invalidate(): void {
    const before = this.roots ? this.signatures() : undefined;
    this.roots = undefined;
    for (const [id, nodes] of this.loaded) if (nodes[0]?.id.includes('/diff/')) this.loaded.delete(id);
    if (!before) {
      this.emitter.fire(undefined);
      return;
    }
    const changed = changedNodes(before, this.signatures());
    if (changed === 'all') this.emitter.fire(undefined);
    else if (changed.length) this.emitter.fire(changed.map((id) => this.element(id)));
  }

  private signatures(): TreeSignatures {
    return treeSignatures(this.build(), (n) => this.loaded.get(n.id) ?? n.children);
  }

  element(id: string): TreeElement {
    let el = this.elements.get(id);
    if (!el) {
      el = { view: this.view, id };
      this.elements.set(id, el);
    }
    return el;
  }

  node(el: TreeElement | string): TreeNode | undefined {
    this.build();
    return this.index.get(typeof el === 'string' ? el : el.id)?.node;
  }

  /** Every node built so far, depth first (lazy children only once expanded). */
  allNodes(): Array<{ node: TreeNode; parentId: string | undefined; depth: number }> {
    const roots = this.build();
    const out: Array<{ node: TreeNode; parentId: string | undefined; depth: number }> = [];
    const walk = (n: TreeNode, parentId: string | undefined, depth: number): void => {
      out.push({ node: n, parentId, depth });
      for (const c of this.loaded.get(n.id) ?? n.children) walk(c, n.id, depth + 1);
    };
    for (const r of roots) walk(r, undefined, 0);
    return out;
  }

  private build(): TreeNode[] {
    if (this.roots) return this.roots;
    this.index.clear();
    const roots = this.ctx.connections.length
      ? this.ctx.connections.map((c) => engineRoot(this.view, c, { project: this.ctx.config.projectFilter }))
      : [noEngineNode(this.ctx.lastError())];
    const add = (n: TreeNode, parentId: string | undefined): void => {
      this.index.set(n.id, { node: n, parentId });
      for (const c of this.loaded.get(n.id) ?? n.children) add(c, n.id);
    };
    for (const r of roots) add(r, undefined);
    // What belonged to things that are gone goes with them: their handles, and the layers or
    // changes fetched for a container that no longer exists.
    for (const id of this.loaded.keys()) if (!this.index.has(id)) this.loaded.delete(id);
    for (const id of this.elements.keys()) if (!this.index.has(id)) this.elements.delete(id);
    this.roots = roots;
    return roots;
  }

  async getChildren(el?: TreeElement): Promise<TreeElement[]> {
    if (!el) return this.build().map((n) => this.element(n.id));
    const node = this.node(el);
    if (!node) return [];
    const children = node.lazy ? await this.loadLazy(node) : node.children;
    return children.map((c) => this.element(c.id));
  }

  getParent(el: TreeElement): TreeElement | undefined {
    this.build();
    const parentId = this.index.get(el.id)?.parentId;
    return parentId ? this.element(parentId) : undefined;
  }

  getTreeItem(el: TreeElement): vscode.TreeItem {
    const node = this.node(el);
    if (!node) return new vscode.TreeItem('(gone)');
    const expandable = node.children.length > 0 || node.lazy !== undefined;
    const item = new vscode.TreeItem(
      node.label,
      !expandable ? vscode.TreeItemCollapsibleState.None : node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = node.id;
    if (node.description) item.description = node.description;
    if (node.tooltip) {
      const md = new vscode.MarkdownString(node.tooltip, false);
      // Docker text is escaped, and nothing in a tooltip may run a command or render HTML.
      md.isTrusted = false;
      md.supportHtml = false;
      item.tooltip = md;
    }
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue;
    if (node.action === 'retry') item.command = { title: 'Retry', command: 'netlens.retry', arguments: [el] };
    else if (node.action === 'openSettings') item.command = { title: 'Open Settings', command: 'netlens.openSettings' };
    else if (node.action === 'showLog') item.command = { title: 'Show Log', command: 'netlens.showLog' };
    else if (node.sheet) item.command = { title: 'Inspect', command: 'netlens.inspect', arguments: [el, { preserveFocus: true }] };
    return item;
  }

  private async loadLazy(node: TreeNode): Promise<TreeNode[]> {
    const lazy = node.lazy!;
    const cached = this.loaded.get(node.id);
    if (cached) return cached;
    const conn = this.ctx.connection(node.engineKey);
    let children: TreeNode[];
    try {
      if (!conn) throw new Error('engine no longer configured');
      const session = conn.session();
      children =
        lazy.kind === 'storage'
          ? storageNodes(node.engineKey, lazy.containerId, await session.storage(lazy.containerId))
          : diffNodes(node.engineKey, lazy.containerId, await session.diff(lazy.containerId));
    } catch (e) {
      const message = errorMessage(e);
      this.ctx.log.warn(`${lazy.kind} of ${lazy.containerId.slice(0, 12)}: ${message}`);
      children = [{ id: `${node.id}/error`, label: `Cannot read ${lazy.kind === 'storage' ? 'layers' : 'changes'}`, description: message, icon: { id: 'error', color: 'errorForeground' }, contextValue: ';info;', children: [], engineKey: node.engineKey }];
      // Not cached: the next expansion tries again.
      for (const c of children) this.index.set(c.id, { node: c, parentId: node.id });
      return children;
    }
    this.loaded.set(node.id, children);
    const add = (n: TreeNode, parentId: string): void => {
      this.index.set(n.id, { node: n, parentId });
      for (const c of n.children) add(c, n.id);
    };
    for (const c of children) add(c, node.id);
    return children;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function noEngineNode(problem: string | undefined): TreeNode {
  return {
    id: 'no-engine',
    label: 'No Docker engine configured',
    description: problem ?? 'netlens.engine.host / netlens.engines',
    icon: { id: 'warning', color: 'list.warningForeground' },
    contextValue: ';settings;',
    children: [],
    action: 'openSettings',
    engineKey: '',
  };
}
