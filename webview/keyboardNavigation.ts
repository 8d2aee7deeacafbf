/**
 * Arrow keys move the focus to the nearest node in that direction (by centre, favouring nodes in
 * line with the current one), so the keyboard walks the same picture the eye does. Pure.
 */
import type { LayoutNode } from './layout';

export type Direction = 'up' | 'down' | 'left' | 'right';

export function nextNodeInDirection(nodes: readonly LayoutNode[], fromId: string, dir: Direction): string | null {
  const from = nodes.find((n) => n.id === fromId);
  if (!from) return nodes[0]?.id ?? null;
  const cx = from.x + from.width / 2;
  const cy = from.y + from.height / 2;
  let best: string | null = null;
  let bestScore = Infinity;
  for (const n of nodes) {
    if (n.id === fromId) continue;
    const dx = n.x + n.width / 2 - cx;
    const dy = n.y + n.height / 2 - cy;
    const along = dir === 'left' ? -dx : dir === 'right' ? dx : dir === 'up' ? -dy : dy;
    const across = dir === 'left' || dir === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (along <= 1) continue;
    const score = along + across * 2.5;
    if (score < bestScore) {
      bestScore = score;
      best = n.id;
    }
  }
  return best;
}

export function directionOfKey(key: string): Direction | null {
  return key === 'ArrowUp' ? 'up' : key === 'ArrowDown' ? 'down' : key === 'ArrowLeft' ? 'left' : key === 'ArrowRight' ? 'right' : null;
}
