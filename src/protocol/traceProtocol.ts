/**
 * The trace view's protocol, shared by the extension (src/extension/trace/tracePanel.ts) and the
 * view's app (webview/traceMain.ts). The host prepares everything the view shows (hops with the
 * packet's rewrites, the rules, what would change the verdict) as plain strings; the app puts them
 * into the DOM as text. The app sends back only what the user asked for, by index or id: the host
 * copies its own strings to the clipboard, re-runs its own requests. Each message has a guard that
 * checks every field its receiver reads, as in inspectProtocol.ts.
 */

export const traceViewType = 'netlens.trace';
/**
 * Bumped when a message changes shape; both sides send it and refuse another.
 * 2: the shown trace says which hop decided (`deciderStep`); `selectHop` (a click on the topology).
 */
export const traceProtocolVersion = 2;

export type TraceVerdictView = 'delivered' | 'dropped' | 'uncertain';

export interface TraceRuleView {
  readonly table: string;
  readonly chain: string;
  readonly index: number;
  readonly raw: string;
}

export interface TraceMatchView {
  readonly rule: TraceRuleView;
  readonly outcome: 'yes' | 'no' | 'unknown';
  readonly why: string;
}

export interface TraceHopView {
  readonly step: number;
  readonly namespace: string;
  readonly interface: string | null;
  readonly kind: string;
  readonly what: string;
  /** `src:port → dst:port` as the packet is at this hop */
  readonly packet: string;
  /** how the packet changed since the hop before, e.g. `dst 10.0.0.1:8080 → 172.18.0.2:80` */
  readonly rewrites: readonly string[];
  /** the rule that decided this step */
  readonly rule: TraceRuleView | null;
  readonly matched: readonly TraceMatchView[];
  readonly route: string | null;
  readonly sysctl: string | null;
  /** the walk could only go on here by taking a missing fact as assumed */
  readonly uncertain: boolean;
}

export interface TraceCheckView {
  /** `Kernel check (ip route get, read-only)` or `Probe (sent for real)` */
  readonly title: string;
  readonly agrees: boolean | null;
  readonly observed: string;
  readonly lines: readonly string[];
}

export interface TraceSuggestionView {
  readonly says: string;
  /** a command to copy; netlens never runs it */
  readonly command: string | null;
}

export interface TraceMissingView {
  readonly fact: string;
  readonly why: string;
  readonly assumed: string;
}

/** Whether the shown trace still answers for the model the engine has now. */
export interface TraceStatusView {
  readonly kind: 'current' | 'updated' | 'stale';
  readonly text: string;
}

export interface TraceShownView {
  readonly id: number;
  /** `nlt-a2 → nlt-a1:80 (tcp)` */
  readonly title: string;
  readonly engine: string;
  readonly tracedAt: string;
  readonly verdict: TraceVerdictView;
  readonly decidedBy: string;
  /** the step of the hop that decided (src/core/trace/tracePlaces.ts decidingHop), marked on the graph too */
  readonly deciderStep: number | null;
  /** the `netlens trace …` line that asks the same */
  readonly cli: string;
  readonly hops: readonly TraceHopView[];
  readonly reply: readonly TraceHopView[];
  readonly missing: readonly TraceMissingView[];
  readonly assumptions: readonly string[];
  readonly kernel: TraceCheckView | null;
  readonly probe: TraceCheckView | null;
  readonly changes: readonly TraceSuggestionView[];
  readonly status: TraceStatusView;
}

/** One of the last traces kept, re-runnable. */
export interface TraceHistoryEntry {
  readonly id: number;
  readonly title: string;
  readonly engine: string;
  readonly verdict: TraceVerdictView;
  readonly status: TraceStatusView['kind'];
}

// ---- view → host commands ----

export type TraceCopyFormat = 'cli' | 'json' | 'markdown';

export type TraceCommand =
  | { readonly type: 'ready'; readonly protocolVersion: number }
  | { readonly type: 'copy'; readonly format: TraceCopyFormat }
  /** the command of the shown trace's suggestion at `index` */
  | { readonly type: 'copySuggestion'; readonly index: number }
  | { readonly type: 'rerun'; readonly id: number }
  | { readonly type: 'show'; readonly id: number }
  | { readonly type: 'probe' }
  | { readonly type: 'openText' }
  /** the hop with this step was selected: the topology focuses where it happened */
  | { readonly type: 'focusHop'; readonly step: number };

// ---- host → view notifications ----

/**
 * What the view keeps across a window reload (the app hands it to VS Code's state, the host's
 * serializer gets it back): enough to ask the same trace again on the engine's current model.
 */
export interface TraceRestoreState {
  readonly engineKey: string;
  readonly engineLabel: string;
  readonly request: {
    readonly from: string;
    readonly to: string;
    readonly proto: 'tcp' | 'udp' | 'icmp';
    readonly port?: number;
    readonly family?: 'ipv4' | 'ipv6';
  };
}

export interface TraceNotification {
  readonly type: 'trace';
  readonly protocolVersion: number;
  /** null: no trace yet */
  readonly trace: TraceShownView | null;
  /** the request to keep for a reload: the shown trace's, or the one a restored view waits to ask again */
  readonly restore: TraceRestoreState | null;
  /** said while there is no trace (a restored view waiting for its engine) */
  readonly notice: string | null;
  /** newest first */
  readonly history: readonly TraceHistoryEntry[];
}

