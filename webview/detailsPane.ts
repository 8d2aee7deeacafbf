/**
 * The drill-down pane beside the graph, built from @vscode-elements/elements (the maintained
 * successor of the deprecated @vscode/webview-ui-toolkit). Only the components used are imported,
 * which keeps the bundle small. It renders the presentation sheet (src/protocol/facts) the CLI and the
 * inspect pane render too. All model strings are set as textContent or attributes.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import type { ItemFacts } from './itemFacts';
import type { FactRow, FactSection } from '../src/protocol/facts/sheet';
import { el, valueNodes } from './factNodes';

export interface DetailsPaneActions {
  openInspect(itemId: string): void;
  traceFromHost(itemId: string): void;
  close(): void;
}

function factTable(rows: readonly FactRow[]): HTMLElement {
  const table = el('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-rows', '');
  table.setAttribute('columns', JSON.stringify(['38%', '62%']));
  const body = el('vscode-table-body');
  body.setAttribute('slot', 'body');
  for (const r of rows) {
    const row = el('vscode-table-row');
    row.appendChild(el('vscode-table-cell', 'fact-label', r.label));
    const value = el('vscode-table-cell', 'fact-value');
    value.append(...valueNodes(r.value));
    row.appendChild(value);
    body.appendChild(row);
  }
  table.appendChild(body);
  return table;
}

/** A section's rows in order: runs of short rows as a table, quoted rules and command lines full width. */
function sectionBody(section: FactSection): HTMLElement {
  const content = el('div', 'section-body');
  let run: FactRow[] = [];
  const flush = () => {
    if (run.length) content.appendChild(factTable(run));
    run = [];
  };
  for (const r of section.rows) {
    if (r.value.kind !== 'code') {
      run.push(r);
      continue;
    }
    flush();
    content.appendChild(el('div', 'fact-code-label', r.label));
    content.appendChild(el('pre', 'fact-code', r.value.text));
  }
  flush();
  return content;
}

export class DetailsPane {
  private current: ItemFacts | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly actions: DetailsPaneActions,
  ) {
    this.clear();
  }

  get shownId(): string | null {
    return this.current?.id ?? null;
  }

  /**
   * Empties the pane. Without a message it folds away (the graph gets the width); with one (say,
   * nothing matched a focus request) it stays to say so.
   */
  clear(message: string | null = null): void {
    this.current = null;
    this.host.replaceChildren(...(message ? [el('p', 'details-empty', message)] : []));
    this.host.classList.add('is-empty');
    this.host.classList.toggle('has-message', message !== null);
  }

  show(facts: ItemFacts): void {
    this.current = facts;
    this.host.classList.remove('is-empty', 'has-message');
    const header = el('div', 'details-header');
    header.appendChild(el('h2', 'details-heading', facts.heading));
    const close = el('vscode-button', 'details-close', 'Close');
    close.setAttribute('secondary', '');
    close.addEventListener('click', () => this.actions.close());
    header.appendChild(close);
    const badges = el('div', 'details-badges');
    for (const b of facts.badges) badges.appendChild(el('vscode-badge', undefined, b));
    const buttons = el('div', 'details-actions');
    if (facts.inspectId) {
      const id = facts.inspectId;
      const b = el('vscode-button', 'action-inspect', 'Open in sidebar');
      b.addEventListener('click', () => this.actions.openInspect(id));
      buttons.appendChild(b);
    }
    if (facts.traceTarget) {
      const id = facts.traceTarget;
      const b = el('vscode-button', 'action-trace', 'Trace from host');
      b.setAttribute('secondary', '');
      b.addEventListener('click', () => this.actions.traceFromHost(id));
      buttons.appendChild(b);
    }
    const sections = facts.sections
      .filter((s) => s.rows.length > 0)
      .map((s, i) => {
        const c = el('vscode-collapsible');
        c.setAttribute('heading', s.heading);
        // the summary, the first network and the gaps are what a click is usually after
        if (i < 3 || s.heading === 'Not known') c.setAttribute('open', '');
        c.appendChild(sectionBody(s));
        return c;
      });
    this.host.replaceChildren(header, badges, buttons, ...sections);
  }
}
