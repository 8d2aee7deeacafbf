/**
 * The topology webview app: wires the host connection, the UI state, the layout, the renderer,
 * the toolbar and the drill-down pane. Bundled by scripts/build.mjs into dist/webview.js.
 */
import type { TopologyView } from '../src/protocol/topologyView';
import type { EngineStateNotification, SeveralHosts, TopologyNotification, TracePathNotification } from '../src/protocol/topologyProtocol';
import { splitHostItem, topologyIds } from '../src/protocol/topologyIds';
import type { LayoutMemory } from './layoutTypes';
import { placeHosts, underlayOf } from './hostsLayout';
import { DetailsPane } from './detailsPane';
import { exportPngBase64, exportSvgText } from './exportView';
import { TopologyRenderer } from './graphRenderer';
import type { VsCodeWebviewApi } from './hostIpc';
import { HostConnection } from './hostIpc';
import { topologyProtocolVersion } from '../src/protocol/topologyProtocol';
import { engineVersionText } from '../src/protocol/facts/format';
import { itemFacts } from './itemFacts';
import type { TopologyLayout } from './layout';
import { bestColumnsPerBand, layoutTopology } from './layout';
import { resolveTarget } from './resolveTarget';
import { matchingNodeIds } from './searchFilter';
import { createToolbar } from './toolbar';
import { hopOfItem, noTracePath, tracePathItems, type TracePathItems } from './tracePath';
import type { TopologyUiState } from './uiState';
import { readUiState } from './uiState';

declare function acquireVsCodeApi(): VsCodeWebviewApi;

const api = acquireVsCodeApi();
let ui: TopologyUiState = readUiState(api.getState());
let topology: TopologyView | null = null;
/** several engines: every host drawn side by side (the drawn engine's view is `topology`) */
let hosts: SeveralHosts | null = null;
/** the other hosts' layout memories, so their refreshes move nothing either (kept for the page's life) */
const otherMemories = new Map<string, LayoutMemory>();
let layout: TopologyLayout | null = null;
let trace: TracePathItems = noTracePath;
let lastTrace: TracePathNotification | null = null;
/** the engine drawn; a snapshot after a switch starts a fresh layout */
let engineKey: string | null = null;
let engineSwitched = false;
let pendingFocus: string | null = null;
let engine: EngineStateNotification | null = null;
let snapshotReason = '';
let transformSaveTimer: ReturnType<typeof setTimeout> | undefined;

const saveUi = (patch: Partial<TopologyUiState>): void => {
  ui = { ...ui, ...patch };
  api.setState(ui);
};

const app = document.getElementById('app') ?? document.body;
const connection = new HostConnection(api, (m) => console.warn(`netlens topology: ${m}`));
const toolbar = createToolbar({
  search: (query) => {
    saveUi({ query });
    applyEmphasis();
  },
  hideUnmatched: (on) => {
    saveUi({ hideUnmatched: on });
    applyEmphasis();
  },
  fit: () => renderer.fit(300, layout ? matchingNodeIds(layout.nodes, ui.query) : null),
  selectEngine: (key) => {
    if (key === engineKey) return;
    connection.send({ type: 'selectEngine', engineKey: key });
  },
  zoomIn: () => renderer.zoomBy(1.3),
  zoomOut: () => renderer.zoomBy(1 / 1.3),
  tidy: () => {
    saveUi({ memory: null });
    redraw(true);
  },
  refresh: () => connection.send({ type: 'refresh' }),
  exportSvg: () => void exportAs('svg'),
  exportPng: () => void exportAs('png'),
});
const main = document.createElement('div');
main.className = 'main';
const graph = document.createElement('div');
graph.className = 'graph';
const paneHost = document.createElement('aside');
paneHost.className = 'details';
paneHost.setAttribute('aria-label', 'Details');
main.append(graph, paneHost);
app.append(toolbar.element, toolbar.status, main);
toolbar.setQuery(ui.query, ui.hideUnmatched);

