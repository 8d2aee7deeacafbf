/**
 * The inspect pane's protocol, shared by the extension (src/extension/inspect) and the pane's app
 * (webview/inspectMain.ts). The page is built once; the host sends the sheet to show after the app's
 * `ready` and again on every model change, and the app updates the sections that changed in place,
 * so scroll position and the find widget survive engine events. As in the topology's protocol
 * (topologyProtocol.ts), each message has a guard that checks every field its receiver reads.
 */
import type { FactValue } from '../protocol/facts/sheet';

export const inspectViewType = 'netlens.inspect';
/** Bumped when a message changes shape; both sides send it and refuse another. */
export const inspectProtocolVersion = 1;

export type InspectViewName = 'networks' | 'host' | 'containers';

/** A tree item the pane links to. */
export interface InspectLink {
  readonly view: InspectViewName;
  readonly id: string;
}

export interface InspectRow {
  readonly label: string;
  readonly value: FactValue;
  readonly link?: InspectLink;
}

export interface InspectSection {
  readonly heading: string;
  readonly rows: readonly InspectRow[];
}

/** One sheet as the pane shows it: the presentation sheet with its links resolved to tree items. */
export interface InspectSheetView {
  readonly kind: string;
  readonly title: string;
  readonly subtitle: string | null;
  /** e.g. that the model is stale */
  readonly banner: string | null;
  readonly sections: readonly InspectSection[];
  readonly canOpenRaw: boolean;
  readonly canOpenTopology: boolean;
  /** the tree item shown, saved with setState so the pane comes back after a window reload */
  readonly item: InspectLink | null;
}

// ---- pane → host commands ----

export interface InspectReadyCommand {
  readonly type: 'ready';
  readonly protocolVersion: number;
}
export interface InspectRevealCommand {
  readonly type: 'reveal';
  readonly view: InspectViewName;
  readonly id: string;
}
export interface InspectOpenRawCommand {
  readonly type: 'openRaw';
}
export interface InspectOpenTopologyCommand {
  readonly type: 'openTopology';
}
export type InspectCommand = InspectReadyCommand | InspectRevealCommand | InspectOpenRawCommand | InspectOpenTopologyCommand;

// ---- host → pane notifications ----

export interface InspectSheetNotification {
  readonly type: 'sheet';
  readonly protocolVersion: number;
  readonly sheet: InspectSheetView;
}

// ---- guards ----

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const VIEWS: readonly string[] = ['networks', 'host', 'containers'];
const isView = (v: unknown): v is InspectViewName => isString(v) && VIEWS.includes(v);
/** tree ids are short; a huge one is not ours */
const isId = (v: unknown): v is string => isString(v) && v.length > 0 && v.length < 2000;

export const isInspectLink = (v: unknown): v is InspectLink => isObject(v) && isView(v.view) && isId(v.id);

export function isInspectCommand(m: unknown): m is InspectCommand {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready':
      return typeof m.protocolVersion === 'number';
    case 'reveal':
      return isView(m.view) && isId(m.id);
    case 'openRaw':
    case 'openTopology':
      return true;
    default:
      return false;
  }
}

function isFactValue(v: unknown, depth = 0): v is FactValue {
  if (!isObject(v) || depth > 3) return false;
  switch (v.kind) {
    case 'text':
    case 'address':
    case 'code':
      return isString(v.text);
    case 'unknown':
      return isString(v.why);
    case 'list':
      return Array.isArray(v.items) && v.items.every((i) => isFactValue(i, depth + 1));
    default:
      return false;
  }
}

const isRow = (v: unknown): v is InspectRow => isObject(v) && isString(v.label) && isFactValue(v.value) && (v.link === undefined || isInspectLink(v.link));
const isSection = (v: unknown): v is InspectSection => isObject(v) && isString(v.heading) && Array.isArray(v.rows) && v.rows.every(isRow);

export function isInspectSheetNotification(m: unknown): m is InspectSheetNotification {
  if (!isObject(m) || m.type !== 'sheet' || typeof m.protocolVersion !== 'number' || !isObject(m.sheet)) return false;
  const s = m.sheet;
  return (
    isString(s.kind) &&
    isString(s.title) &&
    (s.subtitle === null || isString(s.subtitle)) &&
    (s.banner === null || isString(s.banner)) &&
    Array.isArray(s.sections) &&
    s.sections.every(isSection) &&
    typeof s.canOpenRaw === 'boolean' &&
    typeof s.canOpenTopology === 'boolean' &&
    (s.item === null || isInspectLink(s.item))
  );
}
