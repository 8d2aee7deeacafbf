// Runs the test suites: TypeScript is compiled to out/ (also a type check), then mocha runs the
// chosen layers. `npm test` runs every layer; `npm test -- unit` (or browser, integration, e2e) one of them.
// The layers: unit is pure (recorded output in plain Node: no shell, no engine, no browser), browser
// draws the webview in headless Chromium, integration needs root, a shell, an engine, sshd, namespaces.
//
// Engines: when the integration layer is chosen, the chosen layers run on Debian 12's Engine 20.10
// (scripts/lab/use-engine.sh 20 makes sure that is the one answering), then Engine 28 is fetched
// into .cache/ (scripts/lab/engine28.sh), switched in, and the engine-facing suites in ENGINE28_SPECS
// run again on it; afterwards Engine 20.10 is switched back in, also when the Engine 28 run failed.
// Only one engine can own docker0 and the DOCKER chains at a time, hence the switching.
//
// Each mocha run prints its own labelled line (`engine 28.5.2: 40 passed, 2 failed`, from
// test/support/reporter.js, which also writes the counts to a file); the closing line, which CI
// reads, is printed here alone and sums every run: `N passed, N failed`. A run that could not
// start (an engine that would not come up, a mocha that died before its end) counts as one failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The suites that run a second time on Engine 28: the kernel-agreement suite, the seed scenarios and
 * the other suites that read what the engine made (about 30 s more on 2 cores). Those that test
 * transports, shells and the extension's plumbing are the same on every engine and run once.
 */
const ENGINE28_SPECS = [
  // the suites that read the host engine; those that bring up a host of their own in namespaces
  // (Docker 29's documented rulesets, the hook order, Engine 28's options, IPv6) run once
  'out/test/integration/trace/traceAgreesWithKernel.test.js',
  'out/test/integration/session/kernelWatch.test.js',
  'out/test/integration/trace/missingFacts.test.js',
  'out/test/integration/model/seeds.test.js',
  'out/test/integration/model/overlay.test.js',
  'out/test/integration/docker/engineFacts.test.js',
  'out/test/integration/docker/events.test.js',
  'out/test/integration/docker/storage.test.js',
  'out/test/integration/host/collectLocal.test.js',
  // the helper container reads the engine's own host through the engine: its model must equal the local shell's on 28 too
  'out/test/integration/host/containerShell.test.js',
  // rootless Docker follows the build the machine's engine runs (rootlessLab.ts): Engine 28's own dockerd-rootless.sh and dockerd
  'out/test/integration/rootless/rootless.test.js',
  'out/test/integration/cli/cli.test.js',
  // what the CLI keeps of an engine between runs: read from Engine 28's inspect as well, and its
  // answers kept under the fingerprint of Engine 28's own dockerd
  'out/test/integration/cli/detailsStore.test.js',
  'out/test/integration/host/engineFingerprint.test.js',
  // Podman's netavark writes into the same iptables tables as Docker: its traces beside Engine 28's
  // chains (DOCKER-FORWARD, raw PREROUTING drops) as well as 20.10's
  'out/test/integration/podman/podman.test.js',
  // a real docker-compose project: the engine's labels and its published service's DNAT rule
  'out/test/integration/compose/compose.test.js',
];

const layers = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = layers.length ? layers : ['unit', 'browser', 'integration', 'e2e'];
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const phase = (what) => console.log(`::: ${what} (${secs(Date.now() - t0)} since start)`);

rmSync('out', { recursive: true, force: true });
execFileSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
phase('compiled');
// ESLint with type information: floating promises and the layer boundaries (eslint.config.mjs);
// then core, protocol and cli compiled without the DOM library, so `document` there fails here.
execFileSync('npx', ['eslint', '.'], { stdio: 'inherit' });
execFileSync('npx', ['tsc', '-p', 'tsconfig.core.json'], { stdio: 'inherit' });
phase('linted');

const countsDir = mkdtempSync(join(tmpdir(), 'netlens-counts-'));
/** @type {{ label: string, passed: number, failed: number, skipped: number, broken?: string, failures?: { title: string, error: string }[] }[]} */
const runs = [];