const renderer = new TopologyRenderer(graph, {
  onSelect: (id) => {
    select(id);
    // a place on the shown trace's path: the trace view selects its hop
    const step = lastTrace?.traceId != null ? hopOfItem(lastTrace, trace, id) : null;
    if (lastTrace?.traceId != null && step !== null) connection.send({ type: 'selectTraceHop', traceId: lastTrace.traceId, step });
  },
  onToggleCollapse: (columnId) => {
    const collapsed = ui.collapsed.includes(columnId) ? ui.collapsed.filter((c) => c !== columnId) : [...ui.collapsed, columnId];
    saveUi({ collapsed });
    redraw(true);
  },
  // a pan fires this every frame: keep it in memory now, hand it to VS Code once the gesture rests
  onTransform: (t) => {
    ui = { ...ui, transform: t };
    clearTimeout(transformSaveTimer);
    transformSaveTimer = setTimeout(() => api.setState(ui), 250);
  },
});
const pane = new DetailsPane(paneHost, {
  openInspect: (itemId) => connection.send({ type: 'openInspect', itemId }),
  traceFromHost: (itemId) => {
    // the drawn engine's own NIC: a trace runs on that engine's model
    const from = layout?.nodes.find((n) => n.role === 'nic' && !splitHostItem(n.id))?.id;
    if (from) connection.send({ type: 'trace', from, to: itemId });
  },
  close: () => select(null),
});

/** The facts of a drawn item: the drawn engine's, or another host's from that host's view. */
function factsOf(id: string): ReturnType<typeof itemFacts> {
  const other = splitHostItem(id);
  if (!other) return topology ? itemFacts(topology, id) : null;
  const view = hosts?.sides.find((s) => s.key === other.engineKey)?.view;
  const facts = view ? itemFacts(view, other.id) : null;
  // its sidebar pane is that engine's; a trace runs on the drawn engine's model only
  return facts && { ...facts, id, inspectId: facts.inspectId && topologyIds.onHost(other.engineKey, facts.inspectId), traceTarget: null };
}

function select(id: string | null): void {
  saveUi({ selected: id });
  const facts = id ? factsOf(id) : null;
  if (facts) pane.show(facts);
  else pane.clear();
  applyEmphasis();
  // the pane takes width from the graph when it opens: keep the chosen item in sight
  if (facts && id) setTimeout(() => renderer.reveal(id), 50);
}

function applyEmphasis(): void {
  if (!layout) return;
  const matches = matchingNodeIds(layout.nodes, ui.query);
  toolbar.setMatchCount(matches ? matches.size : null);
  const decider = lastTrace?.decider && lastTrace.verdict ? { items: trace.decider, label: `${lastTrace.verdict}: ${lastTrace.decider.text}` } : null;
  renderer.setEmphasis({ matches, hideUnmatched: ui.hideUnmatched, selected: ui.selected, trace: trace.items, decider, partial: trace.partial });
}

function redraw(animate: boolean): void {
  if (!topology) return;
  const collapsed = new Set(ui.collapsed);
  const sides = hosts?.sides.length ?? 1;
  const columnsPerBand = ui.memory?.columnsPerBand ?? bestColumnsPerBand(topology, graph.clientWidth / sides, graph.clientHeight, collapsed);
  if (hosts) {
    const several = hosts;
    const own = layoutTopology(topology, { collapsed, memory: ui.memory, columnsPerBand, underlay: underlayOf(several, several.self) });
    const parts = several.sides.map((s) => {
      if (s.key === several.self) return { key: s.key, label: s.label, view: topology, layout: own, reason: null };
      const l = s.view ? layoutTopology(s.view, { memory: otherMemories.get(s.key) ?? null, underlay: underlayOf(several, s.key) }) : null;
      if (l) otherMemories.set(s.key, l.memory);
      return { key: s.key, label: s.label, view: s.view, layout: l, reason: s.reason };
    });
    layout = placeHosts(parts, several);
  } else {
    layout = layoutTopology(topology, { collapsed, memory: ui.memory, columnsPerBand });
  }
  saveUi({ memory: layout.memory });
  renderer.render(layout, animate);
  trace = traceItems();
  applyEmphasis();
}

/** The drawn items of the last trace; looked up again on every redraw (items come and go). */
function traceItems(): TracePathItems {
  return layout ? tracePathItems(layout, lastTrace) : noTracePath;
}

