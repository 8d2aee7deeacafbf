/**
 * Trace packet (palette), Trace from here / to here (tree menus): quick picks filled from the
 * model, then the trace engine walks the model and the result opens in the trace view
 * (src/extension/trace/tracePanel.ts), which can also open it as a read-only document.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Topology } from '../../core/model/types';
import { destinationHasPort, traceDestinations, traceSources, type TraceCandidate } from '../trace/traceCandidates';
import type { EngineConnection } from '../engines/engineConnection';
import { probePlan } from '../../core/trace/probe';
import type { TraceRequest, TraceResult } from '../../core/trace/types';
import { TracePanel, type KeptTrace } from '../trace/tracePanel';
import { targetNode, type CommandDeps, type TraceEngine } from './commandDeps';

const TRACE_SCHEME = 'netlens-trace';

/**
 * Trace results as virtual documents, so reopening a tab still works — but not forever: at most
 * MAX_TRACES are kept (the oldest that is not open goes first), a closed one is forgotten, and one
 * that names a container that no longer exists is dropped unless it is open.
 */
export class TraceDocuments implements vscode.TextDocumentContentProvider {
  static readonly MAX_TRACES = 50;
  /** insertion order is age */
  private readonly docs = new Map<string, { readonly text: string; readonly containers: readonly string[] }>();
  private n = 0;

  constructor(private readonly isOpen: (uri: string) => boolean = () => false) {}

