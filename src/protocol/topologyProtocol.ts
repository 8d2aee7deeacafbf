/**
 * The one message protocol between the extension host and the topology webview. Both sides import
 * this file; nothing else crosses the boundary. Three shapes, each with a type guard:
 * - commands: webview → host, fire and forget (ready handshake, open the sidebar pane, start a trace,
 *   pick the engine to draw, select the hop of a place clicked on the trace's path);
 * - requests: webview → host with a reply matched by `requestId` (save an export);
 * - notifications: host → webview (full snapshot, focus, trace highlight, engine state, the engines
 *   to pick from).
 * The guards check every field the receiver reads: a message is data from another process.
 */
import { parseSubjectKey } from './subject';
import type { TopologyView } from './topologyView';

export const topologyViewType = 'netlens.topology';
/**
 * Bumped when a message changes shape. The webview says which one it speaks in `ready` and the host
 * sends nothing to another; each snapshot says it again and the webview draws none of another.
 * 2: snapshots carry a TopologyView (topologyView.ts), not the core Topology.
 * 3: the view carries the Compose projects (`projects`), drawn as frames with their depends_on edges.
 * 4: `tracePath` carries each hop's subject keys and the deciding hop (no more names to resolve);
 *    `selectTraceHop` answers a click on the path.
 * 5: a snapshot carries the other configured engines' views (`hosts`), the underlay links between
 *    the hosts and the overlays' VXLAN tunnels, drawn side by side, each host in its own frame.
 */
export const topologyProtocolVersion = 5;

// ---- webview → host commands -------------------------------------------------------------

/** Sent once the app has its listeners; the host answers with a snapshot (and a focus, if pending). */
export interface ReadyCommand {
  readonly type: 'ready';
  readonly protocolVersion: number;
}
/** Show this item in the sidebar's inspect pane. `itemId` is a topologyIds id. */
export interface OpenInspectCommand {
  readonly type: 'openInspect';
  readonly itemId: string;
}
/** Ask for a packet trace; `from`/`to` are topologyIds ids (a container, a host interface, a publish). */
export interface TraceCommand {
  readonly type: 'trace';
  readonly from: string;
  readonly to: string;
}
/** Ask for a fresh snapshot (the toolbar's refresh button). */
export interface RefreshCommand {
  readonly type: 'refresh';
}
/** Draw this engine (a key from the last `engines` notification) instead of the current one. */
export interface SelectEngineCommand {
  readonly type: 'selectEngine';
  readonly engineKey: string;
}
export type TopologyCommand = ReadyCommand | OpenInspectCommand | TraceCommand | RefreshCommand | SelectEngineCommand | SelectTraceHopCommand;

// ---- webview → host requests, host → webview replies -------------------------------------

export type ExportFormat = 'svg' | 'png';
/** Save the current view. `data` is the SVG text, or the PNG as base64 (no data: prefix). */
export interface SaveExportRequest {
  readonly type: 'request';
  readonly method: 'saveExport';
  readonly requestId: number;
  readonly format: ExportFormat;
  readonly data: string;
  readonly suggestedName: string;
}
export type TopologyRequest = SaveExportRequest;

export interface SaveExportResult {
  /** where the file went; null when the user cancelled the dialog */
  readonly path: string | null;
}
export interface TopologyReply {
  readonly type: 'reply';
  readonly requestId: number;
  readonly ok: boolean;
  readonly result?: SaveExportResult;
  /** set when ok is false */
  readonly error?: string;
}

// ---- host → webview notifications ---------------------------------------------------------

export interface SnapshotNotification {
  readonly type: 'snapshot';
  readonly protocolVersion: number;
  /** null when no snapshot exists yet (engine unreachable): the app says so instead of drawing */
  readonly view: TopologyView | null;
  /** why this snapshot came: `initial`, `event`, `manual`, … (shown in the status line) */
  readonly reason: string;
  /** several engines configured: every host to draw side by side and what joins them; null with one engine */
  readonly hosts: SeveralHosts | null;
}

