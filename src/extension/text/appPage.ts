/**
 * The page of a webview app of ours (the inspect pane, the trace view): a shell with one script
 * under a strict Content-Security-Policy with a per-load nonce, its own stylesheet, one root
 * element and no data — the content arrives by message and is put into the DOM as text.
 */
import { htmlText } from './htmlText';

export interface AppPageOptions {
  readonly nonce: string;
  /** the webview URI of the app's bundle (dist/inspect.js, dist/trace.js) */
  readonly scriptUri: string;
}

/** Only our own nonce'd script and style; nothing else is loaded, fetched or submitted. */
export function appContentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'none'; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'`;
}

export function appPage(o: AppPageOptions & { readonly css: string; readonly rootId: string }): string {
  const n = htmlText(o.nonce);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${htmlText(appContentSecurityPolicy(o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${n}">
${o.css.trim()}
</style></head>
<body>
<div id="${htmlText(o.rootId)}"></div>
<script nonce="${n}" src="${htmlText(o.scriptUri)}"></script>
</body></html>`;
}
