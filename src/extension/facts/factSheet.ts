/**
 * What is known about one thing (a network, a container, an interface …), organised for reading.
 * Tree tooltips render the first sections as markdown, the inspect pane renders all of it as HTML:
 * both read the same sheet, so the two never disagree. Values are plain text, escaped by whichever
 * renderer shows them.
 */

/** A tree item a row can jump to. */
export interface NodeLink {
  readonly view: 'networks' | 'host' | 'containers';
  readonly id: string;
}

export interface FactRow {
  readonly label: string;
  readonly value: string;
  readonly link?: NodeLink;
}

export interface FactSection {
  readonly heading: string;
  readonly rows: readonly FactRow[];
  /** e.g. why a fact is missing */
  readonly note?: string;
}

export interface FactSheet {
  /** what kind of thing this is, e.g. `Network`, `Container` */
  readonly kind: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly sections: readonly FactSection[];
  /** what `session.inspectRaw` can fetch for the "raw JSON" link */
  readonly raw?: { readonly kind: 'container' | 'network' | 'volume'; readonly id: string };
  /** the id the topology webview knows this thing by */
  readonly topologyId?: string;
}

export function row(label: string, value: string | number | boolean | null | undefined, link?: NodeLink): FactRow[] {
  if (value === null || value === undefined || value === '') return [];
  return [{ label, value: String(value), ...(link ? { link } : {}) }];
}