/** One engine's host beside the others; `view` is null when its model was not read (`reason` says why). */
export interface HostSide {
  /** the connection's key (netlens.engines entry) */
  readonly key: string;
  readonly label: string;
  readonly view: TopologyView | null;
  readonly reason: string | null;
}
/**
 * The way one host's kernel sends to an underlay address of another (src/core/model/hostLinks.ts):
 * out of `fromInterface`, to `address` on `toInterface` of the other host.
 */
export interface HostLinkView {
  readonly from: string;
  readonly fromInterface: string;
  readonly to: string;
  readonly toInterface: string;
  readonly address: string;
  /** on the same link (no gateway) */
  readonly direct: boolean;
  readonly via: string | null;
  /** the route as `ip route` prints it */
  readonly route: string;
}
/**
 * An overlay network's VXLAN tunnel from one host to another (src/core/model/hostLinks.ts): the
 * sending kernel's vxlan0 puts the overlay's frames for the far host's endpoints into UDP to
 * `remote`, out of `fromInterface` (null when the sending host has no route to it).
 */
export interface HostTunnelView {
  readonly from: string;
  readonly fromInterface: string | null;
  readonly to: string;
  readonly networkId: string;
  readonly networkName: string;
  readonly vni: number | null;
  readonly port: number | null;
  readonly local: string | null;
  readonly remote: string;
}
/** Hosts that could not be joined, and why (a host whose facts were not read, a model not read). */
export interface HostLinkUnknown {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}
export interface SeveralHosts {
  /** the drawn engine's key: `view` above is its view */
  readonly self: string;
  /** every configured engine, in the configured order, the drawn one among them (its `view` null here: it is the snapshot's) */
  readonly sides: readonly HostSide[];
  readonly links: readonly HostLinkView[];
  /** the overlays' VXLAN tunnels between the hosts, one per network and direction */
  readonly tunnels: readonly HostTunnelView[];
  readonly unknown: readonly HostLinkUnknown[];
}
export interface FocusNotification {
  readonly type: 'focus';
  /** a topologyIds id, or a container/network id or name, or a host interface name */
  readonly target: string;
}
/** One hop of a trace as places on the drawing: its step (the trace view's numbering) and subject keys. */
export interface TracePathHop {
  readonly step: number;
  /** subject keys (src/protocol/subject.ts), the ids the graph draws its items under; the namespace's owner first */
  readonly keys: readonly string[];
}
/** The hop that decided the verdict, marked apart from the rest of the path. */
export interface TraceDecider {
  readonly step: number;
  readonly keys: readonly string[];
  /** what decided, in the trace's words (`filter DOCKER-USER rule 2: -A …`), drawn beside it as text */
  readonly text: string;
}
/**
 * The path of the trace shown in the trace view, to light on the graph; `hops: []` clears it.
 * The host resolves every hop to model subjects (src/core/trace/tracePlaces.ts); the webview only
 * turns subject keys into what it drew for them.
 */
export interface TracePathNotification {
  readonly type: 'tracePath';
  /** the trace view's id of this trace, sent back in `selectTraceHop`; null with no trace */
  readonly traceId: number | null;
  readonly hops: readonly TracePathHop[];
  readonly decider: TraceDecider | null;
  readonly verdict: 'delivered' | 'dropped' | 'uncertain' | null;
  readonly label: string;
}
/** Select this hop in the trace view: the user clicked an item on the shown trace's path. */
export interface SelectTraceHopCommand {
  readonly type: 'selectTraceHop';
  readonly traceId: number;
  readonly step: number;
}
export interface EngineStateNotification {
  readonly type: 'engineState';
  readonly state: 'connected' | 'reconnecting' | 'disconnected';
  /** true when the drawing is older than the engine's last known change */
  readonly stale: boolean;
  readonly message: string | null;
}
export interface EngineChoice {
  /** the connection's key (netlens.engines entry), what `selectEngine` sends back */
  readonly key: string;
  readonly label: string;
}
/** The engines the user configured and which one the panel draws; sent on `ready` and on change. */
export interface EnginesNotification {
  readonly type: 'engines';
  readonly engines: readonly EngineChoice[];
  /** the key of the engine drawn, null when none is configured */
  readonly selected: string | null;
}
export type TopologyNotification = SnapshotNotification | FocusNotification | TracePathNotification | EngineStateNotification | EnginesNotification;

