// npm run bench — prints figures, asserts nothing.
// Creates busybox containers over M user networks (prefix nlb-), growing to each count asked for
// (--containers 25,100,300), and at each count times, in paired rounds (each round runs every
// contender once, in turn, so load on the machine hits them alike):
//   (a) `node dist/cli.js topology --json` (built with --minify, as packaged) — a new user's cold
//       run: engine + host facts joined;
//   (b) the hand-run bundle a user would type for fewer facts: docker network inspect (all) +
//       docker inspect (all containers) + ip -json addr + bridge -json link + iptables-save;
//   (c) with --baseline DIR, the same CLI built from another checkout (e.g. main), for before/after;
//   (d) the floor under any cold run: `node -e 0` (Node's own start) and `netlens --version` (that
//       and loading the CLI's bundle), so that what the topology itself costs shows above it;
// then, in-process, once the kernel is quiet after the containers started (waited for, up to 60 s,
// and said), a warm refresh (session.snapshot() again, as a manual
// refresh does), a refresh after an engine event (what the extension runs on `docker start`: what
// container events change and the named container's namespace; the rest kept, HostFacts.kept),
// the host side alone (collectHostFacts), its cost per extra container between counts, the CLI's
// peak memory (GNU time) and the engine calls and shell round trips per refresh.
// Also runs the trace and webview benchmarks unless --no-extras.
// Usage: npm run bench [-- --containers 25,100,300 --networks 10 --runs 5 --baseline DIR --keep --no-extras --no-build]
// (--baseline DIR: a checkout with node_modules, e.g. `git worktree add DIR main`; it is built there.)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { eventLatency, printEventLatency } from './bench-events.mjs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '25,100' },
    networks: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-extras': { type: 'boolean', default: false },
    // reuse out-bench/ and dist/ built by an earlier run (keeps a shared engine's lock short)
    'no-build': { type: 'boolean', default: false },
  },
});
const COUNTS = values.containers.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
const M = Number(values.networks);
const RUNS = Number(values.runs);
const PREFIX = 'nlb-';
if (COUNTS.length === 0) throw new Error(`--containers wants counts like 25,100,300, got ${values.containers}`);

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const timeIt = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return ms(t);
};
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** The builds to time: this checkout and, with --baseline, another one. */
function build(dir, label) {
  const outDir = path.join(dir, 'out-bench');
  if (!values['no-build'] || !existsSync(outDir) || !existsSync(path.join(dir, 'dist/cli.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.test.json', '--outDir', outDir], { cwd: dir, stdio: 'inherit' });
    // the production build, as `npm run package` makes it: what a user runs
    execFileSync('node', ['scripts/build.mjs', '--minify'], { cwd: dir, stdio: 'inherit' });
  }
  const core = (m) => require(path.join(outDir, 'src/core', m));
  return { label, outDir, cli: path.join(dir, 'dist/cli.js'), session: core('session.js'), collect: core('host/collect.js'), shell: core('host/shell.js') };
}
const builds = [build(process.cwd(), 'netlens')];
if (values.baseline) {
  const dir = path.resolve(values.baseline);
  if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
  builds.push(build(dir, `baseline (${path.basename(dir)})`));
}

function cleanup() {
  const ids = sh('docker', ['ps', '-aq', '--filter', `name=^${PREFIX}`]).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  const nets = sh('docker', ['network', 'ls', '-q', '--filter', `name=^${PREFIX}`]).split('\n').filter(Boolean);
  if (nets.length) spawnSync('docker', ['network', 'rm', ...nets], { stdio: 'ignore' });
}
let cleaned = false;
const finish = () => {
  if (cleaned || values.keep) return;
  cleaned = true;
  cleanup();
  console.log('bench: removed the bench containers and networks');
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    finish();
    process.exit(130);
  });
}

