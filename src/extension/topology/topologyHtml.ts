/**
 * The topology webview's one HTML page. No `vscode` import: the headless-Chromium test serves the
 * very same page. Local resources only, a strict CSP and a per-load nonce: the only script is our
 * bundle, the only stylesheet ours; no inline style or script runs.
 */
import { randomBytes } from 'node:crypto';

export interface TopologyHtmlInputs {
  /** `webview.cspSource`: the origin the webview serves local resources from */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
}

/** 128 bits from the OS's CSPRNG, base64 (what a CSP nonce needs; never Math.random). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

const attr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function topologyContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function topologyHtml(i: TopologyHtmlInputs): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(topologyContentSecurityPolicy(i.cspSource, i.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(i.styleUri)}" nonce="${attr(i.nonce)}">
<title>netlens topology</title>
</head>
<body>
<div id="app"></div>
<script nonce="${attr(i.nonce)}" src="${attr(i.scriptUri)}"></script>
</body>
</html>`;
}
