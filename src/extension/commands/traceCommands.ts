/**
 * Trace packet (palette), Trace from here / to here (tree menus): quick picks filled from the
 * model, then the trace engine walks the model and the result opens as a read-only document.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { Topology } from '../../core/model/types';
import { destinationHasPort, traceDestinations, traceSources, type TraceCandidate } from '../trace/traceCandidates';
import type { EngineConnection } from '../engines/engineConnection';
import { probePlan } from '../../core/trace/probe';
import type { TraceResult } from '../../core/trace/types';
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

async function pick(candidates: TraceCandidate[], placeHolder: string): Promise<TraceCandidate | undefined> {
  const items = candidates.map((c) => ({ label: c.label, description: c.description, c }));
  const typed = '$(edit) Type a value…';
  const picked = await vscode.window.showQuickPick([...items, { label: typed, description: 'container, host, netns:NAME, IP[:port]', c: undefined }], { placeHolder, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.c) return picked.c;
  const value = await vscode.window.showInputBox({ prompt: placeHolder, validateInput: (v) => (/^[A-Za-z0-9_.:\-[\]]{1,128}$/.test(v.trim()) ? undefined : 'a container name, host, netns:NAME or an IP, optionally :port') });
  return value ? { value: value.trim(), label: value.trim(), description: '' } : undefined;
}

async function chooseConnection(deps: CommandDeps, engineKey?: string): Promise<EngineConnection | undefined> {
  const withModel = deps.ctx.connections.filter((c) => c.topology);
  if (engineKey) return withModel.find((c) => c.key === engineKey);
  if (withModel.length <= 1) return withModel[0];
  const picked = await vscode.window.showQuickPick(withModel.map((c) => ({ label: c.label, c })), { placeHolder: 'Trace on which engine?' });
  return picked?.c;
}

/** The last trace shown, which "Probe the last trace" sends real traffic along. */
interface LastTrace {
  readonly conn: EngineConnection;
  readonly topology: Topology;
  readonly result: TraceResult;
  readonly title: string;
  readonly heading: string;
  readonly containers: readonly string[];
}

async function runTrace(deps: CommandDeps, engine: TraceEngine, docs: TraceDocuments, opts: { engineKey?: string; from?: string; to?: string }, remember: (t: LastTrace) => void): Promise<void> {
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
  const proto = (await vscode.window.showQuickPick(['tcp', 'udp', 'icmp'], { placeHolder: 'Protocol' })) as 'tcp' | 'udp' | 'icmp' | undefined;
  if (!proto) return;
  let port: number | undefined;
  if (proto !== 'icmp' && !destinationHasPort(to)) {
    const text = await vscode.window.showInputBox({
      prompt: `Destination port on ${to}`,
      value: toCandidate.port ? String(toCandidate.port) : '80',
      validateInput: (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'a port 1-65535'),
    });
    if (!text) return;
    port = Number(text);
  }
  try {
    const request = { from, to, proto, ...(port !== undefined ? { port } : {}) };
    let result;
    let traced = topology;
    if (engine.traceReadingListeners) {
      const read = await engine.traceReadingListeners(topology, request, (t, ids) => conn.session().readListeners(t, ids));
      if (read.topology !== topology) conn.adopt(topology, read.topology);
      traced = read.topology;
      result = read.result;
    } else result = engine.tracePacket(topology, request);
    // The kernel's own routing at each step (ip route get, read-only, one round trip): the trace
    // document says whether it agrees, or why it could not be asked.
    const kernel = await conn
      .session()
      .verifyTrace(traced, result)
      .catch((e: unknown) => ({ agrees: null, observed: `the kernel could not be asked: ${errorMessage(e)}`, checks: [], skipped: [] }));
    result = { ...result, kernel };
    const text = engine.formatTrace(result);
    deps.topology?.()?.showTrace?.(result);
    deps.ctx.log.info(`trace ${from} → ${to} ${proto}${port ? `/${port}` : ''}`);
    const heading = `netlens trace: ${from} → ${to} (${proto}${port ? ` port ${port}` : ''}) on ${conn.label}`;
    const containers = traceContainers(topology, [from, to]);
    remember({ conn, topology: traced, result, title: `trace ${from} to ${to}`, heading, containers });
    const uri = docs.add(`trace ${from} to ${to}`, `${heading}\n\n${text}\n\nTo check it with real traffic: "netlens: Probe the last trace" (it shows what it will send and asks first).\n`, containers);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  } catch (e) {
    void vscode.window.showErrorMessage(`netlens: trace failed: ${errorMessage(e)}`);
  }
}

