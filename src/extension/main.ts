/**
 * The extension's entry point: builds the context, the views, the inspect pane and the commands,
 * connects to the engines, and returns the API (api.ts) the end-to-end tests assert through.
 */
import * as vscode from 'vscode';
import { createSession } from '../core/session';
import { helperConsent } from './engines/helperConsent';
import { watchHelperProposals } from './engines/helperProposal';
import { formatTrace, tracePacket, traceReadingListeners } from '../core/trace';
import type { NetlensApi } from './api';
import { registerBrowserCommands } from './commands/browserCommands';
import { registerCaptureCommands } from './commands/captureCommands';
import type { CommandDeps, TopologyHooks, TraceEngine } from './commands/commandDeps';
import { registerCopyCommands } from './commands/copyCommands';
import { registerEngineCommands } from './commands/engineCommands';
import { registerTraceCommands } from './commands/traceCommands';
import { registerViewCommands } from './commands/viewCommands';
import { NetlensContext } from './ctx';
import { INSPECT_VIEW_TYPE, InspectPanel } from './inspect/inspectPanel';
import { RAW_SCHEME, RawJsonDocuments } from './inspect/rawJsonDocuments';
import { createStatusBar } from './statusBar';
import { NetlensViews } from './views';
import { wireTopologyPanel } from './topologyWiring';
import { traceViewType } from '../protocol/traceProtocol';

const traceEngine: TraceEngine = { tracePacket, formatTrace, traceReadingListeners };

export function activate(context: vscode.ExtensionContext): NetlensApi {
  // the `container` host shell asks before its first privileged helper on an engine
  const consent = helperConsent(context.globalState);
  const ctx = new NetlensContext((opts) => createSession(opts.hostShell === 'container' ? { ...opts, helper: { ...opts.helper, consent } } : opts));
  const views = new NetlensViews(ctx);
  let topologyHooks: TopologyHooks | undefined;
  const inspect = new InspectPanel(ctx, views, { openInTopology: (id) => topologyHooks?.focus(id) }, context.extensionUri);
  const deps: CommandDeps = { ctx, views, inspect, trace: traceEngine, topology: () => topologyHooks, extensionUri: context.extensionUri };
  const traces = registerTraceCommands(deps);
  context.subscriptions.push(
    ctx,
    views,
    inspect,
    vscode.workspace.registerTextDocumentContentProvider(RAW_SCHEME, new RawJsonDocuments(ctx)),
    vscode.window.registerWebviewPanelSerializer(INSPECT_VIEW_TYPE, inspect.serializer()),
    vscode.window.registerWebviewPanelSerializer(traceViewType, traces.view.serializer()),
    createStatusBar(ctx),
    watchHelperProposals(ctx, context.globalState),
    ...registerViewCommands(deps),
    ...registerCopyCommands(deps),
    ...registerCaptureCommands(deps),
    ...registerBrowserCommands(deps),
    ...registerEngineCommands(deps),
    ...traces.disposables,
  );
  topologyHooks = wireTopologyPanel(context, {
    ctx,
    openInspect: (engine, subject) => {
      const found = views.nodeOf(engine, subject);
      if (found) inspect.show(views.providers[found.view].element(found.node.id));
    },
    trace: (from, to) => void vscode.commands.executeCommand('netlens.tracePacket', { from, to }),
    selectTraceHop: (traceId, step) => traces.view.selectHop(traceId, step),
  });

  const connected = ctx.connect('startup');
  return {
    getTopology: () => ctx.topology(),
    refresh: async (reason = 'api') => {
      await connected;
      await ctx.refresh(reason);
    },
    treeItems: async (view) => {
      await connected;
      ctx.flushChanges();
      const provider = views.providers[view];
      return provider.allNodes().map(({ node, parentId, depth }) => ({
        id: node.id,
        label: node.label,
        ...(node.description ? { description: node.description } : {}),
        contextValue: node.contextValue,
        ...(parentId ? { parentId } : {}),
        depth,
        ...(node.tooltip ? { tooltip: node.tooltip } : {}),
      }));
    },
    lastError: () => ctx.lastError(),
    engines: () => ctx.connections.map((c) => ({ key: c.key, label: c.label, state: c.status.kind, ...(c.lastError ? { error: c.lastError } : {}) })),
    inspected: () => (inspect.current ? { id: inspect.current.element.id, title: inspect.current.title } : undefined),
    traced: () => traces.view.snapshot(),
  };
}

/** Everything is in context.subscriptions, which VS Code disposes after this. */
export function deactivate(): void {
  // nothing beyond the subscriptions
}
