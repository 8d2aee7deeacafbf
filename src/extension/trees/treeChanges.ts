/**
 * Which tree items a new model changed, so the sidebar redraws those (and what is under them) and
 * leaves the rest alone: after `docker start` of one container among a hundred, one item changes,
 * not the whole tree. A node's signature is everything its TreeItem shows plus the ids of its
 * children, so an added or removed child changes its parent. Free of `vscode`: unit-tested on the
 * recorded lab.
 */
import type { TreeNode } from './treeNode';

export interface TreeSignatures {
  readonly rootIds: readonly string[];
  readonly signature: ReadonlyMap<string, string>;
  readonly parent: ReadonlyMap<string, string | undefined>;
}

/** What a node's TreeItem shows (the inspect pane's sheet is read when the pane renders, not here). */
function signatureOf(n: TreeNode, children: readonly TreeNode[]): string {
  return JSON.stringify([
    n.label,
    n.description ?? null,
    n.tooltip ?? null,
    n.icon ?? null,
    n.contextValue,
    n.expanded ?? null,
    n.lazy ?? null,
    n.action ?? null,
    n.facts ?? null,
    children.map((c) => c.id),
  ]);
}

export function treeSignatures(roots: readonly TreeNode[], childrenOf: (n: TreeNode) => readonly TreeNode[] = (n) => n.children): TreeSignatures {
  const signature = new Map<string, string>();
  const parent = new Map<string, string | undefined>();
  const walk = (n: TreeNode, parentId: string | undefined): void => {
    const children = childrenOf(n);
    signature.set(n.id, signatureOf(n, children));
    parent.set(n.id, parentId);
    for (const c of children) walk(c, n.id);
  };
  for (const r of roots) walk(r, undefined);
  return { rootIds: roots.map((r) => r.id), signature, parent };
}

/**
 * The topmost nodes whose signature differs (a refreshed item redraws its subtree, so a changed
 * node under a changed one is left out); 'all' when the roots themselves differ.
 */
export function changedNodes(before: TreeSignatures, after: TreeSignatures): string[] | 'all' {
  if (before.rootIds.length !== after.rootIds.length || before.rootIds.some((id, i) => id !== after.rootIds[i])) return 'all';
  const changed = new Set<string>();
  for (const [id, sig] of after.signature) if (before.signature.get(id) !== sig) changed.add(id);
  const top: string[] = [];
  for (const id of changed) {
    let p = after.parent.get(id);
    let covered = false;
    while (p !== undefined) {
      if (changed.has(p)) {
        covered = true;
        break;
      }
      p = after.parent.get(p);
    }
    if (!covered) top.push(id);
  }
  return top;
}
