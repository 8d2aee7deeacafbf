/**
 * The inspect pane's HTML: a fact sheet laid out for reading. Every sheet string is escaped with
 * htmlText (Docker names and labels show as text, never as markup); the only script is ours, run
 * under a strict CSP with a per-load nonce, and it only posts which link was clicked.
 */
import { htmlText } from '../text/htmlText';
import { nodeLinkOf, type FactSheet } from '../facts/factSheet';
import type { FactValue } from '../../core/present/sheet';

/** A value as escaped HTML, styled by its kind; unknown says so and why. */
export function valueHtml(v: FactValue): string {
  switch (v.kind) {
    case 'text':
      return htmlText(v.text);
    case 'address':
      return `<code>${htmlText(v.text)}</code>`;
    case 'code':
      return `<code class="rule">${htmlText(v.text)}</code>`;
    case 'unknown':
      return `<span class="unknown">unknown (${htmlText(v.why)})</span>`;
    case 'list':
      return v.items.map(valueHtml).join(', ');
  }
}

export interface InspectHtmlOptions {
  readonly nonce: string;
  /** a line above the sheet, e.g. that the model is stale */
  readonly banner?: string;
  readonly canShowTopology: boolean;
  /** the tree item shown, saved with setState so the pane comes back after a window reload */
  readonly item?: { readonly view: string; readonly id: string };
}

export function inspectHtml(sheet: FactSheet, o: InspectHtmlOptions): string {
  const n = htmlText(o.nonce);
  const csp = `default-src 'none'; style-src 'nonce-${n}'; script-src 'nonce-${n}'; img-src 'none'; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'`;
  const actions = [
    sheet.raw ? `<button data-action="raw">Raw JSON</button>` : '',
    o.canShowTopology && sheet.topologyId ? `<button data-action="topology">Open in topology</button>` : '',
  ].join('');
  const sections = sheet.sections
    .map((s) => {
      const rows = s.rows
        .map((r) => {
          const link = r.ref && sheet.engine ? nodeLinkOf(sheet.engine, r.ref) : undefined;
          const value = link ? `<a href="#" data-view="${htmlText(link.view)}" data-id="${htmlText(link.id)}">${valueHtml(r.value)}</a>` : valueHtml(r.value);
          return `<tr><th scope="row">${htmlText(r.label)}</th><td>${value}</td></tr>`;
        })
        .join('');
      return `<section><h2>${htmlText(s.heading)}</h2>${rows ? `<table>${rows}</table>` : ''}</section>`;
    })
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${n}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; }
h1 { font-size: 1.4em; margin: 16px 0 2px; word-break: break-all; }
.kind { color: var(--vscode-descriptionForeground); text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.05em; }
.subtitle { color: var(--vscode-descriptionForeground); margin: 0 0 8px; }
.banner { background: var(--vscode-inputValidation-warningBackground); border: 1px solid var(--vscode-inputValidation-warningBorder); padding: 4px 8px; }
h2 { font-size: 1.05em; margin: 18px 0 6px; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 2px; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: normal; color: var(--vscode-descriptionForeground); padding: 2px 12px 2px 0; vertical-align: top; width: 30%; white-space: pre-wrap; word-break: break-all; }
td { padding: 2px 0; white-space: pre-wrap; word-break: break-all; }
code { font-family: var(--vscode-editor-font-family); }
.unknown { color: var(--vscode-descriptionForeground); font-style: italic; }
button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 3px 10px; margin-right: 6px; cursor: pointer; }
a { color: var(--vscode-textLink-foreground); }
</style></head>
<body${o.item ? ` data-view="${htmlText(o.item.view)}" data-item="${htmlText(o.item.id)}"` : ''}>
<div class="kind">${htmlText(sheet.kind)}</div>
<h1>${htmlText(sheet.title)}</h1>
${sheet.subtitle ? `<p class="subtitle">${htmlText(sheet.subtitle)}</p>` : ''}
${o.banner ? `<p class="banner">${htmlText(o.banner)}</p>` : ''}
<div class="actions">${actions}</div>
${sections}
<script nonce="${n}">
(function () {
  const vscode = acquireVsCodeApi();
  if (document.body.dataset.item) vscode.setState({ view: document.body.dataset.view, id: document.body.dataset.item });
  document.addEventListener('click', function (ev) {
    const el = ev.target instanceof Element ? ev.target.closest('[data-action],[data-id]') : null;
    if (!el) return;
    ev.preventDefault();
    const action = el.getAttribute('data-action');
    if (action) vscode.postMessage({ type: action });
    else vscode.postMessage({ type: 'reveal', view: el.getAttribute('data-view'), id: el.getAttribute('data-id') });
  });
})();
</script>
</body></html>`;
}
