/**
 * Draws a TopologyLayout into one SVG with d3: keyed joins (so a refresh moves, adds and removes
 * only what changed, animated), zoom/pan/fit with d3-zoom, hover paths, keyboard focus.
 * Every string from the model goes in with `.text()` or as an attribute value; styles go through
 * classes or the CSSOM, never a `style` attribute string (the CSP forbids inline styles).
 */
import { select, zoom, zoomIdentity, zoomTransform } from 'd3';
import type { Selection, ZoomBehavior, ZoomTransform } from 'd3';
import { fitBox, fitTransform } from './fitView';
import { directionOfKey, nextNodeInDirection } from './keyboardNavigation';
import type { LayoutEdge, LayoutFrame, LayoutMark, LayoutNode, TopologyLayout } from './layout';
import type { LayoutBox } from './layoutTypes';
import type { ViewTransform } from './uiState';

const svgNs = 'http://www.w3.org/2000/svg';
const animationMs = 450;
const lowDetailScale = 0.4;
const minDetailScale = 0.2;

export interface RendererCallbacks {
  /** a node, edge or mark was clicked, or Enter pressed on it; the id is a topologyIds id */
  onSelect(itemId: string): void;
  onToggleCollapse(columnId: string): void;
  onTransform(t: ViewTransform): void;
}

export interface Emphasis {
  /** ids matching the search; null = no search */
  readonly matches: ReadonlySet<string> | null;
  readonly hideUnmatched: boolean;
  readonly selected: string | null;
  /** ids on a trace path, in order */
  readonly trace: readonly string[];
  /** where the trace's verdict was decided (ids) and what it says there: marked apart, with a badge */
  readonly decider: { readonly items: readonly string[]; readonly label: string } | null;
  /** trace edges taken but not followed to their end (a publish whose container the trace never reached) */
  readonly partial: readonly string[];
}

const sameDecider = (a: Emphasis['decider'], b: Emphasis['decider']): boolean => a === b || (a !== null && b !== null && a.label === b.label && a.items.length === b.items.length && a.items.every((x, i) => x === b.items[i]));
/** The badge shows this much of what decided; the whole text is its tooltip. */
const badgeChars = 90;

/** The item a click on an edge opens: publishes are items themselves, others name their far end. */
function edgeItemId(edge: LayoutEdge): string {
  if (!edge.id.startsWith('edge:')) return edge.id;
  // a dependency edge's far end is the service depended on
  if (edge.role === 'dependsOn') return edge.target;
  const rest = edge.id.slice('edge:'.length);
  return rest.slice(rest.indexOf(':') + 1);
}

/** Fades in, then drops the inline opacity so the stylesheet's dimming (search, hover) applies again. */
function fadeIn<E extends SVGElement, D>(sel: Selection<E, D, SVGGElement, unknown>, duration: number): void {
  sel
    .transition()
    .duration(duration)
    .style('opacity', 1)
    .on('end', function () {
      this.style.removeProperty('opacity');
    });
}

function edgePath(e: LayoutEdge): string {
  const p = e.points;
  if (p.length === 0) return '';
  if (e.shape === 'curve' && p.length >= 2) {
    const [x1, y1] = p[0]!;
    const [x2, y2] = p[p.length - 1]!;
    const my = (y1 + y2) / 2;
    return `M${x1},${y1}C${x1},${my} ${x2},${my} ${x2},${y2}`;
  }
  return p.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join('');
}

export class TopologyRenderer {
  readonly svg: SVGSVGElement;
  private readonly root: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: Selection<SVGGElement, unknown, null, undefined>;
  private readonly frameLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly edgeLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly nodeLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly labelLayer: Selection<SVGGElement, unknown, null, undefined>;
  /** the element d3-zoom listens on; the layer inside it is moved with a CSS transform */
  private readonly surface: Selection<HTMLDivElement, unknown, null, undefined>;
  private readonly layer: Selection<HTMLDivElement, unknown, null, undefined>;
  private readonly zoomBehavior: ZoomBehavior<HTMLDivElement, unknown>;
  private layout: TopologyLayout | null = null;
  private hoverPath: ReadonlySet<string> = new Set();
  private detailLevel: 'full' | 'low' | 'min' = 'full';
  private size = { width: 0, height: 0 };
  private emphasis: Emphasis = { matches: null, hideUnmatched: false, selected: null, trace: [], decider: null, partial: [] };
  private readonly traceLayer: Selection<SVGGElement, unknown, null, undefined>;

