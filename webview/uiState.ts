/**
 * What the webview keeps across a hide/reload through `setState`: only UI state (zoom, selection,
 * collapsed columns, the search, the layout's slot memory). Data always comes fresh from the host.
 */
import type { LayoutMemory } from './layout';

export interface ViewTransform {
  readonly k: number;
  readonly x: number;
  readonly y: number;
}

export interface TopologyUiState {
  readonly version: 1;
  readonly transform: ViewTransform | null;
  readonly selected: string | null;
  readonly collapsed: readonly string[];
  readonly query: string;
  readonly hideUnmatched: boolean;
  readonly memory: LayoutMemory | null;
}

export const initialUiState: TopologyUiState = { version: 1, transform: null, selected: null, collapsed: [], query: '', hideUnmatched: false, memory: null };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSlots = (v: unknown): v is (string | null)[] => Array.isArray(v) && v.every((x) => x === null || typeof x === 'string');

function readMemory(v: unknown): LayoutMemory | null {
  if (!isObj(v) || !isSlots(v.columns) || !isSlots(v.hostBand) || !isObj(v.rows) || !isObj(v.homes)) return null;
  const rows: Record<string, (string | null)[]> = {};
  for (const [k, r] of Object.entries(v.rows)) if (isSlots(r)) rows[k] = r;
  const homes: Record<string, string> = {};
  for (const [k, h] of Object.entries(v.homes)) if (typeof h === 'string') homes[k] = h;
  const bandRows = Array.isArray(v.bandRows) ? v.bandRows.filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0) : [];
  const columnsPerBand = typeof v.columnsPerBand === 'number' && Number.isInteger(v.columnsPerBand) && v.columnsPerBand > 0 ? v.columnsPerBand : undefined;
  const slotWidths = Array.isArray(v.slotWidths) ? v.slotWidths.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0) : [];
  const leafX: Record<string, number> = {};
  if (isObj(v.leafX)) for (const [k, x] of Object.entries(v.leafX)) if (typeof x === 'number' && Number.isFinite(x) && x >= 0) leafX[k] = x;
  const stackRows: Record<string, number> = {};
  if (isObj(v.stackRows)) for (const [k, n] of Object.entries(v.stackRows)) if (typeof n === 'number' && Number.isInteger(n) && n > 0) stackRows[k] = n;
  return { columns: v.columns, hostBand: v.hostBand, rows, homes, bandRows, ...(columnsPerBand ? { columnsPerBand } : {}), slotWidths, leafX, stackRows };
}

/** Whatever `getState()` returned (maybe from an older version, maybe nothing) as a valid state. */
export function readUiState(raw: unknown): TopologyUiState {
  if (!isObj(raw) || raw.version !== 1) return initialUiState;
  const t = raw.transform;
  const transform = isObj(t) && [t.k, t.x, t.y].every((n) => typeof n === 'number' && Number.isFinite(n)) ? { k: t.k as number, x: t.x as number, y: t.y as number } : null;
  return {
    version: 1,
    transform,
    selected: typeof raw.selected === 'string' ? raw.selected : null,
    collapsed: Array.isArray(raw.collapsed) ? raw.collapsed.filter((c): c is string => typeof c === 'string') : [],
    query: typeof raw.query === 'string' ? raw.query : '',
    hideUnmatched: raw.hideUnmatched === true,
    memory: readMemory(raw.memory),
  };
}
