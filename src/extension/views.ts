/** The three sidebar views: their providers and TreeViews, and jumping to a node by link. */
import * as vscode from 'vscode';
import type { NetlensContext } from './ctx';
import { NetlensTreeProvider, type TreeElement } from './trees/treeProvider';
import type { TreeNode, ViewName } from './trees/treeNode';

const VIEW_IDS: Readonly<Record<ViewName, string>> = {
  networks: 'netlens.networks',
  host: 'netlens.host',
  containers: 'netlens.containers',
};

export class NetlensViews implements vscode.Disposable {
  readonly providers: Readonly<Record<ViewName, NetlensTreeProvider>>;
  private readonly treeViews: Readonly<Record<ViewName, vscode.TreeView<TreeElement>>>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(ctx: NetlensContext) {
    const make = (view: ViewName): NetlensTreeProvider => new NetlensTreeProvider(view, ctx);
    this.providers = { networks: make('networks'), host: make('host'), containers: make('containers') };
    const tv = (view: ViewName): vscode.TreeView<TreeElement> =>
      vscode.window.createTreeView(VIEW_IDS[view], { treeDataProvider: this.providers[view], showCollapseAll: true });
    this.treeViews = { networks: tv('networks'), host: tv('host'), containers: tv('containers') };
    this.disposables.push(...Object.values(this.providers), ...Object.values(this.treeViews));
  }

  /** The node behind a command argument (a tree element), if it is still in the tree. */
  node(el: unknown): TreeNode | undefined {
    if (!isTreeElement(el)) return undefined;
    return this.providers[el.view].node(el);
  }

  /** The nodes currently selected in any view, for palette commands that act on "this". */
  selected(): TreeNode | undefined {
    for (const view of Object.keys(this.treeViews) as ViewName[]) {
      const sel = this.treeViews[view].selection[0];
      if (sel) return this.providers[view].node(sel);
    }
    return undefined;
  }

  /** The inspectable node the topology graph means by an id (Docker id, `if:<name>`, `netns:<name>`, `host`). */
  findByTopologyId(topologyId: string): { view: ViewName; node: TreeNode } | undefined {
    const hostSide = topologyId === 'host' || topologyId.startsWith('if:') || topologyId.startsWith('netns:');
    const order: ViewName[] = hostSide ? ['host'] : ['containers', 'networks'];
    for (const view of order) {
      for (const { node } of this.providers[view].allNodes()) {
        if (!node.sheet) continue;
        const matches =
          topologyId === 'host' ? node.contextValue.startsWith(';forward;') : topologyId.startsWith('if:') ? node.id.endsWith(`/host/if/${encodeURIComponent(topologyId.slice(3))}`) : node.facts?.topologyId === topologyId && !node.contextValue.startsWith(';publish;');
        if (matches) return { view, node };
      }
    }
    return undefined;
  }

  async reveal(view: ViewName, id: string): Promise<boolean> {
    const provider = this.providers[view];
    if (!provider.node(id)) return false;
    await vscode.commands.executeCommand(`${VIEW_IDS[view]}.focus`);
    await this.treeViews[view].reveal(provider.element(id), { select: true, focus: true, expand: false });
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function isTreeElement(v: unknown): v is TreeElement {
  return typeof v === 'object' && v !== null && typeof (v as TreeElement).id === 'string' && ['networks', 'host', 'containers'].includes((v as TreeElement).view);
}
