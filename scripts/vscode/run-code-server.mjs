// Starts code-server (VS Code served to a browser, with the real Node extension host) for the
// end-to-end tests and the demo, and stops it again. Each run lives in .cache/run-<pid>-<n>/ with its
// own HOME, XDG_* folders, user-data and extensions dirs, so nothing is written into the real home,
// and a short TMPDIR (VS Code puts unix sockets there; their paths must stay under 108 characters).
// code-server runs in a process group of its own and is stopped by signalling the whole group — also
// when the caller is interrupted or throws.
//
// CLI: node scripts/vscode/run-code-server.mjs [--vsix FILE] [--port N] [FOLDER]
//      starts, prints the URL, and stops on Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE, codeServerPaths } from './install-code-server.mjs';

const running = new Set();
let runCounter = 0;

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Creates the folders of one isolated run and the environment that points into them.
 * @returns {{ dir: string, tmp: string, userDataDir: string, extensionsDir: string, env: NodeJS.ProcessEnv }}
 */
export function isolatedRun(prefix = 'run') {
  const dir = join(CACHE, `${prefix}-${process.pid}-${runCounter++}`);
  rmSync(dir, { recursive: true, force: true });
  const home = join(dir, 'home');
  // A long checkout path would push socket paths over the limit: fall back to /tmp then.
  const tmp = dir.length <= 48 ? join(dir, 't') : mkdtempSync('/tmp/nlx-');
  const layout = {
    dir, tmp, home,
    userDataDir: join(dir, 'user-data'),
    extensionsDir: join(dir, 'extensions'),
    xdgConfig: join(home, '.config'), xdgData: join(home, '.local', 'share'),
    xdgCache: join(home, '.cache'), xdgState: join(home, '.local', 'state'), xdgRuntime: join(dir, 'xdg-run'),
  };
  for (const d of Object.values(layout)) mkdirSync(d, { recursive: true, mode: 0o700 });
  const env = {
    ...process.env,
    HOME: home, TMPDIR: tmp, TMP: tmp, TEMP: tmp,
    XDG_CONFIG_HOME: layout.xdgConfig, XDG_DATA_HOME: layout.xdgData, XDG_CACHE_HOME: layout.xdgCache,
    XDG_STATE_HOME: layout.xdgState, XDG_RUNTIME_DIR: layout.xdgRuntime,
  };
  // Our own Node must not leak a debugger or preload into code-server's.
  delete env.NODE_OPTIONS;
  delete env.VSCODE_IPC_HOOK_CLI;
  return { ...layout, env };
}

/** Installs a .vsix into an extensions dir with code-server's own CLI (what a user would do). */
export function installVsix(vsix, run) {
  const { nodeBin, codeServerEntry } = codeServerPaths();
  const out = execFileSync(nodeBin, [codeServerEntry, '--install-extension', resolve(vsix),
    '--extensions-dir', run.extensionsDir, '--user-data-dir', run.userDataDir], { env: run.env, encoding: 'utf8', timeout: 60_000 });
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} did not report success:\n${out}`);
  return out.trim();
}

/**
 * Starts code-server on 127.0.0.1 and waits until /healthz answers.
 * @param {{ folder?: string, port?: number, vsix?: string, env?: Record<string,string>, run?: ReturnType<typeof isolatedRun>,
 *           settings?: Record<string, unknown>, smokeTestDriver?: boolean, keepRunDir?: boolean, log?: (m: string) => void, readyTimeoutMs?: number }} opts
 * @returns {Promise<{ port: number, baseUrl: string, url: string, folder: string, run: ReturnType<typeof isolatedRun>,
 *           logFile: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startCodeServer(opts = {}) {
  const log = opts.log ?? (() => {});
  const { nodeBin, codeServerEntry } = codeServerPaths();
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry}); run node scripts/vscode/install-code-server.mjs`);
  }
  const run = opts.run ?? isolatedRun();
  if (opts.vsix) log(installVsix(opts.vsix, run));
  const port = opts.port ?? await freePort();
  const folder = resolve(opts.folder ?? process.cwd());
  const config = join(run.dir, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  writeUserSettings(run.userDataDir, opts.settings);
  const args = [codeServerEntry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', run.userDataDir, '--extensions-dir', run.extensionsDir, '--config', config];
  // Lets a page pass extensionDevelopmentPath / extensionTestsPath in its `payload` query and
  // exposes the automation hooks the in-host test runner reports through.
  if (opts.smokeTestDriver !== false) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(folder);

  const logFile = join(run.dir, 'code-server.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(nodeBin, args, { cwd: folder, env: { ...run.env, ...opts.env }, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const baseUrl = `http://127.0.0.1:${port}`;
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });

  const handle = {
    port, baseUrl, url: `${baseUrl}/?folder=${encodeURIComponent(folder)}`, folder, run, logFile, pid: child.pid,
    stop: async () => {
      running.delete(handle);
      await killGroup(child.pid);
      handle.removeDirs();
      log(`code-server on port ${port} stopped`);
    },
    removeDirs: () => {
      if (run.tmp.startsWith('/tmp/nlx-')) rmSync(run.tmp, { recursive: true, force: true });
      if (!opts.keepRunDir) rmSync(run.dir, { recursive: true, force: true });
    },
  };
  running.add(handle);
  installExitHooks();

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      running.delete(handle);
      throw new Error(`code-server exited (${exited.code ?? exited.signal}) before it answered; log:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`code-server did not answer ${baseUrl}/healthz within ${(opts.readyTimeoutMs ?? 30_000) / 1000} s; log:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  log(`code-server ready at ${baseUrl} (pid ${child.pid}, run dir ${run.dir})`);
  return handle;
}

// A quiet first start: no welcome page, tips, update or telemetry traffic.
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

function writeUserSettings(userDataDir, extra = {}) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...extra }, null, 2));
}

/** SIGTERM to the group, SIGKILL after 5 s if anything in it is still alive. */
// The group outlives its leader while the extension host and file watchers wind down: wait for all.
async function killGroup(pid) {
  if (!signalGroup(pid, 'SIGTERM')) return;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (!groupAlive(pid)) return;
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The synchronous part of stop(), for exit paths that cannot wait.
function abandon(h) {
  running.delete(h);
  signalGroup(h.pid, 'SIGKILL');
  h.removeDirs();
}

let hooksInstalled = false;
// A run interrupted by Ctrl-C or a crash must not leave a code-server (and its extension host) behind.
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => { for (const h of running) abandon(h); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      for (const h of running) abandon(h);
      // A caller with its own handler (the demo removes its lab) decides when to exit.
      if (process.listenerCount(sig) === 0) process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    argv.splice(i, 2);
    return v;
  };
  const vsix = opt('--vsix');
  const port = opt('--port');
  const folder = argv[0] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  try {
    const cs = await startCodeServer({ folder, vsix, port: port ? Number(port) : undefined, smokeTestDriver: false, log: console.log });
    console.log(`open ${cs.url}   (Ctrl-C stops it)`);
    await new Promise(() => {});
  } catch (e) {
    console.error(`run-code-server: ${e.message}`);
    process.exit(1);
  }
}
