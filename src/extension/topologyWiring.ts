/**
 * Connects the topology panel (src/extension/topology, issue 4) to the sidebar: it draws the first
 * engine's model, asks the inspect pane and the trace command for what the user clicks, and gets
 * the engine's state; the sidebar gets `focus` and `showTrace` back.
 */
import * as vscode from 'vscode';
import type { TraceResult } from '../core/trace';
import type { TopologyHooks } from './commands/commandDeps';
import type { NetlensContext } from './ctx';
import { registerTopologyPanel, type TopologyEngineState } from './topology';

export interface TopologyWiringDeps {
  readonly ctx: NetlensContext;
  readonly openInspect: (topologyId: string) => void;
  readonly trace: (from: string, to: string) => void;
}

function engineState(ctx: NetlensContext): TopologyEngineState {
  const status = ctx.connections[0]?.status;
  if (!status || status.kind === 'error') return { state: 'disconnected', stale: false, message: status?.kind === 'error' ? status.error : 'no engine configured' };
  if (status.kind === 'stale') return { state: 'reconnecting', stale: true, message: status.error };
  if (status.kind === 'connecting') return { state: 'reconnecting', stale: false, message: null };
  return { state: 'connected', stale: false, message: null };
}

/** What the graph can highlight of a trace: container names, `netns:<name>`, interface names. */
export function traceHighlights(result: TraceResult): string[] {
  const out: string[] = [];
  const push = (v: string | null | undefined): void => {
    if (v && out[out.length - 1] !== v) out.push(v);
  };
  for (const hop of result.hops) {
    if (hop.namespace.startsWith('container ')) push(hop.namespace.slice('container '.length));
    else if (hop.namespace.startsWith('netns ')) push(`netns:${hop.namespace.slice('netns '.length)}`);
    push(hop.interface);
  }
  return out;
}

export function wireTopologyPanel(context: vscode.ExtensionContext, deps: TopologyWiringDeps): TopologyHooks {
  const stateEmitter = new vscode.EventEmitter<TopologyEngineState>();
  context.subscriptions.push(stateEmitter, deps.ctx.onDidChange(() => stateEmitter.fire(engineState(deps.ctx))));
  const controller = registerTopologyPanel(context, {
    getTopology: () => deps.ctx.topology(),
    onDidChangeTopology: deps.ctx.onDidChangeTopology,
    openInspect: deps.openInspect,
    trace: deps.trace,
    refresh: () => void deps.ctx.refresh('manual: topology toolbar'),
    onDidChangeEngineState: stateEmitter.event,
  });
  return {
    focus: (id) => controller.show(id),
    showTrace: (result) => {
      controller.show();
      controller.showTrace(traceHighlights(result), result.verdict, `${result.request.from} → ${result.request.to}: ${result.verdict}`);
    },
  };
}
