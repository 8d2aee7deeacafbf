/**
 * Where "Fit" puts the drawing: the box to show (the whole drawing, or the search's matches) and
 * the zoom transform that shows it whole, centred across and from the top. Pure, so Node tests
 * check it. The scale is capped where node text reads at about 12 px (titles 13 px, lines 11 px
 * at zoom 1): a small drawing is shown at its natural size, not blown up to fill the window.
 */
import type { LayoutNode, TopologyLayout } from './layout';
import type { ViewTransform } from './uiState';

export interface ViewBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** zoom 1.1: 11 px lines show at ~12 px, titles at ~14 px */
export const maxFitScale = 1.1;
/** room around a set of matches so they do not touch the window's edge */
const matchPad = 32;
/** gap above the drawing once it is fitted */
const topInset = 8;

/** The box Fit frames: the drawn nodes in `only` (with some room), or the whole drawing. */
export function fitBox(layout: TopologyLayout, only: ReadonlySet<string> | null): ViewBox {
  const chosen: LayoutNode[] = only ? layout.nodes.filter((n) => only.has(n.id)) : [];
  if (chosen.length === 0) return { x: 0, y: 0, width: layout.width, height: layout.height };
  const x0 = Math.min(...chosen.map((n) => n.x)) - matchPad;
  const y0 = Math.min(...chosen.map((n) => n.y)) - matchPad;
  const x1 = Math.max(...chosen.map((n) => n.x + n.width)) + matchPad;
  const y1 = Math.max(...chosen.map((n) => n.y + n.height)) + matchPad;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The transform that shows `box` whole in a view of this size, no larger than `maxScale`. */
export function fitTransform(box: ViewBox, view: { readonly width: number; readonly height: number }, maxScale = maxFitScale): ViewTransform {
  const k = Math.min((view.width - 2 * topInset) / box.width, (view.height - 2 * topInset) / box.height, maxScale);
  const x = (view.width - box.width * k) / 2 - box.x * k;
  const y = topInset - box.y * k;
  return { k, x, y };
}
