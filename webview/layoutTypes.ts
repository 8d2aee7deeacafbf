/**
 * The shapes the topology layout produces and keeps between refreshes. No DOM, no vscode: the
 * renderer, the search, the keyboard navigation and the Node tests all read these.
 */
import type { MarkKind, TopologyItemKind } from '../src/protocol/topologyIds';

export interface LayoutMark {
  readonly id: string;
  readonly kind: MarkKind;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

/** What search and filter look at (all lower case). */
export interface NodeFacets {
  readonly names: readonly string[];
  readonly networks: readonly string[];
  readonly ips: readonly string[];
  readonly ports: readonly string[];
}

export type NodeRole = 'nic' | 'hostContainer' | 'network' | 'foreignBridge' | 'group' | 'endpoint' | 'bridgePort' | 'container' | 'namedNetns';

export interface LayoutNode {
  readonly id: string;
  readonly kind: TopologyItemKind;
  readonly role: NodeRole;
  /** top-left corner */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly lines: readonly string[];
  /** the column this node sits in, null for the host band */
  readonly column: string | null;
  readonly marks: readonly LayoutMark[];
  readonly facets: NodeFacets;
  /** running / exited / … for containers, up/down for interfaces; drives a CSS class */
  readonly status: string | null;
  /** for a collapsed column head: how many rows are hidden */
  readonly hiddenRows: number;
}

export type EdgeRole = 'uplink' | 'bus' | 'veth' | 'macvlan' | 'vxlan' | 'publish' | 'sharesNetns' | 'parent' | 'dependsOn' | 'hostLink' | 'hostTunnel' | 'hostLinkUnknown';

export interface LayoutBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * A Compose project's frame: around its own networks' columns and its containers. One box per band
 * the project's columns sit in (a band wraps to the next row of columns), so a frame never takes in
 * another column of the band; the label sits on the first.
 */
export interface LayoutFrame extends LayoutBox {
  /** a Compose project's, or one host's when several are drawn side by side (absent: a project's) */
  readonly kind?: 'project' | 'host';
  /** the project's subject key, `proj:<name>` */
  readonly id: string;
  /** the project name, drawn as text */
  readonly label: string;
  /** the boxes, the first one being the frame's own x, y, width, height */
  readonly boxes: readonly LayoutBox[];
  /** the drawn items inside it: its network heads, their rows, its containers */
  readonly members: readonly string[];
}

export interface LayoutEdge {
  readonly id: string;
  readonly role: EdgeRole;
  readonly source: string;
  readonly target: string;
  /** `orthogonal`: polyline through the points; `curve`: vertical cubic from first to last point */
  readonly shape: 'orthogonal' | 'curve';
  readonly points: readonly (readonly [number, number])[];
  readonly label: string | null;
  readonly labelX: number;
  readonly labelY: number;
  /** which end of the label sits at (labelX, labelY) */
  readonly labelAnchor: 'start' | 'end';
}

export interface LayoutMemory {
  readonly columns: readonly (string | null)[];
  readonly rows: Readonly<Record<string, readonly (string | null)[]>>;
  readonly hostBand: readonly (string | null)[];
  /** container id → the column it was drawn in (a container on several networks sits in one) */
  readonly homes: Readonly<Record<string, string>>;
  /** rows reserved per band of columns; a band only grows (by a step, with room to spare) */
  readonly bandRows?: readonly number[];
  /** columns per band, chosen once for the window's shape and kept until a fresh layout */
  readonly columnsPerBand?: number;
  /** width of each column position in a band; a position only widens */
  readonly slotWidths?: readonly number[];
  /** column key → where its containers start, right of the veth labels; only grows */
  readonly leafX?: Readonly<Record<string, number>>;
  /** column key → rows per stack before the column wraps into another stack beside it; kept once chosen */
  readonly stackRows?: Readonly<Record<string, number>>;
}

export interface TopologyLayout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  /** one per Compose project the view carries; drawn behind the nodes */
  readonly frames: readonly LayoutFrame[];
  readonly width: number;
  readonly height: number;
  /** node id → ids of the nodes and edges on its way to the host NIC (itself included) */
  readonly pathsToHost: Readonly<Record<string, readonly string[]>>;
  readonly memory: LayoutMemory;
}

export interface LayoutOptions {
  /** column keys (network head ids) drawn collapsed */
  readonly collapsed?: ReadonlySet<string>;
  readonly memory?: LayoutMemory | null;
  /** columns per band when the memory holds none (default 5) */
  readonly columnsPerBand?: number;
  /** host interfaces drawn in the host band whatever their kind: those the other hosts are reached by */
  readonly underlay?: ReadonlySet<string>;
}

export const emptyLayoutMemory: LayoutMemory = { columns: [], rows: {}, hostBand: [], homes: {} };
