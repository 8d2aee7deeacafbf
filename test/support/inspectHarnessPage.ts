/**
 * The inspect pane's and the trace view's apps in a plain page of headless Chromium: the real bundle
 * (webview/inspectMain.ts, webview/traceMain.ts) and the real page (inspectHtml / traceHtml, its CSP
 * and nonce), served from 127.0.0.1 by webviewHarnessPage.ts's servePage: only `acquireVsCodeApi` is
 * a stand-in, recording what the app posts.
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspectHtml } from '../../src/extension/inspect/inspectHtml';
import { traceHtml } from '../../src/extension/trace/traceHtml';
import { createNonce } from '../../src/extension/topology/topologyHtml';
import { repoRoot } from './topologyFixtures';
import { chromiumPath, servePage, type WebviewPage } from './webviewHarnessPage';

export function openInspectPage(viewport = { width: 900, height: 500 }): Promise<WebviewPage> {
  return openAppPage({ name: 'inspect', entry: 'webview/inspectMain.ts', html: inspectHtml }, viewport);
}

export function openTracePage(viewport = { width: 1000, height: 800 }): Promise<WebviewPage> {
  return openAppPage({ name: 'trace', entry: 'webview/traceMain.ts', html: traceHtml }, viewport);
}

interface App {
  /** the bundle's name in dist/ */
  readonly name: string;
  readonly entry: string;
  readonly html: (o: { nonce: string; scriptUri: string }) => string;
}

async function openAppPage(app: App, viewport: { width: number; height: number }): Promise<WebviewPage> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium`);
  const work = mkdtempSync(join(tmpdir(), `nlw-${app.name}-`));
  try {
    const outfile = join(work, `${app.name}.js`);
    await build({ entryPoints: [resolve(repoRoot, app.entry)], outfile, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'silent' });
    const nonce = createNonce();
    const script = `/dist/${app.name}.js`;
    return await servePage(work, (origin) => app.html({ nonce, scriptUri: `${origin}${script}` }), new Map([[script, { type: 'text/javascript; charset=utf-8', body: readFileSync(outfile) }]]), viewport);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
