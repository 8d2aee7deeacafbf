/**
 * The inspect pane's and the trace view's apps in a plain page of headless Chromium: the real bundle
 * (webview/inspectMain.ts, webview/traceMain.ts) and the real page (inspectHtml / traceHtml, its CSP
 * and nonce), served from 127.0.0.1. As in webviewHarnessPage.ts, only `acquireVsCodeApi` is a
 * stand-in, recording what the app posts.
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { inspectHtml } from '../../src/extension/inspect/inspectHtml';
import { traceHtml } from '../../src/extension/trace/traceHtml';
import { createNonce } from '../../src/extension/topology/topologyHtml';
import { repoRoot } from './topologyFixtures';
import { chromiumFlags, chromiumPath, harnessInit, type WebviewPage } from './webviewHarnessPage';

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
  const outfile = join(work, `${app.name}.js`);
  await build({ entryPoints: [resolve(repoRoot, app.entry)], outfile, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'silent' });
  const bundle = readFileSync(outfile);
  const nonce = createNonce();
  let origin = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === `/dist/${app.name}.js`) {
      res.writeHead(200, { 'content-type': path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(path === '/' ? app.html({ nonce, scriptUri: `${origin}/dist/${app.name}.js` }) : bundle);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let context: BrowserContext | undefined;
  const waitReady = async (): Promise<void> => {
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  };
  context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: chromiumPath, headless: true, args: chromiumFlags, viewport, timeout: 60_000 });
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await page.addInitScript(harnessInit('dark'));
    await page.goto(`${origin}/`);
    await waitReady();
  } catch (e) {
    await context.close();
    server.close();
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  const ctx = context;
  return {
    page,
    posted: () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted),
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as never),
    cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
    reload: async () => {
      await page.reload();
      await waitReady();
    },
    close: async () => {
      await ctx.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(work, { recursive: true, force: true });
    },
  };
}
