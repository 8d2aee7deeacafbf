/**
 * The trace view's page: a shell with our one script (webview/traceMain.ts, under a strict CSP with
 * a per-load nonce) and no data. The trace arrives by message (src/protocol/traceProtocol.ts) and
 * is put into the DOM as text; the page is built once per panel.
 */
import { appPage, type AppPageOptions } from '../text/appPage';

const CSS = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 24px; }
h1 { font-size: 1.3em; margin: 14px 0 2px; word-break: break-all; }
h2 { font-size: 1.05em; margin: 18px 0 6px; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 2px; }
.sub { color: var(--vscode-descriptionForeground); margin: 0 0 8px; }
.verdict { font-weight: bold; padding: 1px 8px; border-radius: 3px; color: var(--vscode-editor-background); }
.verdict-delivered { background: var(--vscode-charts-green); }
.verdict-dropped { background: var(--vscode-charts-red); }
.verdict-uncertain { background: var(--vscode-charts-yellow); }
.decided { margin: 6px 0; white-space: pre-wrap; word-break: break-word; }
.status { border: 1px solid var(--vscode-inputValidation-warningBorder, var(--vscode-editorWarning-foreground)); padding: 4px 8px; margin: 8px 0; }
.status-current { display: none; }
.toolbar button, .copy { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 3px 10px; margin: 2px 6px 2px 0; cursor: pointer; }
.toolbar button.primary { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
ol.hops { list-style: none; padding: 0; margin: 0; }
li.hop { border-left: 3px solid var(--vscode-panel-border); padding: 3px 8px; margin: 2px 0; cursor: pointer; }
li.hop:hover, li.hop:focus { background: var(--vscode-list-hoverBackground); outline: none; }
li.hop.selected { border-left-color: var(--vscode-focusBorder); background: var(--vscode-list-inactiveSelectionBackground); }
li.hop.decider { border-left-color: var(--vscode-charts-red); }
body[data-verdict="delivered"] li.hop.decider { border-left-color: var(--vscode-charts-green); }
li.hop.uncertain { border-left-color: var(--vscode-charts-yellow); }
.where { color: var(--vscode-descriptionForeground); }
.step { display: inline-block; min-width: 2.2em; color: var(--vscode-descriptionForeground); }
.pkt, code, .raw { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, 0.95em); }
.pkt { color: var(--vscode-descriptionForeground); }
.rewrite { color: var(--vscode-charts-purple); font-family: var(--vscode-editor-font-family); }
.rule { margin: 2px 0 0 2.2em; white-space: pre-wrap; word-break: break-all; }
.rule .ref { color: var(--vscode-charts-blue); }
.m-yes::before { content: '✓ '; color: var(--vscode-charts-green); }
.m-no::before { content: '✗ '; color: var(--vscode-descriptionForeground); }
.m-unknown::before { content: '? '; color: var(--vscode-charts-yellow); }
ul { margin: 4px 0; padding-left: 20px; }
li.missing::marker, li.assumption::marker { color: var(--vscode-charts-yellow); }
.change { margin: 4px 0; }
.change code { display: inline-block; background: var(--vscode-textCodeBlock-background); padding: 1px 6px; margin-right: 6px; white-space: pre-wrap; word-break: break-all; }
.history li { cursor: default; }
.history button { margin-left: 6px; }
.empty { color: var(--vscode-descriptionForeground); font-style: italic; }
[hidden] { display: none !important; }
`;

export function traceHtml(o: AppPageOptions): string {
  return appPage({ ...o, css: CSS, rootId: 'trace' });
}