function engineVersion() {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs a lab script, its output shown; true when it succeeded within the limit. */
function lab(script, ...args) {
  const r = spawnSync('bash', [join('scripts', 'lab', script), ...args], { stdio: 'inherit', timeout: 300_000 });
  return r.status === 0;
}

/** One mocha process over `specs`, labelled; its counts are read back from the reporter's file. */
function mocha(label, specs) {
  const countsFile = join(countsDir, `${runs.length}.json`);
  // --exit: the run ends when the last test does, even if a test leaves a keep-alive socket open
  // (Node 20's global HTTP agent keeps engine connections alive); CI must never hang on that.
  const args = ['mocha', '--exit', '--reporter', './test/support/reporter.js', '--timeout', '60000', ...specs];
  if (existsSync('out/test/support/hooks.js')) args.splice(1, 0, '--require', './out/test/support/hooks.js');
  const result = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, NETLENS_RUN_LABEL: label, NETLENS_COUNTS_FILE: countsFile } });
  if (!existsSync(countsFile)) {
    runs.push({ label, passed: 0, failed: 0, skipped: 0, broken: `mocha ended (status ${result.status ?? result.signal}) before its run did` });
    return;
  }
  const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  const run = { label, ...counts };
  if (result.status !== 0 && counts.failed === 0) run.broken = `mocha exited with status ${result.status ?? result.signal} after 0 failures`;
  runs.push(run);
}

const withEngine = chosen.includes('integration') || chosen.includes('e2e');
const switching = chosen.includes('integration');
const specs = chosen.filter((l) => existsSync(`out/test/${l}`)).map((l) => `out/test/${l}/**/*.test.js`);

// --- the chosen layers, on the default engine (Engine 20.10) ---
if (switching && !lab('use-engine.sh', '20')) {
  console.log('::: Engine 20.10 could not be brought up: the integration tests below will say what is missing');
}
const v20 = withEngine ? engineVersion() : null;
if (withEngine) console.log(`::: ${chosen.join(', ')} against ${v20 ? `engine ${v20}` : 'no engine (docker version did not answer)'}`);
mocha(withEngine ? `${chosen.join('+')} on engine ${v20 ? v20.replace(/ .*/, '') : 'none'}` : chosen.join('+'), specs);
phase(`${chosen.join(', ')} done`);

// --- the engine-facing suites again, on Engine 28 ---
if (switching) {
  const times = {};
  const timed = (name, fn) => {
    const start = Date.now();
    try {
      return fn();
    } finally {
      times[name] = Date.now() - start;
    }
  };
  try {
    const fetched = timed('fetch', () => lab('engine28.sh'));
    const up = fetched && timed('switch to 28', () => lab('use-engine.sh', '28'));
    const v28 = up ? engineVersion() : null;
    if (!fetched || !up || !v28?.startsWith('28.')) {
      runs.push({ label: 'engine 28', passed: 0, failed: 0, skipped: 0, broken: !fetched ? 'Engine 28 could not be fetched (scripts/lab/engine28.sh)' : `Engine 28 did not come up (scripts/lab/use-engine.sh 28; /var/log/dockerd28.log)${v28 ? `: ${v28} answers instead` : ''}` });
    } else {
      console.log(`::: ${ENGINE28_SPECS.join(', ')} against engine ${v28}`);
      timed('suites on 28', () => mocha(`engine ${v28.replace(/ .*/, '')}`, ENGINE28_SPECS));
    }
  } finally {
    // the machine ends as it began: Engine 20.10 answers, whatever happened on 28
    if (!timed('switch back to 20.10', () => lab('use-engine.sh', '20'))) {
      runs.push({ label: 'engine 20.10 (switch back)', passed: 0, failed: 0, skipped: 0, broken: 'Engine 20.10 did not come back (scripts/lab/use-engine.sh 20; /var/log/dockerd.log)' });
    }
  }
  const total = Object.values(times).reduce((a, b) => a + b, 0);
  console.log(`::: Engine 28 part took ${secs(total)}: ${Object.entries(times).map(([k, ms]) => `${k} ${secs(ms)}`).join(', ')}`);
}
rmSync(countsDir, { recursive: true, force: true });

// --- the closing line: every run summed ---
const broken = runs.filter((r) => r.broken);
// every failure named once more at the very end, where a log read from its tail shows it
for (const r of runs) {
  for (const f of r.failures ?? []) {
    console.log(`FAILED (${r.label}) ${f.title}\n  ${f.error.replace(/\n/g, '\n  ')}`);
  }
}
for (const r of broken) console.log(`${r.label}: ${r.broken} (counted as 1 failed)`);
const sum = (k) => runs.reduce((a, r) => a + r[k], 0);
const passed = sum('passed');
const failed = sum('failed') + broken.length;
const skipped = sum('skipped');
phase('all runs done');
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