function updateStatus(): void {
  const parts: string[] = [];
  if (!topology) parts.push('No snapshot yet.');
  else {
    parts.push(`${topology.engine.name} · ${engineVersionText(topology.engine)} · ${topology.containers.length} containers, ${topology.networks.length} networks`);
    parts.push(`collected ${topology.collectedAt}${snapshotReason ? ` (${snapshotReason})` : ''}`);
    if (hosts) parts.push(`${hosts.sides.length} hosts side by side, ${hosts.links.length} route${hosts.links.length === 1 ? '' : 's'} between them${hosts.unknown.length ? `, ${hosts.unknown.length} unknown` : ''}`);
    if (topology.gaps.length > 0) parts.push(`${topology.gaps.length} fact${topology.gaps.length === 1 ? '' : 's'} unknown: ${topology.gaps.slice(0, 3).map((g) => g.subject).join(', ')}${topology.gaps.length > 3 ? '…' : ''}`);
  }
  if (engine && engine.state !== 'connected') parts.push(`engine ${engine.state}${engine.message ? `: ${engine.message}` : ''}`);
  toolbar.status.textContent = parts.join(' — ');
  document.body.classList.toggle('is-stale', engine?.stale === true);
}

function focusTarget(target: string): void {
  if (!topology || !layout) {
    pendingFocus = target;
    return;
  }
  let id = resolveTarget(topology, layout, target);
  if (!id && ui.collapsed.length > 0) {
    // maybe it sits in a collapsed network: open that column and look again
    const expanded = layoutTopology(topology, { memory: layout.memory });
    const hidden = resolveTarget(topology, expanded, target);
    const column = hidden ? expanded.nodes.find((n) => n.id === hidden)?.column : null;
    if (hidden && column) {
      saveUi({ collapsed: ui.collapsed.filter((c) => c !== column) });
      redraw(true);
      id = hidden;
    }
  }
  if (!id) {
    pane.clear(`Nothing drawn matches “${target}”.`);
    return;
  }
  select(id);
  renderer.focusItem(id);
}

function onNotification(n: TopologyNotification): void {
  switch (n.type) {
    case 'snapshot': {
      if (n.protocolVersion !== topologyProtocolVersion) {
        // a host that speaks another version: drawing its view could misread every field
        pane.clear(`netlens sent protocol ${n.protocolVersion}; this view speaks ${topologyProtocolVersion}. Close the topology and open it again.`);
        return;
      }
      if (engineSwitched) {
        // another engine's drawing: nothing of the last one's layout, selection or trace applies
        engineSwitched = false;
        topology = null;
        layout = null;
        lastTrace = null;
        trace = noTracePath;
        saveUi({ memory: null, transform: null, selected: null, collapsed: [] });
        pane.clear();
      }
      const first = topology === null;
      topology = n.view;
      hosts = n.hosts;
      snapshotReason = n.reason;
      if (topology) {
        redraw(!first);
        if (first) {
          if (ui.transform) renderer.setTransform(ui.transform);
          else renderer.fit(0);
        }
        if (ui.selected) {
          const facts = factsOf(ui.selected);
          if (facts) pane.show(facts);
          else select(null);
        }
        if (pendingFocus) {
          const f = pendingFocus;
          pendingFocus = null;
          focusTarget(f);
        }
      }
      updateStatus();
      break;
    }
    case 'focus':
      focusTarget(n.target);
      break;
    case 'tracePath':
      lastTrace = n.hops.length > 0 ? n : null;
      trace = traceItems();
      document.body.dataset.traceVerdict = n.verdict ?? '';
      applyEmphasis();
      break;
    case 'engineState':
      engine = n;
      updateStatus();
      break;
    case 'engines':
      if (engineKey !== null && n.selected !== engineKey) engineSwitched = true;
      engineKey = n.selected;
      toolbar.setEngines(n.engines, n.selected);
      break;
  }
}

async function exportAs(format: 'svg' | 'png'): Promise<void> {
  if (!layout) return;
  try {
    const svgText = exportSvgText(renderer.svg, layout.width, layout.height);
    const data = format === 'svg' ? svgText : await exportPngBase64(svgText, layout.width, layout.height);
    const stamp = (topology?.collectedAt ?? '').replace(/[^0-9T]/g, '').slice(0, 15);
    const result = await connection.saveExport(format, data, `netlens-topology-${stamp || 'now'}.${format}`);
    toolbar.status.textContent = result.path ? `Saved ${result.path}` : 'Export cancelled.';
  } catch (e) {
    toolbar.status.textContent = `Export failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

connection.onNotification(onNotification);
connection.start(window);
updateStatus();