let created = 0;
async function growTo(n) {
  const t = Date.now();
  if (created === 0) for (let k = 0; k < M; k++) sh('docker', ['network', 'create', `${PREFIX}net${k}`]);
  const batch = [];
  for (let i = created; i < n; i++) {
    const args = ['run', '-d', '--name', `${PREFIX}c${i}`, '--network', `${PREFIX}net${i % M}`];
    if (i % 10 === 0) args.push('-p', `127.0.0.1:${30000 + i}:80`);
    args.push('netlens-busybox:1', 'httpd', '-f', '-p', '80', '-h', '/www');
    batch.push(args);
  }
  // docker run in small parallel groups: setup time is not what we measure.
  for (let i = 0; i < batch.length; i += 4) {
    await Promise.all(batch.slice(i, i + 4).map((args) => new Promise((resolve, reject) => {
      execFile('docker', args, (err) => (err ? reject(err) : resolve()));
    })));
  }
  created = n;
  console.log(`bench: ${n} containers over ${M} networks (setup ${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

function bundle() {
  const nets = sh('docker', ['network', 'ls', '-q']).split('\n').filter(Boolean);
  sh('docker', ['network', 'inspect', ...nets]);
  const cs = sh('docker', ['ps', '-aq']).split('\n').filter(Boolean);
  sh('docker', ['inspect', ...cs]);
  sh('ip', ['-json', 'addr']);
  sh('bridge', ['-json', 'link']);
  sh('iptables-save');
}

/** Peak resident memory of one node run (GNU time's %M, KiB), or null without /usr/bin/time. */
function peakMemoryMiB(...nodeArgs) {
  if (!existsSync('/usr/bin/time')) return null;
  const r = spawnSync('/usr/bin/time', ['-f', 'NLB_MAXRSS %M', 'node', ...nodeArgs], { encoding: 'utf8', maxBuffer: 256 << 20, env: cliEnv });
  const m = /NLB_MAXRSS (\d+)/.exec(r.stderr ?? '');
  return m ? Number(m[1]) / 1024 : null;
}

/** A process doing what the extension does on refreshes: one session, a first and three warm snapshots. */
const refreshScript = (outDir) => `const { createSession } = require(${JSON.stringify(path.join(outDir, 'src/core/session.js'))});
(async () => { const s = createSession({ hostShell: 'local', kernelWatch: true }); const stop = s.onEvent(() => undefined); for (let i = 0; i < 4; i++) await s.snapshot(undefined, { containerListeners: false }); stop(); await s.dispose(); })();`

// Node reads NODE_EXTRA_CA_CERTS's whole file when it starts, before any of netlens runs: this
// machine sets it (about 80 ms a start here); a fresh machine does not. The CLI is timed without
// it, as a new user's would run, and what it would add is printed.
// The CLI's caches — its compile cache (src/cli/launch.ts) and the container details it keeps
// (src/cli/detailsStore.ts) — live in a directory of the bench's own: a first run writes them, and
// each count's rounds start after one untimed run, as a user's second run would; a few runs with an
// empty directory (what a first run ever costs) are timed beside.
const cliEnv = { ...process.env, XDG_CACHE_HOME: mkdtempSync(path.join(tmpdir(), 'nlb-cache-')) };
delete cliEnv.NODE_EXTRA_CA_CERTS;
process.on('exit', () => rmSync(cliEnv.XDG_CACHE_HOME, { recursive: true, force: true }));
if (process.env.NODE_EXTRA_CA_CERTS) {
  const start = (env) => median(Array.from({ length: 5 }, () => timeIt(() => sh('node', ['-e', '0'], { env }))));
  const withIt = start(process.env);
  const without = start(cliEnv);
  console.log(`bench: NODE_EXTRA_CA_CERTS is set here (${process.env.NODE_EXTRA_CA_CERTS}): node -e 0 takes ${withIt.toFixed(0)} ms with it, ${without.toFixed(0)} ms without; the CLI is timed without it, as on a fresh machine`);
}

/** what the kernel watcher vouches for besides the firewall: a refresh that kept them all found the kernel quiet */
const QUIET_SECTIONS = ['ip-addr', 'ip-route', 'ip-neigh'];

const results = [];
try {
  cleanup();
  for (const n of COUNTS) {
    await growTo(n);
    const r = { n, cli: builds.map(() => []), uncached: builds.map(() => []), stats: builds.map(() => null), bundle: [], nodeStart: [], version: [], loadBefore: load() };
    for (const b of builds) sh('node', [b.cli, 'topology', '--json'], { env: cliEnv });
    // paired rounds: the contenders take turns, in an order that rotates every round
    for (let round = 0; round < RUNS; round++) {
      const contenders = [...builds.map((b, i) => () => {
        let out = '';
        r.cli[i].push(timeIt(() => { out = sh('node', [b.cli, 'topology', '--json'], { env: cliEnv }); }));
        r.stats[i] = JSON.parse(out).stats;
      }), () => r.bundle.push(timeIt(bundle)),
      // the floor under any cold run: Node's own start, and that plus loading the CLI's bundle
      () => r.nodeStart.push(timeIt(() => sh('node', ['-e', '0'], { env: cliEnv }))),
      () => r.version.push(timeIt(() => sh('node', [builds[0].cli, '--version'], { env: cliEnv })))];
      for (let k = 0; k < contenders.length; k++) contenders[(k + round) % contenders.length]();
      // a first run ever: an empty cache directory (no compile cache, no container details kept)
      if (round < 3) builds.forEach((b, i) => {
        const fresh = mkdtempSync(path.join(tmpdir(), 'nlb-first-'));
        try {
          r.uncached[i].push(timeIt(() => sh('node', [b.cli, 'topology', '--json'], { env: { ...cliEnv, XDG_CACHE_HOME: fresh } })));
        } finally {
          rmSync(fresh, { recursive: true, force: true });
        }
      });
    }
    // in-process, as the extension refreshes: one long-lived session, container details cached
    r.warm = [];
    r.host = [];
    for (const b of builds) {
      // what the extension asks for on a refresh (a baseline without the option reads everything)
      const refresh = { containerListeners: false };
      // as the extension: with the kernel watcher (a build without it ignores the option)
      const session = b.session.createSession({ hostShell: 'local', kernelWatch: true });
      // as the extension: listening to the engine's events (a session that hears the same engine
      // process keeps its GET /info and /version answers)
      let streamUp = false;
      const stopEvents = session.onEvent(() => undefined, (state) => (streamUp = state === 'connected'));
      for (const t0 = Date.now(); !streamUp && Date.now() - t0 < 10_000; ) await new Promise((r) => setTimeout(r, 20));
      const cold = await session.snapshot(undefined, refresh);
      // Containers just started keep the kernel busy for a while (veth carriers, IPv6 addresses and
      // router solicitations, neighbour entries going): a refresh then reads what changed. Wait, up
      // to 60 s, for a quiet one — one whose read kept the process table and every section the
      // kernel watcher hears — so "warm" means what it says; say how long, and how many timed
      // refreshes found it so.
      const quietRead = (t) => t.host?.kept?.processes === true && QUIET_SECTIONS.every((n) => t.host.kept.sections.includes(n));
      const quietFrom = Date.now();
      let quiet = false;
      while (!quiet && Date.now() - quietFrom < 60_000) {
        quiet = quietRead(await session.snapshot(undefined, refresh));
        if (!quiet) await new Promise((r) => setTimeout(r, 500));
      }
      r.quietAfter = r.quietAfter ?? [];
      r.quietAfter.push(quiet ? (Date.now() - quietFrom) / 1000 : null);
      const warm = [];
      const afterEvent = [];
      let warmStats = null;
      let kept = null;
      let warmKept = null;
      let warmQuiet = 0;
      // what the extension runs after an engine event: only what container events change, and the
      // namespace of the container the event names (one of the bench's, read again every time)
      const named = cold.containers.find((c) => c.name.startsWith(PREFIX))?.id;
      for (let k = 0; k < RUNS; k++) {
        let t = process.hrtime.bigint();
        const w = await session.snapshot(undefined, refresh);
        warm.push(ms(t));
        warmStats = w.stats;
        warmKept = w.host?.kept ? { ...w.host.kept, engine: w.engine.keptSince !== undefined } : null;
        if (quietRead(w)) warmQuiet++;
        t = process.hrtime.bigint();
        kept = (await session.snapshot(undefined, { ...refresh, changedContainers: named ? [named] : [] })).host?.kept ?? null;
        afterEvent.push(ms(t));
      }
      stopEvents();
      await session.dispose();
      const shell = b.shell.createLocalShell();
      const host = [];
      for (let k = 0; k < RUNS; k++) host.push((await b.collect.collectHostFacts(shell, refresh)).elapsedMs);
      await shell.dispose();
      r.warm.push({ cold: cold.stats, warm, warmStats, afterEvent, kept, warmKept, warmQuiet });
      r.host.push(host);
    }
    r.memory = builds.map((b) => peakMemoryMiB(b.cli, 'topology', '--json'));
    r.refreshMemory = builds.map((b) => peakMemoryMiB('-e', refreshScript(b.outDir)));
    r.events = await eventLatency(builds[0].outDir, { name: `${PREFIX}ev`, firstNetwork: `${PREFIX}net0`, network: `${PREFIX}net1`, image: 'netlens-busybox:1' }).catch((e) => ({ error: String(e.message ?? e) }));
    r.loadAfter = load();
    results.push(r);

    const bundleMs = median(r.bundle);
    console.log('');
    console.log(`=== ${n} containers over ${M} networks (load average ${r.loadBefore} → ${r.loadAfter}, 2 cores here: other work inflates every figure alike)`);
    console.log(`hand-run bundle (docker network inspect + docker inspect + ip addr + bridge link + iptables-save): ${fmt(r.bundle)}`);
    builds.forEach((b, i) => {
      const s = r.stats[i];
      const w = r.warm[i];
      const ratios = r.cli[i].map((x, k) => x / r.bundle[k]);
      console.log(`${b.label}:`);
      console.log(`  cold topology --json: ${fmt(r.cli[i])}; ${(median(r.cli[i]) / bundleMs).toFixed(2)}× the bundle (median of paired ratios ${median(ratios).toFixed(2)}×)`);
      console.log(`    a first run ever (empty cache directory: no compile cache, no container details kept): ${fmt(r.uncached[i])}`);
      if (i === 0) {
        const floor = median(r.version);
        console.log(`    the floor under it: Node's own start (node -e 0) ${fmt(r.nodeStart)}; netlens --version (that, and loading the bundle) ${fmt(r.version)}; above that floor the topology takes ${(median(r.cli[i]) - floor).toFixed(0)} ms, ${((median(r.cli[i]) - floor) / bundleMs).toFixed(2)}× the bundle`);
      }
      console.log(`    per run: ${s.apiCalls} engine API calls (a first run ever, or a session's first snapshot, makes ${w.cold.apiCalls - w.warmStats.apiCalls} more: one inspect per container, whose answers the CLI keeps in its cache directory), ${s.shellRoundTrips} shell round trip(s)`);
      if (r.quietAfter?.[i] !== undefined) console.log(`  the kernel went quiet ${r.quietAfter[i] === null ? 'not within 60 s (a build without the watcher never says so)' : `${r.quietAfter[i].toFixed(1)} s after the warm session's first read`}`);
      console.log(`  warm refresh (session.snapshot() again, as the extension refreshes): ${fmt(w.warm)}; ${(median(w.warm) / bundleMs).toFixed(2)}× the bundle; ${w.warmStats.apiCalls} engine API calls, ${w.warmStats.shellRoundTrips} shell round trip(s); ${w.warmKept ? `kept ${w.warmKept.namespaces} namespaces and ${w.warmKept.sections.join(', ')}${w.warmKept.watched ? ' (kernel watcher quiet)' : ''}${w.warmKept.engine ? "; the engine's /info and /version (its event stream held)" : ''}` : 'kept nothing (read everything)'}; ${w.warmQuiet ?? 0} of ${w.warm.length} found the kernel quiet`);
      console.log(`  refresh after an engine event naming one container (re-reads what container events change and that namespace): ${fmt(w.afterEvent)}; ${(median(w.afterEvent) / bundleMs).toFixed(2)}× the bundle; ${w.kept ? `kept ${w.kept.namespaces} namespaces and ${w.kept.sections.join(', ')}` : 'kept nothing (a build without it reads everything)'}`);
      console.log(`  host side alone (collectHostFacts as a refresh runs it, local shell): ${fmt(r.host[i])}`);
      if (r.memory[i] !== null) console.log(`  peak memory of the CLI (GNU time, max RSS): ${r.memory[i].toFixed(0)} MiB`);
      if (r.refreshMemory[i] !== null) console.log(`  peak memory of the extension's refresh (a process taking a first and three warm snapshots): ${r.refreshMemory[i].toFixed(0)} MiB`);
      if (i === 0) {
        if (r.events.error) console.log(`  event → view: not measured: ${r.events.error}`);
        else printEventLatency(b.label, r.events);
      }
    });
  }
  console.log('');
  console.log('=== summary (medians; ratios against the bundle of the same round)');
  const head = ['containers', 'build', 'bundle ms', 'cold CLI ms', 'cold ×', 'floor ms (netlens --version)', 'warm ms', 'warm ×', 'after-event ms', 'after-event ×', 'host ms', 'API calls cold/warm', 'round trips', 'CLI max RSS MiB', 'refresh max RSS MiB', 'start shown/confirmed ms', 'connect shown/confirmed ms'];
  console.log(head.join(' | '));
  for (const r of results) {
    builds.forEach((b, i) => {
      const bundleMs = median(r.bundle);
      const w = r.warm[i];
      console.log([r.n, b.label, bundleMs.toFixed(0), median(r.cli[i]).toFixed(0), (median(r.cli[i]) / bundleMs).toFixed(2), median(r.version).toFixed(0), median(w.warm).toFixed(0), (median(w.warm) / bundleMs).toFixed(2), median(w.afterEvent).toFixed(0), (median(w.afterEvent) / bundleMs).toFixed(2), median(r.host[i]).toFixed(0), `${r.stats[i].apiCalls}/${w.warmStats.apiCalls}`, `${r.stats[i].shellRoundTrips}/${w.warmStats.shellRoundTrips}`, r.memory[i] === null ? '?' : r.memory[i].toFixed(0), r.refreshMemory[i] === null ? '?' : r.refreshMemory[i].toFixed(0), i === 0 && !r.events.error ? `${r.events.start.shown.toFixed(0)}/${r.events.start.confirmed.toFixed(0)}` : '-', i === 0 && !r.events.error ? `${r.events.connect.shown.toFixed(0)}/${r.events.connect.confirmed.toFixed(0)}` : '-'].join(' | '));
    });
  }
  if (results.length > 1) {
    console.log('');
    console.log('=== cost per extra container (difference of medians between counts)');
    for (let k = 1; k < results.length; k++) {
      const [a, b] = [results[k - 1], results[k]];
      const dn = b.n - a.n;
      builds.forEach((build, i) => {
        const host = (median(b.host[i]) - median(a.host[i])) / dn;
        const warm = (median(b.warm[i].warm) - median(a.warm[i].warm)) / dn;
        const cold = (median(b.cli[i]) - median(a.cli[i])) / dn;
        console.log(`${build.label}, ${a.n} → ${b.n}: host side ${host.toFixed(2)} ms, warm refresh ${warm.toFixed(2)} ms, cold CLI ${cold.toFixed(2)} ms per container (bundle ${((median(b.bundle) - median(a.bundle)) / dn).toFixed(2)} ms)`);
      });
    }
  }
} finally {
  finish();
}

if (!values['no-extras']) {
  for (const extra of ['scripts/bench-trace.mjs', 'scripts/bench-webview.mjs']) {
    if (existsSync(extra)) {
      console.log(`\n--- ${extra}`);
      spawnSync('node', [extra], { stdio: 'inherit' });
    }
  }
}