/** Everything the host may post to the webview. */
export type HostToWebviewMessage = TopologyNotification | TopologyReply;
/** Everything the webview may post to the host. */
export type WebviewToHostMessage = TopologyCommand | TopologyRequest;

// ---- guards -------------------------------------------------------------------------------

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every(isString);
const isRequestId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function isReadyCommand(m: unknown): m is ReadyCommand {
  return isObject(m) && m.type === 'ready' && typeof m.protocolVersion === 'number';
}
export function isOpenInspectCommand(m: unknown): m is OpenInspectCommand {
  return isObject(m) && m.type === 'openInspect' && isString(m.itemId) && m.itemId.length > 0;
}
export function isTraceCommand(m: unknown): m is TraceCommand {
  return isObject(m) && m.type === 'trace' && isString(m.from) && isString(m.to) && m.from.length > 0 && m.to.length > 0;
}
export function isRefreshCommand(m: unknown): m is RefreshCommand {
  return isObject(m) && m.type === 'refresh';
}
export function isSelectEngineCommand(m: unknown): m is SelectEngineCommand {
  return isObject(m) && m.type === 'selectEngine' && isString(m.engineKey) && m.engineKey.length > 0;
}
const isStep = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export function isSelectTraceHopCommand(m: unknown): m is SelectTraceHopCommand {
  return isObject(m) && m.type === 'selectTraceHop' && isStep(m.traceId) && isStep(m.step);
}
export function isTopologyCommand(m: unknown): m is TopologyCommand {
  return isReadyCommand(m) || isOpenInspectCommand(m) || isTraceCommand(m) || isRefreshCommand(m) || isSelectEngineCommand(m) || isSelectTraceHopCommand(m);
}

export function isSaveExportRequest(m: unknown): m is SaveExportRequest {
  return (
    isObject(m) &&
    m.type === 'request' &&
    m.method === 'saveExport' &&
    isRequestId(m.requestId) &&
    (m.format === 'svg' || m.format === 'png') &&
    isString(m.data) &&
    isString(m.suggestedName)
  );
}
export function isTopologyRequest(m: unknown): m is TopologyRequest {
  return isSaveExportRequest(m);
}
export function isTopologyReply(m: unknown): m is TopologyReply {
  if (!isObject(m) || m.type !== 'reply' || !isRequestId(m.requestId) || typeof m.ok !== 'boolean') return false;
  if (m.error !== undefined && !isString(m.error)) return false;
  if (m.result !== undefined && !(isObject(m.result) && (m.result.path === null || isString(m.result.path)))) return false;
  return true;
}

/**
 * A snapshot is checked as far as the webview relies on its shape (schema 1, the arrays it walks);
 * the fields inside are the core's contract and are drawn as text only.
 */