function presetEnds(arg: unknown): { from?: string; to?: string } {
  if (typeof arg !== 'object' || arg === null) return {};
  const { from, to } = arg as Record<string, unknown>;
  return { ...(typeof from === 'string' && from ? { from } : {}), ...(typeof to === 'string' && to ? { to } : {}) };
}

/**
 * One real attempt along the last trace (session.probeTrace), after the user has seen the exact
 * command and confirmed: netlens sends traffic only when asked. The answer opens as a new document.
 */
async function probeLast(deps: CommandDeps, engine: TraceEngine, docs: TraceDocuments, last: LastTrace | undefined): Promise<void> {
  if (!last) {
    void vscode.window.showInformationMessage('netlens: trace a packet first ("netlens: Trace packet"); the probe follows the last trace.');
    return;
  }
  const plan = probePlan(last.topology, last.result);
  if (typeof plan === 'string') {
    void vscode.window.showInformationMessage(`netlens: this trace cannot be probed: ${plan}`);
    return;
  }
  const send = 'Send the probe';
  const detail = `On the host of ${last.conn.label}, netlens will run\n\n${plan.command}\n\nand read the rule counters just before and after (${plan.family === 'ipv6' ? 'ip6tables-save' : 'iptables-save'} -c). It changes no rule and resets no counter, but the traffic is real: the destination sees it.`;
  const answer = await vscode.window.showWarningMessage(`Send real ${plan.proto.toUpperCase()} traffic along ${last.title}?`, { modal: true, detail }, send);
  if (answer !== send) return;
  try {
    const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `netlens: probing ${last.title}` }, () => last.conn.session().probeTrace(last.topology, last.result));
    deps.ctx.log.info(`probe ${last.title}: ${probe.observed}`);
    const uri = docs.add(`${last.title} (probed)`, `${last.heading}, probed\n\n${engine.formatTrace({ ...last.result, probe })}\n`, last.containers);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  } catch (e) {
    void vscode.window.showErrorMessage(`netlens: probe failed: ${errorMessage(e)}`);
  }
}

export function registerTraceCommands(deps: CommandDeps): vscode.Disposable[] {
  const docs = new TraceDocuments((uri) => vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri));
  const engine = deps.trace;
  let last: LastTrace | undefined;
  const remember = (t: LastTrace): void => {
    last = t;
  };
  const unavailable = (): void => void vscode.window.showInformationMessage('netlens: the packet trace is not in this build yet');
  return [
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, docs),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === TRACE_SCHEME) docs.forget(d.uri.toString());
    }),
    deps.ctx.onDidChange(() => {
      const models = deps.ctx.connections.map((c) => c.topology);
      // an engine without a model (unreachable) says nothing about which containers are gone
      if (models.some((t) => !t)) return;
      docs.prune(new Set(models.flatMap((t) => t!.containers.map((c) => c.id))));
    }),
    // Optional argument { from?, to? } (e.g. from the topology graph) presets the ends.
    vscode.commands.registerCommand('netlens.tracePacket', (arg?: unknown) => (engine ? runTrace(deps, engine, docs, presetEnds(arg), remember) : unavailable())),
    vscode.commands.registerCommand('netlens.probeLastTrace', () => (engine ? probeLast(deps, engine, docs, last) : unavailable())),
    vscode.commands.registerCommand('netlens.traceFromHere', async (arg?: unknown) => {
      if (!engine) return unavailable();
      const node = await targetNode(deps, arg, (n) => Boolean(n.targets?.traceEndpoint), 'Trace from…');
      if (node?.targets?.traceEndpoint) await runTrace(deps, engine, docs, { engineKey: node.engineKey, from: node.targets.traceEndpoint }, remember);
    }),
    vscode.commands.registerCommand('netlens.traceToHere', async (arg?: unknown) => {
      if (!engine) return unavailable();
      const node = await targetNode(deps, arg, (n) => Boolean(n.targets?.traceEndpoint || n.targets?.publish), 'Trace to…');
      if (!node) return;
      const p = node.targets?.publish;
      const to = p ? (p.hostIp === '0.0.0.0' || p.hostIp === '::' ? `host:${p.hostPort}` : `${p.hostIp}:${p.hostPort}`) : node.targets?.traceEndpoint;
      if (to) await runTrace(deps, engine, docs, { engineKey: node.engineKey, to }, remember);
    }),
  ];
}