  /** `containers`: ids of the containers the trace starts or ends at */
  add(title: string, text: string, containers: readonly string[] = []): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${++this.n}/${title.replace(/[^A-Za-z0-9_.:-]+/g, '_')}.txt` });
    this.docs.set(uri.toString(), { text, containers });
    for (const key of this.docs.keys()) {
      if (this.docs.size <= TraceDocuments.MAX_TRACES) break;
      if (key !== uri.toString() && !this.isOpen(key)) this.docs.delete(key);
    }
    return uri;
  }

  forget(uri: string): void {
    this.docs.delete(uri);
  }

  /** Drops the traces of containers that are gone (`live`: every container id the engines show now). */
  prune(live: ReadonlySet<string>): void {
    for (const [key, doc] of this.docs) {
      if (doc.containers.some((id) => !live.has(id)) && !this.isOpen(key)) this.docs.delete(key);
    }
  }

  get size(): number {
    return this.docs.size;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString())?.text ?? 'netlens: this trace is no longer kept';
  }
}

/** Ids of the containers a trace end names (`name`, `name:port`, an id or its prefix). */
export function traceContainers(topology: Topology, ends: readonly string[]): string[] {
  const bases = ends.map((e) => e.replace(/:\d+$/, ''));
  return topology.containers.filter((c) => bases.some((b) => b === c.name || (b.length >= 12 && c.id.startsWith(b)))).map((c) => c.id);
}

/**
 * The trace's questions are one wizard: a pane that takes the focus while it redraws (the inspect
 * pane, the topology, both webviews) must not close it halfway, as it did under the e2e suite.
 */
const WIZARD = { ignoreFocusOut: true } as const;

async function pick(candidates: TraceCandidate[], placeHolder: string): Promise<TraceCandidate | undefined> {
  const items = candidates.map((c) => ({ label: c.label, description: c.description, c }));
  const typed = '$(edit) Type a value…';
  const picked = await vscode.window.showQuickPick([...items, { label: typed, description: 'container, host, netns:NAME, IP[:port]', c: undefined }], { ...WIZARD, placeHolder, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.c) return picked.c;
  const value = await vscode.window.showInputBox({ ...WIZARD, prompt: placeHolder, validateInput: (v) => (/^[A-Za-z0-9_.:\-[\]]{1,128}$/.test(v.trim()) ? undefined : 'a container name, host, netns:NAME or an IP, optionally :port') });
  return value ? { value: value.trim(), label: value.trim(), description: '' } : undefined;
}

async function chooseConnection(deps: CommandDeps, engineKey?: string): Promise<EngineConnection | undefined> {
  const withModel = deps.ctx.connections.filter((c) => c.topology);
  if (engineKey) return withModel.find((c) => c.key === engineKey);
  if (withModel.length <= 1) return withModel[0];
  const picked = await vscode.window.showQuickPick(withModel.map((c) => ({ label: c.label, c })), { ...WIZARD, placeHolder: 'Trace on which engine?' });
  return picked?.c;
}

async function runTrace(deps: CommandDeps, engine: TraceEngine, view: TracePanel, opts: Preset): Promise<void> {
  const conn = await chooseConnection(deps, opts.engineKey);
  const topology: Topology | undefined = conn?.topology;
  if (!conn || !topology) {
    void vscode.window.showErrorMessage('netlens: no model to trace on yet — is the engine reachable?');
    return;
  }
  const from = opts.from ?? (await pick(traceSources(topology), 'Trace a packet from…'))?.value;
  if (!from) return;
  const toCandidate = opts.to ? traceDestinations(topology).find((c) => c.value === opts.to) ?? { value: opts.to, label: opts.to, description: '' } : await pick(traceDestinations(topology), `Trace a packet from ${from} to…`);
  if (!toCandidate) return;
  const to = toCandidate.value;
  const proto = opts.proto ?? ((await vscode.window.showQuickPick(['tcp', 'udp', 'icmp'], { ...WIZARD, placeHolder: 'Protocol' })) as 'tcp' | 'udp' | 'icmp' | undefined);
  if (!proto) return;
  let port = opts.port;
  if (port === undefined && proto !== 'icmp' && !destinationHasPort(to)) {
    const text = await vscode.window.showInputBox({
      ...WIZARD,
      prompt: `Destination port on ${to}`,
      value: toCandidate.port ? String(toCandidate.port) : '80',
      validateInput: (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'a port 1-65535'),
    });
    if (!text) return;
    port = Number(text);
  }
  await executeTrace(deps, engine, view, conn, { from, to, proto, ...(port !== undefined ? { port } : {}) });
}

/** Traces a request on the connection's current model (reading the listeners it needs), asks the kernel, and shows it in the trace view. */
async function executeTrace(deps: CommandDeps, engine: TraceEngine, view: TracePanel, conn: EngineConnection, request: TraceRequest): Promise<void> {
  const topology = conn.topology;
  if (!topology) {
    void vscode.window.showErrorMessage(`netlens: no model of ${conn.label} to trace on — is the engine reachable?`);
    return;
  }
  try {
    await traceOn(deps, engine, view, conn, topology, request);
  } catch (e) {
    void vscode.window.showErrorMessage(`netlens: trace failed: ${errorMessage(e)}`);
  }
}

/** The trace on a model, asked of the kernel too, kept and shown; throws what went wrong. */
async function traceOn(deps: CommandDeps, engine: TraceEngine, view: TracePanel, conn: EngineConnection, topology: Topology, request: TraceRequest, reveal = true): Promise<void> {
  const { topology: traced, result: walked } = await walkTrace(engine, conn, topology, request);
  // The kernel's own routing at each step (ip route get, read-only, one round trip): the trace
  // view says whether it agrees, or why it could not be asked.
  const kernel = await conn
    .session()
    .verifyTrace(traced, walked)
    .catch((e: unknown) => ({ agrees: null, observed: `the kernel could not be asked: ${errorMessage(e)}`, checks: [], skipped: [] }));
  const result = { ...walked, kernel };
  deps.ctx.log.info(`trace ${request.from} → ${request.to} ${request.proto}${request.port ? `/${request.port}` : ''}`);
  view.add({ conn, topology: traced, result, containers: traceContainers(topology, [request.from, request.to]) }, reveal);
}

/** The trace walk alone (no kernel, no traffic); reads the listening sockets it needs when the engine can. */
async function walkTrace(engine: TraceEngine, conn: EngineConnection, topology: Topology, request: TraceRequest): Promise<{ topology: Topology; result: TraceResult }> {
  if (!engine.traceReadingListeners) return { topology, result: engine.tracePacket(topology, request) };
  const read = await engine.traceReadingListeners(topology, request, (t, asked) => conn.session().readListeners(t, asked), (t, ids) => conn.session().readContainerNat(t, ids));
  if (read.topology !== topology) conn.adopt(topology, read.topology);
  return read;
}

/** A trace as a read-only text document (the view's "Open as text"). */
async function openTraceText(engine: TraceEngine, docs: TraceDocuments, t: KeptTrace): Promise<void> {
  const r = t.result.request;
  const title = `trace ${r.from} to ${r.to}${t.result.probe ? ' (probed)' : ''}`;
  const heading = `netlens trace: ${r.from} → ${r.to} (${r.proto}${r.port ? ` port ${r.port}` : ''}) on ${t.conn.label}${t.result.probe ? ', probed' : ''}`;
  const uri = docs.add(title, `${heading}\n\n${engine.formatTrace(t.result)}\n`, t.containers);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

interface Preset {
  engineKey?: string;
  from?: string;
  to?: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
}

/** `{ from?, to?, proto?, port? }` from a caller (the topology graph, a test): what is given is not asked. */
function presetEnds(arg: unknown): Preset {
  if (typeof arg !== 'object' || arg === null) return {};
  const { from, to, proto, port } = arg as Record<string, unknown>;
  return {
    ...(typeof from === 'string' && from ? { from } : {}),
    ...(typeof to === 'string' && to ? { to } : {}),
    ...(proto === 'tcp' || proto === 'udp' || proto === 'icmp' ? { proto } : {}),
    ...(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? { port } : {}),
  };
}

/**
 * One real attempt along a trace (session.probeTrace), after the user has seen the exact command
 * and confirmed: netlens sends traffic only when asked. The answer shows in the trace view.
 */
async function probeTrace(deps: CommandDeps, view: TracePanel, last: KeptTrace | undefined): Promise<void> {
  if (!last) {
    void vscode.window.showInformationMessage('netlens: trace a packet first ("netlens: Trace packet"); the probe follows the trace shown.');
    return;
  }
  const title = `trace ${last.result.request.from} to ${last.result.request.to}`;
  const plan = probePlan(last.topology, last.result);
  if (typeof plan === 'string') {
    void vscode.window.showInformationMessage(`netlens: this trace cannot be probed: ${plan}`);
    return;
  }
  const send = 'Send the probe';
  const detail = `On the host of ${last.conn.label}, netlens will run\n\n${plan.command}\n\nand read the rule counters just before and after (${plan.family === 'ipv6' ? 'ip6tables-save' : 'iptables-save'} -c). It changes no rule and resets no counter, but the traffic is real: the destination sees it.`;
  const answer = await vscode.window.showWarningMessage(`Send real ${plan.proto.toUpperCase()} traffic along ${title}?`, { modal: true, detail }, send);
  if (answer !== send) return;
  try {
    const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `netlens: probing ${title}` }, () => last.conn.session().probeTrace(last.topology, last.result));
    deps.ctx.log.info(`probe ${title}: ${probe.observed}`);
    view.update(last, { ...last.result, probe });
  } catch (e) {
    void vscode.window.showErrorMessage(`netlens: probe failed: ${errorMessage(e)}`);
  }
}

export function registerTraceCommands(deps: CommandDeps): { disposables: vscode.Disposable[]; view: TracePanel } {
  const docs = new TraceDocuments((uri) => vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri));
  const engine = deps.trace;
  const unavailable = (): void => void vscode.window.showInformationMessage('netlens: the packet trace is not in this build yet');
  const view: TracePanel = new TracePanel(deps.extensionUri, {
    rerun: (t): Promise<void> => (engine ? executeTrace(deps, engine, view, t.conn, t.result.request) : Promise.resolve(unavailable())),
    probe: (t) => probeTrace(deps, view, t),
    openText: (t) => (engine ? openTraceText(engine, docs, t) : Promise.resolve()),
    focus: (target) => deps.topology?.()?.focus(target),
    showPath: (path, reveal) => deps.topology?.()?.showTrace?.(path, reveal),
    restore: async (state) => {
      if (!engine) return 'this build has the trace engine';
      const conn = deps.ctx.connection(state.engineKey);
      if (!conn) return `the engine ${state.engineLabel} is configured again (netlens.engines)`;
      if (!conn.topology) return `${conn.label} has a model (the engine is ${conn.status.kind === 'error' ? `unreachable: ${conn.status.error}` : conn.status.kind})`;
      deps.ctx.log.info(`trace view restored: tracing ${state.request.from} → ${state.request.to} again on ${conn.label}`);
      // a failure is said in the view (and tried again on the next model change)
      await traceOn(deps, engine, view, conn, conn.topology, state.request, false);
      return null;
    },
    retrace: (t, topology) => (engine ? walkTrace(engine, t.conn, topology, t.result.request) : null),
    log: (m) => deps.ctx.log.warn(m),
  });
  const disposables = [
    view,
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, docs),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === TRACE_SCHEME) docs.forget(d.uri.toString());
    }),
    deps.ctx.onDidChange(() => {
      void view.onModelChange();
      const models = deps.ctx.connections.map((c) => c.topology);
      // an engine without a model (unreachable) says nothing about which containers are gone
      if (models.some((t) => !t)) return;
      docs.prune(new Set(models.flatMap((t) => t!.containers.map((c) => c.id))));
    }),
    // Optional argument { from?, to?, proto?, port? } (e.g. from the topology graph) presets the ends.
    vscode.commands.registerCommand('netlens.tracePacket', (arg?: unknown) => (engine ? runTrace(deps, engine, view, presetEnds(arg)) : unavailable())),
    vscode.commands.registerCommand('netlens.probeLastTrace', () => (engine ? probeTrace(deps, view, view.current) : unavailable())),
    vscode.commands.registerCommand('netlens.traceFromHere', async (arg?: unknown) => {
      if (!engine) return unavailable();
      const node = await targetNode(deps, arg, (n) => Boolean(n.targets?.traceEndpoint), 'Trace from…');
      if (node?.targets?.traceEndpoint) await runTrace(deps, engine, view, { engineKey: node.engineKey, from: node.targets.traceEndpoint });
    }),
    vscode.commands.registerCommand('netlens.traceToHere', async (arg?: unknown) => {
      if (!engine) return unavailable();
      const node = await targetNode(deps, arg, (n) => Boolean(n.targets?.traceEndpoint || n.targets?.publish), 'Trace to…');
      if (!node) return;
      const p = node.targets?.publish;
      const to = p ? (p.hostIp === '0.0.0.0' || p.hostIp === '::' ? `host:${p.hostPort}` : `${p.hostIp}:${p.hostPort}`) : node.targets?.traceEndpoint;
      if (to) await runTrace(deps, engine, view, { engineKey: node.engineKey, to });
    }),
  ];
  return { disposables, view };
}
