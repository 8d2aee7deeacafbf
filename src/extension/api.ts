/**
 * What `activate()` returns: the extension's API for tests (test/e2e asserts through it, since a
 * tree only renders its visible rows) and for other extensions. Plain data only.
 */
import type { Topology } from '../core/model/types';
import type { ViewName } from './trees/treeNode';

export interface TreeItemSnapshot {
  /** the TreeItem id (stable across refreshes) */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  /** `;kind;capability;…;` as the item menus see it */
  readonly contextValue: string;
  readonly parentId?: string;
  /** 0 for an engine root */
  readonly depth: number;
  /** tooltip markdown, Docker text escaped */
  readonly tooltip?: string;
}

export interface EngineSnapshot {
  readonly key: string;
  readonly label: string;
  /** connecting | connected | stale | error */
  readonly state: string;
  readonly error?: string;
}

export interface NetlensApi {
  /** the first engine's current model, undefined before the first snapshot or after an error */
  getTopology(): Topology | undefined;
  /** a refresh of every engine with this reason (default `api`); resolves when the views have it */
  refresh(reason?: string): Promise<void>;
  /**
   * Every item of a view, depth first, as the tree would show it fully expanded (children fetched
   * on demand — layers, docker diff — only once they were expanded).
   */
  treeItems(view: ViewName): Promise<TreeItemSnapshot[]>;
  /** the first problem the user is shown (a bad setting or an unreachable engine), else undefined */
  lastError(): string | undefined;
  /** per-engine state, in the order of the views' roots */
  engines(): EngineSnapshot[];
  /** what the inspect pane shows, if open: the tree item id and the pane's title */
  inspected(): { id: string; title: string } | undefined;
  /** what the trace view shows, if a trace was run: its request, verdict, hop count and whether it is current, updated or stale */
  traced(): TracedSnapshot | undefined;
}

export interface TracedSnapshot {
  readonly title: string;
  readonly verdict: string;
  readonly decidedBy: string;
  readonly hops: number;
  /** current | updated | stale */
  readonly status: string;
  readonly statusText: string;
  /** whether the trace view's panel is open */
  readonly open: boolean;
  /** how many traces the view keeps */
  readonly kept: number;
}
