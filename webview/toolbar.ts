/**
 * The strip above the graph: search/filter, zoom and fit, tidy, refresh, export; and the status
 * line that says where the picture comes from and whether it is stale.
 */
import type { EngineChoice } from '../src/protocol/topologyProtocol';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';

export interface ToolbarActions {
  search(query: string): void;
  hideUnmatched(on: boolean): void;
  fit(): void;
  zoomIn(): void;
  zoomOut(): void;
  tidy(): void;
  refresh(): void;
  exportSvg(): void;
  exportPng(): void;
  /** the engine picker's choice (a key from `setEngines`) */
  selectEngine(key: string): void;
}

export interface Toolbar {
  readonly element: HTMLElement;
  readonly status: HTMLElement;
  setQuery(query: string, hideUnmatched: boolean): void;
  setMatchCount(count: number | null): void;
  /** shows the engine picker when there is more than one engine to pick from */
  setEngines(engines: readonly EngineChoice[], selected: string | null): void;
}

function button(label: string, title: string, action: () => void, className: string): HTMLElement {
  const b = document.createElement('vscode-button');
  b.className = className;
  b.setAttribute('secondary', '');
  b.setAttribute('title', title);
  b.textContent = label;
  b.addEventListener('click', action);
  return b;
}

export function createToolbar(actions: ToolbarActions): Toolbar {
  const bar = document.createElement('div');
  bar.className = 'toolbar';
  const search = document.createElement('input');
  search.type = 'search';
  search.className = 'search';
  search.placeholder = 'Search: name, IP, port — or net: ctr: ip: port:';
  search.setAttribute('aria-label', 'Search and filter the topology');
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => actions.search(search.value), 120);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      search.value = '';
      actions.search('');
    }
  });
  const hideLabel = document.createElement('label');
  hideLabel.className = 'hide-unmatched-toggle';
  const hide = document.createElement('input');
  hide.type = 'checkbox';
  hide.addEventListener('change', () => actions.hideUnmatched(hide.checked));
  hideLabel.append(hide, document.createTextNode(' only matches'));
  const count = document.createElement('span');
  count.className = 'match-count';
  // the engine picker: a vscode-single-select, hidden while there is only one engine
  const engines = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  engines.className = 'engine-picker';
  engines.setAttribute('aria-label', 'Engine to draw');
  engines.setAttribute('title', 'Engine to draw (setting netlens.engines)');
  engines.hidden = true;
  engines.addEventListener('change', () => {
    if (engines.value) actions.selectEngine(engines.value);
  });
  bar.append(
    engines,
    search,
    hideLabel,
    count,
    button('Fit', 'Fit the topology in view (only the matches while searching)', actions.fit, 'action-fit'),
    button('+', 'Zoom in', actions.zoomIn, 'action-zoom-in'),
    button('−', 'Zoom out', actions.zoomOut, 'action-zoom-out'),
    button('Tidy', 'Lay out afresh (closes the gaps left by removed items)', actions.tidy, 'action-tidy'),
    button('Refresh', 'Ask the engine for a fresh snapshot', actions.refresh, 'action-refresh'),
    button('SVG', 'Export the drawing as SVG', actions.exportSvg, 'action-export-svg'),
    button('PNG', 'Export the drawing as PNG', actions.exportPng, 'action-export-png'),
  );
  const status = document.createElement('div');
  status.className = 'status';
  status.setAttribute('role', 'status');
  return {
    element: bar,
    status,
    setQuery(query, hideUnmatched) {
      search.value = query;
      hide.checked = hideUnmatched;
    },
    setMatchCount(n) {
      count.textContent = n === null ? '' : `${n} match${n === 1 ? '' : 'es'}`;
    },
    setEngines(list, selected) {
      engines.hidden = list.length < 2;
      engines.replaceChildren(
        ...list.map((e) => {
          const o = document.createElement('vscode-option');
          o.setAttribute('value', e.key);
          if (e.key === selected) o.setAttribute('selected', '');
          o.textContent = e.label;
          return o;
        }),
      );
      if (selected !== null) engines.value = selected;
    },
  };
}