  constructor(
    host: HTMLElement,
    private readonly callbacks: RendererCallbacks,
  ) {
    // Pan and zoom move one composited layer (a CSS transform on a div) instead of re-painting a
    // transformed SVG group: with a thousand nodes and no GPU that is the difference between a
    // smooth drag and a slideshow. While a gesture runs the layer is promoted (will-change) and
    // demoted at its end so the final scale is rastered sharp.
    this.surface = select(host).append('div').attr('class', 'pan-surface');
    this.layer = this.surface.append('div').attr('class', 'pan-layer');
    this.svg = document.createElementNS(svgNs, 'svg');
    this.layer.node()!.appendChild(this.svg);
    this.root = select(this.svg).attr('class', 'topology').attr('role', 'application').attr('aria-label', 'Docker network topology');
    this.viewport = this.root.append('g').attr('class', 'viewport');
    // Compose project frames lie behind everything else
    this.frameLayer = this.viewport.append('g').attr('class', 'layer-frames');
    this.edgeLayer = this.viewport.append('g').attr('class', 'layer-edges');
    this.nodeLayer = this.viewport.append('g').attr('class', 'layer-nodes');
    this.labelLayer = this.viewport.append('g').attr('class', 'layer-labels');
    // the trace's verdict badge, above everything
    this.traceLayer = this.viewport.append('g').attr('class', 'layer-trace');
    this.zoomBehavior = zoom<HTMLDivElement, unknown>()
      .scaleExtent([0.03, 4])
      .extent(() => [
        [0, 0],
        [this.size.width, this.size.height],
      ])
      .filter((event: Event) => !(event instanceof MouseEvent && event.type === 'dblclick'))
      .on('start', () => this.layer.style('will-change', 'transform'))
      .on('end', () => this.layer.style('will-change', null))
      .on('zoom', (event: { transform: ZoomTransform }) => {
        const t = event.transform;
        this.layer.style('transform', `translate(${t.x}px,${t.y}px) scale(${t.k})`);
        this.setDetailLevel(t.k);
        this.callbacks.onTransform({ k: t.k, x: t.x, y: t.y });
      });
    this.surface.call(this.zoomBehavior);
    // the surface's size, kept current without asking for it: a read after a big render would
    // force a synchronous style and layout of every node before the zoom level hides small text
    const surfaceEl = this.surface.node()!;
    const rect = surfaceEl.getBoundingClientRect();
    this.size = { width: rect.width, height: rect.height };
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) this.size = { width: box.width, height: box.height };
    }).observe(surfaceEl);
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
  }

  /**
   * Level of detail: text too small to read is not drawn (it costs most of the paint). Below
   * `lowDetailScale` the second lines and edge labels go, below `minDetailScale` all text.
   */
  private setDetailLevel(k: number): void {
    const level = k < minDetailScale ? 'min' : k < lowDetailScale ? 'low' : 'full';
    if (level === this.detailLevel) return;
    this.detailLevel = level;
    this.root.classed('lod-low', level === 'low').classed('lod-min', level === 'min');
  }

  render(layout: TopologyLayout, animate: boolean): void {
    this.layout = layout;
    this.root.attr('width', Math.ceil(layout.width)).attr('height', Math.ceil(layout.height)).attr('viewBox', `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`);
    const duration = animate ? animationMs : 0;
    this.renderFrames(layout.frames);
    this.renderEdges(layout.edges, duration);
    this.renderNodes(layout.nodes, duration);
    this.renderLabels(layout.edges, duration);
    this.applyClasses();
  }

  setEmphasis(emphasis: Emphasis): void {
    const e = this.emphasis;
    const same = e.matches === null && emphasis.matches === null && e.hideUnmatched === emphasis.hideUnmatched && e.selected === emphasis.selected && e.trace.length === emphasis.trace.length && e.trace.every((x, i) => x === emphasis.trace[i]) && sameDecider(e.decider, emphasis.decider) && e.partial.length === emphasis.partial.length && e.partial.every((x, i) => x === emphasis.partial[i]);
    this.emphasis = emphasis;
    if (same) return;
    this.applyClasses();
  }

  /** Fits the whole drawing in view, or only the given nodes (the search's matches). */
  fit(duration = 300, only: ReadonlySet<string> | null = null): void {
    if (!this.layout) return;
    const { width, height } = this.size;
    if (width === 0 || height === 0) return;
    const f = fitTransform(fitBox(this.layout, only), { width, height });
    const t = zoomIdentity.translate(f.x, f.y).scale(f.k);
    if (duration > 0) this.surface.transition().duration(duration).call(this.zoomBehavior.transform as never, t);
    else this.surface.call(this.zoomBehavior.transform, t);
  }

  /** Pans an item into view if it is not (after the details pane narrowed the graph, say). */
  reveal(id: string): void {
    const node = this.layout?.nodes.find((n) => n.id === id);
    if (node) this.ensureVisible(node);
  }

  zoomBy(factor: number): void {
    this.surface.transition().duration(200).call(this.zoomBehavior.scaleBy as never, factor);
  }

  setTransform(t: ViewTransform): void {
    this.surface.call(this.zoomBehavior.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }

  /** Pans so the item is in view and gives it keyboard focus. */
  focusItem(id: string): boolean {
    const node = this.layout?.nodes.find((n) => n.id === id);
    if (!node) return false;
    this.ensureVisible(node);
    const el = this.nodeElement(id);
    el?.focus({ preventScroll: true });
    return true;
  }

  private nodeElement(id: string): SVGGElement | null {
    let found: SVGGElement | null = null;
    this.nodeLayer.selectAll<SVGGElement, LayoutNode>('g.node').each(function (d) {
      if (d.id === id) found = this;
    });
    return found;
  }

  private ensureVisible(node: LayoutNode): void {
    const { width, height } = this.size;
    const t = zoomTransform(this.surface.node()!);
    const sx = node.x * t.k + t.x;
    const sy = node.y * t.k + t.y;
    if (sx >= 0 && sy >= 0 && sx + node.width * t.k <= width && sy + node.height * t.k <= height) return;
    this.surface.transition().duration(250).call(this.zoomBehavior.translateTo as never, node.x + node.width / 2, node.y + node.height / 2);
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target instanceof SVGGElement && e.target.classList.contains('node') ? e.target : null;
    const current = target ? (select<SVGGElement, LayoutNode>(target).datum()?.id ?? null) : null;
    const dir = directionOfKey(e.key);
    if (dir && this.layout) {
      e.preventDefault();
      const visible = this.layout.nodes.filter((n) => !this.emphasis.hideUnmatched || !this.emphasis.matches || this.emphasis.matches.has(n.id));
      const next = current ? nextNodeInDirection(visible, current, dir) : visible[0]?.id ?? null;
      if (next) this.focusItem(next);
      return;
    }
    if ((e.key === 'Enter' || e.key === ' ') && current) {
      e.preventDefault();
      this.callbacks.onSelect(current);
    }
  }

  private renderNodes(nodes: readonly LayoutNode[], duration: number): void {
    const cb = this.callbacks;
    const join = this.nodeLayer
      .selectAll<SVGGElement, LayoutNode>('g.node')
      .data(nodes, (d) => d.id)
      .join(
        (enter) => {
          const g = enter
            .append('g')
            .attr('tabindex', 0)
            .attr('role', 'button')
            .attr('transform', (d) => `translate(${d.x},${d.y})`);
          if (duration > 0) g.style('opacity', 0);
          g.append('rect').attr('class', 'node-box').attr('rx', 4);
          g.append('text').attr('class', 'node-title').attr('x', 10).attr('y', 17);
          g.append('text').attr('class', 'node-line node-line-1').attr('x', 10).attr('y', 30);
          g.append('text').attr('class', 'node-line node-line-2').attr('x', 10).attr('y', 42);
          g.append('text').attr('class', 'node-collapsed').attr('y', 17);
          g.append('g').attr('class', 'marks');
          g.on('click', (event: MouseEvent, d) => {
            event.stopPropagation();
            cb.onSelect(d.id);
          });
          g.on('mouseenter focus', (_event: Event, d) => this.showPath(d.id));
          g.on('mouseleave blur', () => this.showPath(null));
          if (duration > 0) fadeIn(g, duration);
          return g;
        },
        (update) => {
          // an item that comes back while still fading out: stop the fade (and its removal)
          update.interrupt().style('opacity', null);
          if (duration > 0) update.transition().duration(duration).attr('transform', (d) => `translate(${d.x},${d.y})`);
          else update.attr('transform', (d) => `translate(${d.x},${d.y})`);
          return update;
        },
        (exit) => {
          if (duration > 0) exit.transition().duration(duration).style('opacity', 0).remove();
          else exit.remove();
          return exit;
        },
      );
    join.attr('class', (d) => `node role-${d.role}${d.status ? ` status-${d.status.replace(/[^a-z0-9-]/gi, '')}` : ''}`).attr('aria-label', (d) => `${d.title}, ${d.lines.join(', ')}`);
    join.attr('data-id', (d) => d.id);
    join.select('rect.node-box').attr('width', (d) => d.width).attr('height', (d) => d.height);
    join.select('text.node-title').text((d) => d.title);
    join.select('text.node-line-1').text((d) => d.lines[0] ?? '');
    join.select('text.node-line-2').text((d) => d.lines[1] ?? '');
    join
      .select('text.node-collapsed')
      .attr('x', (d) => d.width - 30)
      .text((d) => (d.hiddenRows > 0 ? `${d.hiddenRows} hidden` : ''));
    join.each(function (d) {
      const g = select(this);
      const isHead = d.column !== null && d.column === d.id;
      const toggle = g.selectAll<SVGGElement, LayoutNode>('g.collapse-toggle').data(isHead ? [d] : []);
      toggle.exit().remove();
      const entered = toggle.enter().append('g').attr('class', 'collapse-toggle').attr('role', 'button');
      entered.append('rect').attr('width', 18).attr('height', 18).attr('rx', 3);
      entered.append('text').attr('x', 9).attr('y', 13);
      entered.on('click', (event: MouseEvent, dd) => {
        event.stopPropagation();
        cb.onToggleCollapse(dd.id);
      });
      const merged = entered.merge(toggle);
      merged.attr('transform', `translate(${d.width - 24},6)`).attr('aria-label', d.hiddenRows > 0 ? 'expand' : 'collapse');
      merged.select('text').text(d.hiddenRows > 0 ? '+' : '−');
    });
    join
      .select<SVGGElement>('g.marks')
      .selectAll<SVGGElement, LayoutMark & { nodeX: number; nodeY: number }>('g.mark')
      .data((d) => d.marks.map((m) => ({ ...m, nodeX: d.x, nodeY: d.y })), (m) => m.id)
      .join((enter) => {
        const m = enter.append('g').attr('role', 'button');
        m.append('rect').attr('rx', 3).attr('height', 16);
        m.append('text').attr('y', 12).attr('x', 6);
        m.on('click', (event: MouseEvent, mm) => {
          event.stopPropagation();
          cb.onSelect(mm.id);
        });
        return m;
      })
      .attr('class', (m) => `mark mark-${m.kind}`)
      .attr('data-id', (m) => m.id)
      .attr('transform', (m) => `translate(${m.x - m.nodeX},${m.y - m.nodeY})`)
      .call((m) => m.select('rect').attr('width', (mm) => mm.width))
      .call((m) => m.select('text').text((mm) => mm.label));
  }

  /**
   * One frame per Compose project, and one per host when several hosts are drawn side by side: a
   * box (one per band for a project) and the name, set as text.
   */
  private renderFrames(frames: readonly LayoutFrame[]): void {
    const kind = (d: LayoutFrame): 'project' | 'host' => d.kind ?? 'project';
    const join = this.frameLayer
      .selectAll<SVGGElement, LayoutFrame>('g.frame')
      .data(frames, (d) => `${kind(d)}:${d.id}`)
      .join((enter) => {
        const g = enter.append('g').attr('class', (d) => `frame ${kind(d)}-frame`);
        g.append('text').attr('class', (d) => `${kind(d)}-frame-label`);
        return g;
      });
    join.attr('data-id', (d) => d.id).attr('aria-label', (d) => (kind(d) === 'host' ? `Docker host ${d.label}` : `Compose project ${d.label}`));
    join
      .selectAll<SVGRectElement, LayoutBox & { readonly kind: 'project' | 'host' }>('rect')
      .data((d) => d.boxes.map((b) => ({ ...b, kind: kind(d) })))
      .join((enter) => enter.insert('rect', 'text').attr('rx', 8))
      .attr('class', (b) => `${b.kind}-frame-box`)
      .attr('x', (b) => b.x)
      .attr('y', (b) => b.y)
      .attr('width', (b) => b.width)
      .attr('height', (b) => b.height);
    join
      .select('text')
      .attr('x', (d) => d.x + 10)
      .attr('y', (d) => d.y + (kind(d) === 'host' ? 16 : 14))
      .text((d) => `${kind(d) === 'host' ? 'host' : 'compose'} · ${d.label}`);
  }

  private renderEdges(edges: readonly LayoutEdge[], duration: number): void {
    const cb = this.callbacks;
    const join = this.edgeLayer
      .selectAll<SVGGElement, LayoutEdge>('g.edge')
      .data(edges, (d) => d.id)
      .join(
        (enter) => {
          const g = enter.append('g');
          if (duration > 0) g.style('opacity', 0);
          g.append('path').attr('class', 'edge-hit');
          g.append('path').attr('class', 'edge-line');
          g.on('click', (event: MouseEvent, d) => {
            event.stopPropagation();
            cb.onSelect(edgeItemId(d));
          });
          if (duration > 0) fadeIn(g, duration);
          return g;
        },
        (update) => update.interrupt().style('opacity', null),
        (exit) => {
          if (duration > 0) exit.transition().duration(duration).style('opacity', 0).remove();
          else exit.remove();
          return exit;
        },
      );
    join.attr('class', (d) => `edge role-${d.role}`).attr('data-id', (d) => d.id);
    const paths = join.selectAll<SVGPathElement, LayoutEdge>('path').data((d) => [d, d]);
    if (duration > 0) paths.transition().duration(duration).attr('d', (d) => edgePath(d));
    else paths.attr('d', (d) => edgePath(d));
  }

  private renderLabels(edges: readonly LayoutEdge[], duration: number): void {
    const labelled = edges.filter((e) => e.label !== null);
    const join = this.labelLayer
      .selectAll<SVGTextElement, LayoutEdge>('text.edge-label')
      .data(labelled, (d) => d.id)
      .join(
        (enter) => {
          const t = enter.append('text').attr('x', (d) => d.labelX).attr('y', (d) => d.labelY);
          if (duration > 0) {
            t.style('opacity', 0);
            fadeIn(t, duration);
          }
          return t;
        },
        (update) => {
          update.interrupt().style('opacity', null);
          if (duration > 0) update.transition().duration(duration).attr('x', (d) => d.labelX).attr('y', (d) => d.labelY);
          else update.attr('x', (d) => d.labelX).attr('y', (d) => d.labelY);
          return update;
        },
        (exit) => exit.remove(),
      );
    join.attr('class', (d) => `edge-label role-${d.role}`).attr('data-id', (d) => d.id).attr('text-anchor', (d) => d.labelAnchor).text((d) => d.label ?? '');
  }

  private showPath(id: string | null): void {
    this.hoverPath = new Set(id && this.layout ? this.layout.pathsToHost[id] ?? [id] : []);
    this.applyClasses();
  }

  private applyClasses(): void {
    const { matches, hideUnmatched, selected, trace, decider, partial } = this.emphasis;
    const traceSet = new Set(trace);
    const partialSet = new Set(partial);
    const deciderSet = new Set(decider?.items ?? []);
    const path = this.hoverPath;
    this.root.classed('has-filter', matches !== null).classed('hide-unmatched', hideUnmatched && matches !== null).classed('has-path', path.size > 0).classed('has-trace', traceSet.size > 0);
    this.nodeLayer
      .selectAll<SVGGElement, LayoutNode>('g.node')
      .classed('match', (d) => matches?.has(d.id) ?? false)
      .classed('on-path', (d) => path.has(d.id))
      .classed('on-trace', (d) => traceSet.has(d.id))
      .classed('trace-decider', (d) => deciderSet.has(d.id))
      .classed('selected', (d) => d.id === selected);
    const edgeMatch = (d: LayoutEdge): boolean => (matches ? matches.has(d.source) && matches.has(d.target) : false);
    this.edgeLayer
      .selectAll<SVGGElement, LayoutEdge>('g.edge')
      .classed('match', edgeMatch)
      .classed('on-path', (d) => path.has(d.id))
      .classed('on-trace', (d) => traceSet.has(d.id) || (traceSet.has(d.source) && traceSet.has(d.target)))
      .classed('trace-partial', (d) => partialSet.has(d.id))
      .classed('trace-decider', (d) => deciderSet.has(d.id))
      .classed('selected', (d) => d.id === selected || edgeItemId(d) === selected);
    this.labelLayer
      .selectAll<SVGTextElement, LayoutEdge>('text.edge-label')
      .classed('match', edgeMatch)
      .classed('on-path', (d) => path.has(d.id));
    this.renderDeciderBadge();
  }

  /**
   * The verdict beside the item where it was decided: `dropped: filter DOCKER-USER rule 2: …`, set
   * as text, cut to a line with the whole text as its tooltip. Placed above the first decider node
   * (or at an edge's start when only an edge is drawn for it); none when nothing drawn decided.
   */
  private renderDeciderBadge(): void {
    const d = this.emphasis.decider;
    const node = d ? this.layout?.nodes.find((n) => d.items.includes(n.id)) : undefined;
    const edge = d && !node ? this.layout?.edges.find((e) => d.items.includes(e.id)) : undefined;
    const at = node ? { x: node.x, y: node.y - 22, id: node.id } : edge?.points[0] ? { x: edge.points[0][0], y: edge.points[0][1] - 22, id: edge.id } : null;
    const data = d && at ? [{ ...at, label: d.label }] : [];
    const badge = this.traceLayer
      .selectAll<SVGGElement, (typeof data)[number]>('g.trace-badge')
      .data(data)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'trace-badge');
        g.append('title');
        g.append('rect').attr('rx', 3).attr('height', 18);
        g.append('text').attr('x', 6).attr('y', 13);
        return g;
      });
    badge.attr('transform', (b) => `translate(${b.x},${b.y})`).attr('data-for', (b) => b.id);
    badge.select('title').text((b) => b.label);
    badge.select('text').text((b) => (b.label.length > badgeChars ? `${b.label.slice(0, badgeChars - 1)}…` : b.label));
    badge.each(function () {
      const text = this.querySelector('text');
      const width = text && typeof text.getComputedTextLength === 'function' ? text.getComputedTextLength() : 0;
      select(this).select('rect').attr('width', Math.ceil(width) + 12);
    });
  }
}

