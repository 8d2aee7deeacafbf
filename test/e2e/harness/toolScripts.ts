/**
 * Typed access to the ES-module scripts under scripts/ (the installer, the code-server runner and the
 * packager), which the tests share with `npm run package` and the demo. The tests compile to
 * CommonJS, where TypeScript would turn `import()` into `require()`; an .mjs file must be loaded
 * with a real dynamic import, hence the indirection.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root (this file runs from out/test/e2e/harness/). */
export const REPO = resolve(__dirname, '..', '..', '..', '..');

export interface IsolatedRun {
  readonly dir: string;
  readonly tmp: string;
  readonly home: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface CodeServer {
  readonly port: number;
  readonly baseUrl: string;
  readonly url: string;
  readonly folder: string;
  readonly run: IsolatedRun;
  readonly logFile: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  folder?: string;
  port?: number;
  vsix?: string;
  env?: Record<string, string>;
  run?: IsolatedRun;
  settings?: Record<string, unknown>;
  smokeTestDriver?: boolean;
  keepRunDir?: boolean;
  log?: (m: string) => void;
  readyTimeoutMs?: number;
}

export interface InstallerModule {
  ensureCodeServer(opts?: { force?: boolean; log?: (m: string) => void }): { nodeBin: string; codeServerEntry: string; chromium: string };
  codeServerPaths(): { nodeBin: string; codeServerEntry: string; chromium: string };
}

export interface RunnerModule {
  startCodeServer(opts?: StartOptions): Promise<CodeServer>;
  isolatedRun(prefix?: string): IsolatedRun;
  freePort(): Promise<number>;
  installVsix(vsix: string, run: IsolatedRun): string;
}

export interface SuiteBundlerModule {
  bundleHostSuite(outDir: string): Promise<string>;
}

export interface PackagerModule {
  packageVsix(opts?: { out?: string; log?: (m: string) => void }): { vsix: string; bytes: number; files: string[] };
}

const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

const load = <T>(rel: string): Promise<T> => importEsm(pathToFileURL(join(REPO, rel)).href) as Promise<T>;

export const installer = (): Promise<InstallerModule> => load('scripts/vscode/install-code-server.mjs');
export const runner = (): Promise<RunnerModule> => load('scripts/vscode/run-code-server.mjs');
export const suiteBundler = (): Promise<SuiteBundlerModule> => load('scripts/vscode/bundle-host-suite.mjs');
export const packager = (): Promise<PackagerModule> => load('scripts/package.mjs');
