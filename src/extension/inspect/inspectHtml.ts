/**
 * The inspect pane's page: a shell with our one script (webview/inspectMain.ts, loaded under a strict CSP
 * with a per-load nonce) and no data. The sheet arrives by message (src/protocol/inspectProtocol.ts)
 * and is put into the DOM as text; the page is built once per panel, never per model change.
 */
import { appPage, type AppPageOptions } from '../text/appPage';

const CSS = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; }
h1 { font-size: 1.4em; margin: 16px 0 2px; word-break: break-all; }
.kind { color: var(--vscode-descriptionForeground); text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.05em; margin-top: 16px; }
.subtitle { color: var(--vscode-descriptionForeground); margin: 0 0 8px; }
.banner { background: var(--vscode-inputValidation-warningBackground); border: 1px solid var(--vscode-inputValidation-warningBorder); padding: 4px 8px; }
h2 { font-size: 1.05em; margin: 18px 0 6px; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 2px; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: normal; color: var(--vscode-descriptionForeground); padding: 2px 12px 2px 0; vertical-align: top; width: 30%; white-space: pre-wrap; word-break: break-all; }
td { padding: 2px 0; white-space: pre-wrap; word-break: break-all; }
code { font-family: var(--vscode-editor-font-family); }
.fact-unknown { color: var(--vscode-descriptionForeground); font-style: italic; }
button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 3px 10px; margin-right: 6px; cursor: pointer; }
a { color: var(--vscode-textLink-foreground); }
[hidden] { display: none !important; }
`;

export function inspectHtml(o: AppPageOptions): string {
  return appPage({ ...o, css: CSS, rootId: 'sheet' });
}
