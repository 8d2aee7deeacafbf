/**
 * Connects the topology panel (src/extension/topology, issue 4) to the sidebar: it draws one
 * engine's model (the first, or the one picked in the panel when several are configured), asks the
 * inspect pane and the trace command for what the user clicks, and gets that engine's state; the
 * sidebar gets `focus` and `showTrace` back, the trace view the hop clicked on the trace's path.
 */
import * as vscode from 'vscode';
import type { Topology } from '../core/model/types';
import type { Subject } from '../protocol/subject';
import type { TopologyHooks } from './commands/commandDeps';
import type { NetlensContext } from './ctx';
import type { EngineConnection } from './engines/engineConnection';
import { registerTopologyPanel, type TopologyEngineState } from './topology';

export interface TopologyWiringDeps {
  readonly ctx: NetlensContext;
  /** the inspect pane for what the graph of that engine drew */
  readonly openInspect: (engine: string, subject: Subject) => void;
  readonly trace: (from: string, to: string) => void;
  /** a place on the shown trace's path was clicked: the trace view selects that hop */
  readonly selectTraceHop: (traceId: number, step: number) => void;
}

function engineState(connection: EngineConnection | undefined): TopologyEngineState {
  const status = connection?.status;
  if (!status || status.kind === 'error') return { state: 'disconnected', stale: false, message: status?.kind === 'error' ? status.error : 'no engine configured' };
  if (status.kind === 'stale') return { state: 'reconnecting', stale: true, message: status.error };
  if (status.kind === 'connecting') return { state: 'reconnecting', stale: false, message: null };
  return { state: 'connected', stale: false, message: null };
}

export function wireTopologyPanel(context: vscode.ExtensionContext, deps: TopologyWiringDeps): TopologyHooks {
  const ctx = deps.ctx;
  let chosen: string | null = null;
  /** the picked engine while it is configured, else the first */
  const current = (): EngineConnection | undefined => (chosen !== null ? ctx.connection(chosen) : undefined) ?? ctx.connections[0];
  const stateEmitter = new vscode.EventEmitter<TopologyEngineState>();
  const topologyEmitter = new vscode.EventEmitter<Topology>();
  const enginesEmitter = new vscode.EventEmitter<void>();
  let lastTopology: Topology | undefined;
  /** every engine's model at the last snapshot: another host's refresh redraws the hosts beside the drawn one */
  let lastModels: readonly (Topology | undefined)[] = [];
  let lastEngines = '';
  const changed = (): void => {
    const keys = JSON.stringify(ctx.connections.map((c) => [c.key, c.label]));
    if (keys !== lastEngines) {
      lastEngines = keys;
      enginesEmitter.fire();
    }
    stateEmitter.fire(engineState(current()));
    const t = current()?.topology;
    const models = ctx.connections.map((c) => c.topology);
    const othersChanged = models.length > 1 && (models.length !== lastModels.length || models.some((m, i) => m !== lastModels[i]));
    lastModels = models;
    if (t && (t !== lastTopology || othersChanged)) {
      lastTopology = t;
      topologyEmitter.fire(t);
    }
  };
  context.subscriptions.push(stateEmitter, topologyEmitter, enginesEmitter, ctx.onDidChange(changed));
  const controller = registerTopologyPanel(context, {
    getTopology: () => current()?.topology,
    onDidChangeTopology: topologyEmitter.event,
    openInspect: (subject) => {
      const engine = current()?.key;
      if (engine !== undefined) deps.openInspect(engine, subject);
    },
    openInspectOn: (engine, subject) => {
      if (ctx.connection(engine)) deps.openInspect(engine, subject);
    },
    trace: deps.trace,
    selectTraceHop: deps.selectTraceHop,
    refresh: () => void ctx.refresh('manual: topology toolbar', current()?.key),
    onDidChangeEngineState: stateEmitter.event,
    engines: () => ({ engines: ctx.connections.map((c) => ({ key: c.key, label: c.label })), selected: current()?.key ?? null }),
    selectEngine: (key) => {
      chosen = key;
      lastTopology = current()?.topology;
      stateEmitter.fire(engineState(current()));
    },
    onDidChangeEngines: enginesEmitter.event,
    allEngines: () => {
      const self = current()?.key;
      if (self === undefined || ctx.connections.length < 2) return undefined;
      return { self, all: ctx.connections.map((c) => ({ key: c.key, label: c.label, topology: c.topology, reason: c.status.kind === 'error' ? c.status.error : null })) };
    },
  });
  return {
    focus: (id) => controller.show(id),
    showTrace: (path, reveal) => {
      if (reveal) controller.show();
      controller.showTrace(path);
    },
  };
}
