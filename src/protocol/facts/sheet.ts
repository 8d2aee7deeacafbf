/**
 * The one presentation of model facts: a sheet of sections of label/value rows, built from the
 * Topology and free of `vscode` and the DOM. The CLI tree, the extension's tooltips and inspect pane
 * and the topology's drill-down pane all render these; none formats a fact on its own. Values are
 * typed so each renderer can style them (monospace for addresses and rule text) and so "unknown"
 * is never an empty cell. Every string is plain text: renderers escape or set it as text.
 */
import type { Subject } from '../subject';

export type FactValue =
  | { readonly kind: 'text'; readonly text: string }
  /** an IP, a CIDR, a MAC, an interface name: shown monospace */
  | { readonly kind: 'address'; readonly text: string }
  /** quoted raw text: a firewall rule, a command line */
  | { readonly kind: 'code'; readonly text: string }
  /** a fact the model could not establish, with the reason */
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'list'; readonly items: readonly FactValue[] };

export interface FactRow {
  readonly label: string;
  readonly value: FactValue;
  /** the thing this row names, for renderers that can link to it */
  readonly ref?: Subject;
}

export interface FactSection {
  readonly heading: string;
  readonly rows: readonly FactRow[];
}

export interface FactSheet {
  /** what the sheet is about; null for sheets of no one thing (a placeholder, a mark) */
  readonly subject: Subject | null;
  /** what kind of thing this is, e.g. `Network`, `Container` */
  readonly kind: string;
  readonly title: string;
  readonly subtitle?: string;
  /** short flags worth seeing at a glance: state, driver, `internal`, `ICC off` */
  readonly badges: readonly string[];
  readonly sections: readonly FactSection[];
}

export const text = (t: string): FactValue => ({ kind: 'text', text: t });
export const address = (t: string): FactValue => ({ kind: 'address', text: t });
export const code = (t: string): FactValue => ({ kind: 'code', text: t });
export const unknownValue = (why: string): FactValue => ({ kind: 'unknown', why });
export const list = (items: readonly FactValue[]): FactValue => ({ kind: 'list', items });
export const addresses = (items: readonly string[]): FactValue => list(items.map(address));

/** The value as one line of plain text; every renderer that has no richer form uses this. */
export function valueText(v: FactValue): string {
  switch (v.kind) {
    case 'text':
    case 'address':
    case 'code':
      return v.text;
    case 'unknown':
      return `unknown (${v.why})`;
    case 'list':
      return v.items.map(valueText).join(', ');
  }
}

/**
 * A row, or none when the value is absent: absent is "does not apply" (no parent on a bridge
 * network). A fact that applies but is not known is passed as an `unknown` value, never as null.
 */
export function row(label: string, value: FactValue | string | number | null | undefined, ref?: Subject): FactRow[] {
  if (value === null || value === undefined || value === '') return [];
  const v = typeof value === 'object' ? value : text(String(value));
  if (v.kind === 'list' && v.items.length === 0) return [];
  return [{ label, value: v, ...(ref ? { ref } : {}) }];
}

/** An address row: monospace, skipped when absent. */
export function addressRow(label: string, value: string | null | undefined, ref?: Subject): FactRow[] {
  return value ? row(label, address(value), ref) : [];
}

export function section(heading: string, rows: readonly FactRow[]): FactSection {
  return { heading, rows };
}