/** Select the hop with this step of the shown trace (its place was clicked on the topology). */
export interface SelectHopNotification {
  readonly type: 'selectHop';
  /** the shown trace's id: a click on an older trace's path selects nothing */
  readonly traceId: number;
  readonly step: number;
}

export type TraceHostMessage = TraceNotification | SelectHopNotification;

// ---- guards ----

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): v is string | null => v === null || isString(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isVerdict = (v: unknown): v is TraceVerdictView => v === 'delivered' || v === 'dropped' || v === 'uncertain';
const isAgrees = (v: unknown): v is boolean | null => v === null || typeof v === 'boolean';
const FORMATS: readonly unknown[] = ['cli', 'json', 'markdown'];

export function isTraceCommand(m: unknown): m is TraceCommand {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready':
      return typeof m.protocolVersion === 'number';
    case 'copy':
      return FORMATS.includes(m.format);
    case 'copySuggestion':
      return isCount(m.index);
    case 'rerun':
    case 'show':
      return isCount(m.id);
    case 'focusHop':
      return isCount(m.step);
    case 'probe':
    case 'openText':
      return true;
    default:
      return false;
  }
}

const isRule = (v: unknown): v is TraceRuleView => isObject(v) && isString(v.table) && isString(v.chain) && isCount(v.index) && isString(v.raw);
const isMatch = (v: unknown): v is TraceMatchView => isObject(v) && isRule(v.rule) && (v.outcome === 'yes' || v.outcome === 'no' || v.outcome === 'unknown') && isString(v.why);
const isHop = (v: unknown): v is TraceHopView =>
  isObject(v) &&
  isCount(v.step) &&
  isString(v.namespace) &&
  isStringOrNull(v.interface) &&
  isString(v.kind) &&
  isString(v.what) &&
  isString(v.packet) &&
  isStrings(v.rewrites) &&
  (v.rule === null || isRule(v.rule)) &&
  Array.isArray(v.matched) &&
  v.matched.every(isMatch) &&
  isStringOrNull(v.route) &&
  isStringOrNull(v.sysctl) &&
  typeof v.uncertain === 'boolean';
const isCheck = (v: unknown): v is TraceCheckView => isObject(v) && isString(v.title) && isAgrees(v.agrees) && isString(v.observed) && isStrings(v.lines);
const isSuggestion = (v: unknown): v is TraceSuggestionView => isObject(v) && isString(v.says) && isStringOrNull(v.command);
const isMissing = (v: unknown): v is TraceMissingView => isObject(v) && isString(v.fact) && isString(v.why) && isString(v.assumed);
const STATUS: readonly unknown[] = ['current', 'updated', 'stale'];
const isStatus = (v: unknown): v is TraceStatusView => isObject(v) && STATUS.includes(v.kind) && isString(v.text);
const isEntry = (v: unknown): v is TraceHistoryEntry => isObject(v) && isCount(v.id) && isString(v.title) && isString(v.engine) && isVerdict(v.verdict) && STATUS.includes(v.status);

export function isTraceShownView(v: unknown): v is TraceShownView {
  return (
    isObject(v) &&
    isCount(v.id) &&
    isString(v.title) &&
    isString(v.engine) &&
    isString(v.tracedAt) &&
    isVerdict(v.verdict) &&
    isString(v.decidedBy) &&
    (v.deciderStep === null || isCount(v.deciderStep)) &&
    isString(v.cli) &&
    Array.isArray(v.hops) &&
    v.hops.every(isHop) &&
    Array.isArray(v.reply) &&
    v.reply.every(isHop) &&
    Array.isArray(v.missing) &&
    v.missing.every(isMissing) &&
    isStrings(v.assumptions) &&
    (v.kernel === null || isCheck(v.kernel)) &&
    (v.probe === null || isCheck(v.probe)) &&
    Array.isArray(v.changes) &&
    v.changes.every(isSuggestion) &&
    isStatus(v.status)
  );
}

export function isTraceNotification(m: unknown): m is TraceNotification {
  return (
    isObject(m) &&
    m.type === 'trace' &&
    typeof m.protocolVersion === 'number' &&
    (m.trace === null || isTraceShownView(m.trace)) &&
    (m.restore === null || isTraceRestoreState(m.restore)) &&
    isStringOrNull(m.notice) &&
    Array.isArray(m.history) &&
    m.history.every(isEntry)
  );
}

/** Checked like a message: VS Code hands back what the page stored, and the host re-runs it. */
export function isTraceRestoreState(v: unknown): v is TraceRestoreState {
  if (!isObject(v) || !isString(v.engineKey) || v.engineKey.length === 0 || !isString(v.engineLabel) || !isObject(v.request)) return false;
  const r = v.request;
  return (
    isString(r.from) &&
    r.from.length > 0 &&
    isString(r.to) &&
    r.to.length > 0 &&
    (r.proto === 'tcp' || r.proto === 'udp' || r.proto === 'icmp') &&
    (r.port === undefined || (typeof r.port === 'number' && Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535)) &&
    (r.family === undefined || r.family === 'ipv4' || r.family === 'ipv6')
  );
}

export function isSelectHopNotification(m: unknown): m is SelectHopNotification {
  return isObject(m) && m.type === 'selectHop' && isCount(m.traceId) && isCount(m.step);
}