export function isSnapshotNotification(m: unknown): m is SnapshotNotification {
  if (!isObject(m) || m.type !== 'snapshot' || typeof m.protocolVersion !== 'number' || !isString(m.reason)) return false;
  if (!(m.hosts === null || isSeveralHosts(m.hosts))) return false;
  return m.view === null || isViewShape(m.view);
}
function isSeveralHosts(h: unknown): h is SeveralHosts {
  return (
    isObject(h) &&
    isString(h.self) &&
    Array.isArray(h.sides) &&
    h.sides.every((s) => isObject(s) && isString(s.key) && s.key.length > 0 && isString(s.label) && (s.view === null || isViewShape(s.view)) && (s.reason === null || isString(s.reason))) &&
    h.sides.some((s) => (s as Fields).key === h.self) &&
    Array.isArray(h.links) &&
    h.links.every(
      (l) =>
        isObject(l) &&
        isString(l.from) &&
        isString(l.fromInterface) &&
        isString(l.to) &&
        isString(l.toInterface) &&
        isString(l.address) &&
        typeof l.direct === 'boolean' &&
        (l.via === null || isString(l.via)) &&
        isString(l.route),
    ) &&
    Array.isArray(h.tunnels) &&
    h.tunnels.every(
      (t) =>
        isObject(t) &&
        isString(t.from) &&
        (t.fromInterface === null || isString(t.fromInterface)) &&
        isString(t.to) &&
        isString(t.networkId) &&
        isString(t.networkName) &&
        (t.vni === null || typeof t.vni === 'number') &&
        (t.port === null || typeof t.port === 'number') &&
        (t.local === null || isString(t.local)) &&
        isString(t.remote),
    ) &&
    Array.isArray(h.unknown) &&
    h.unknown.every((u) => isObject(u) && isString(u.from) && isString(u.to) && isString(u.reason))
  );
}
function isViewShape(t: unknown): t is TopologyView {
  return (
    isObject(t) &&
    t.schema === 1 &&
    Array.isArray(t.networks) &&
    Array.isArray(t.containers) &&
    Array.isArray(t.publishes) &&
    Array.isArray(t.gaps) &&
    Array.isArray(t.projects) &&
    t.projects.every(isProjectShape) &&
    (t.host === null || (isObject(t.host) && isObject(t.host.firewall)))
  );
}
/** A project as far as the webview walks it: names are strings (drawn as text), ids in arrays. */
function isProjectShape(p: unknown): boolean {
  return (
    isObject(p) &&
    isString(p.name) &&
    Array.isArray(p.services) &&
    p.services.every((s) => isObject(s) && isString(s.name) && isStringArray(s.containerIds) && isObject(s.dependsOn) && (s.dependsOn.known !== true || isStringArray(s.dependsOn.value))) &&
    Array.isArray(p.networks) &&
    p.networks.every((n) => isObject(n) && isString(n.id) && isString(n.name) && typeof n.external === 'boolean' && isStringArray(n.containerIds))
  );
}
export function isFocusNotification(m: unknown): m is FocusNotification {
  return isObject(m) && m.type === 'focus' && isString(m.target) && m.target.length > 0;
}
/** Subject keys only: the webview looks them up among its drawn ids and shows nothing else of them. */
const isSubjectKeys = (v: unknown): v is readonly string[] => isStringArray(v) && v.every((k) => parseSubjectKey(k) !== null);
const isPathHop = (v: unknown): v is TracePathHop => isObject(v) && isStep(v.step) && isSubjectKeys(v.keys);
export function isTracePathNotification(m: unknown): m is TracePathNotification {
  return (
    isObject(m) &&
    m.type === 'tracePath' &&
    (m.traceId === null || isStep(m.traceId)) &&
    Array.isArray(m.hops) &&
    m.hops.every(isPathHop) &&
    (m.decider === null || (isObject(m.decider) && isStep(m.decider.step) && isSubjectKeys(m.decider.keys) && isString(m.decider.text))) &&
    (m.verdict === null || m.verdict === 'delivered' || m.verdict === 'dropped' || m.verdict === 'uncertain') &&
    isString(m.label)
  );
}
export function isEngineStateNotification(m: unknown): m is EngineStateNotification {
  return (
    isObject(m) &&
    m.type === 'engineState' &&
    (m.state === 'connected' || m.state === 'reconnecting' || m.state === 'disconnected') &&
    typeof m.stale === 'boolean' &&
    (m.message === null || isString(m.message))
  );
}
export function isEnginesNotification(m: unknown): m is EnginesNotification {
  return (
    isObject(m) &&
    m.type === 'engines' &&
    Array.isArray(m.engines) &&
    m.engines.every((e) => isObject(e) && isString(e.key) && e.key.length > 0 && isString(e.label)) &&
    (m.selected === null || (isString(m.selected) && m.engines.some((e) => (e as Fields).key === m.selected)))
  );
}
export function isTopologyNotification(m: unknown): m is TopologyNotification {
  return isSnapshotNotification(m) || isFocusNotification(m) || isTracePathNotification(m) || isEngineStateNotification(m) || isEnginesNotification(m);
}
