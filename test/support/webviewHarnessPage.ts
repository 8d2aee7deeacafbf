/**
 * The topology webview in a plain page of Debian's headless Chromium: the real bundle (built here
 * with the options scripts/build.mjs uses), the real stylesheet and the real HTML with its CSP and
 * nonce, served from 127.0.0.1. The only stand-in is VS Code's `acquireVsCodeApi`, which here
 * records what the app posts — this is the page harness, netlens itself is not mocked.
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { createNonce, topologyHtml } from '../../src/extension/topology/topologyHtml';
import { repoRoot } from './topologyFixtures';
export { snapshotMessage } from './snapshotMessage';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface WebviewPage {
  readonly page: Page;
  /** messages the app posted to the "host", in order */
  posted(): Promise<unknown[]>;
  /** a message from the "host", delivered as VS Code delivers it (a window message event) */
  post(message: unknown): Promise<void>;
  cspViolations(): Promise<string[]>;
  /** reloads the page (the app starts afresh, its saved UI state kept) and waits for `ready` */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Bundles webview/main.ts into a temp folder; returns the file. */
export async function buildWebviewBundle(outDir: string): Promise<string> {
  const outfile = join(outDir, 'webview.js');
  await build({ entryPoints: [resolve(repoRoot, 'webview/main.ts')], outfile, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'silent' });
  return outfile;
}

/**
 * A few of the theme variables VS Code puts on a webview's <html> (values of its Dark Modern theme),
 * so screenshots look like the panel does; without them the page falls back to the CSS defaults.
 */
const darkTheme: Readonly<Record<string, string>> = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-sideBar-background': '#181818',
  '--vscode-sideBarSectionHeader-background': '#181818',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
  '--vscode-input-border': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-editorWarning-foreground': '#cca700',
};

/** VS Code's Light Modern values for the same variables. */
const lightTheme: Readonly<Record<string, string>> = {
  ...darkTheme,
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-border': '#c8c8c8',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-sideBarSectionHeader-background': '#f8f8f8',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b',
  '--vscode-input-border': '#cecece',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-textCodeBlock-background': '#f8f8f8',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-purple': '#652d90',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-editorWarning-foreground': '#bf8803',
};

/** VS Code's Dark High Contrast values: black, white text, cyan borders, orange focus. */
const highContrastTheme: Readonly<Record<string, string>> = {
  ...darkTheme,
  '--vscode-foreground': '#ffffff',
  '--vscode-descriptionForeground': '#ffffff',
  '--vscode-editor-background': '#000000',
  '--vscode-editor-foreground': '#ffffff',
  '--vscode-editorWidget-background': '#0c141f',
  '--vscode-editorWidget-border': '#6fc3df',
  '--vscode-sideBar-background': '#000000',
  '--vscode-sideBarSectionHeader-background': '#000000',
  '--vscode-panel-border': '#6fc3df',
  '--vscode-focusBorder': '#f38518',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-contrastActiveBorder': '#f38518',
  '--vscode-input-background': '#000000',
  '--vscode-input-foreground': '#ffffff',
  '--vscode-input-border': '#6fc3df',
  '--vscode-badge-background': '#000000',
  '--vscode-badge-foreground': '#ffffff',
  '--vscode-button-background': '#000000',
  '--vscode-button-secondaryBackground': '#000000',
  '--vscode-button-secondaryForeground': '#ffffff',
  '--vscode-button-border': '#6fc3df',
  '--vscode-textCodeBlock-background': '#000000',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f48771',
  '--vscode-charts-yellow': '#ffd700',
  '--vscode-editorWarning-foreground': '#ffd700',
};

export type HarnessTheme = 'dark' | 'light' | 'high-contrast';
const themes: Readonly<Record<HarnessTheme, { readonly vars: Readonly<Record<string, string>>; readonly bodyClass: string }>> = {
  dark: { vars: darkTheme, bodyClass: 'vscode-dark' },
  light: { vars: lightTheme, bodyClass: 'vscode-light' },
  'high-contrast': { vars: highContrastTheme, bodyClass: 'vscode-high-contrast' },
};

export const harnessInit = (theme: HarnessTheme): string => `
  document.addEventListener('DOMContentLoaded', () => {
    for (const [k, v] of Object.entries(${JSON.stringify(themes[theme].vars)})) document.documentElement.style.setProperty(k, v);
    document.body.classList.add(${JSON.stringify(themes[theme].bodyClass)});
  });
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    // kept in sessionStorage so a reload of the page behaves like VS Code re-creating a hidden webview
    getState: () => { const v = sessionStorage.getItem('nlw-webview-state'); return v === null ? undefined : JSON.parse(v); },
    setState: (s) => sessionStorage.setItem('nlw-webview-state', JSON.stringify(s)),
  });
`;

export async function openWebviewPage(viewport = { width: 1500, height: 950 }, theme: HarnessTheme = 'dark'): Promise<WebviewPage> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium`);
  const work = mkdtempSync(join(tmpdir(), 'nlw-webview-'));
  try {
    const bundle = readFileSync(await buildWebviewBundle(work));
    const css = readFileSync(resolve(repoRoot, 'media/topology.css'));
    const nonce = createNonce();
    return await servePage(
      work,
      (origin) => topologyHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/topology.css` }),
      new Map([
        ['/dist/webview.js', { type: 'text/javascript; charset=utf-8', body: bundle }],
        ['/media/topology.css', { type: 'text/css; charset=utf-8', body: css }],
      ]),
      viewport,
      theme,
    );
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Serves `html` (given the server's origin) at / and `files` by path from 127.0.0.1, opens it in
 * headless Chromium with the harness's stand-in for `acquireVsCodeApi`, and waits for the app's
 * `ready`. Closing the page stops the server and removes `work`; a page that does not come up is
 * closed the same way before the error is thrown.
 */
export async function servePage(
  work: string,
  html: (origin: string) => string,
  files: ReadonlyMap<string, { readonly type: string; readonly body: Buffer | string }>,
  viewport: { width: number; height: number },
  theme: HarnessTheme = 'dark',
): Promise<WebviewPage> {
  let origin = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const file = path === '/' ? { type: 'text/html; charset=utf-8', body: html(origin) } : files.get(path);
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    res.end(file.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ready = (page: Page) => page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: chromiumPath, headless: true, args: chromiumFlags, viewport, timeout: 60_000 });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(harnessInit(theme));
    await page.goto(`${origin}/`);
    await ready(page);
    const ctx = context;
    return {
      page,
      posted: () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted),
      post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as never),
      cspViolations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
      reload: async () => {
        await page.reload();
        await ready(page);
      },
      close: async () => {
        await ctx.close();
        await new Promise<void>((ok) => server.close(() => ok()));
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    server.close();
    throw e;
  }
}
