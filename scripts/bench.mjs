// npm run bench — prints figures, asserts nothing.
// Creates N busybox containers over M user networks (prefix nlb-), then times, over several runs,
//   (a) `node dist/cli.js topology --json` (engine + host facts joined), and
//   (b) the hand-run bundle a user would type for fewer facts: docker network inspect (all) +
//       docker inspect (all containers) + ip -json addr + bridge -json link + iptables-save,
// and reports medians plus engine API calls and shell round trips per snapshot.
// Also runs the trace and webview benchmarks when their scripts exist.
// Usage: npm run bench [-- --containers 100 --networks 10 --runs 5 --keep]
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '100' },
    networks: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.containers);
const M = Number(values.networks);
const RUNS = Number(values.runs);
const PREFIX = 'nlb-';

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timeIt = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

function cleanup() {
  const ids = sh('docker', ['ps', '-aq', '--filter', `name=^${PREFIX}`]).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  const nets = sh('docker', ['network', 'ls', '-q', '--filter', `name=^${PREFIX}`]).split('\n').filter(Boolean);
  if (nets.length) spawnSync('docker', ['network', 'rm', ...nets], { stdio: 'ignore' });
}

cleanup();
console.log(`bench: creating ${N} containers over ${M} networks (prefix ${PREFIX}) …`);
const tSetup = Date.now();
for (let n = 0; n < M; n++) sh('docker', ['network', 'create', `${PREFIX}net${n}`]);
const batch = [];
for (let i = 0; i < N; i++) {
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
console.log(`bench: setup took ${((Date.now() - tSetup) / 1000).toFixed(1)} s`);

try {
  const cli = [];
  let stats = null;
  for (let r = 0; r < RUNS; r++) {
    let out = '';
    cli.push(timeIt(() => { out = sh('node', ['dist/cli.js', 'topology', '--json']); }));
    stats = JSON.parse(out).stats;
  }
  const bundle = [];
  for (let r = 0; r < RUNS; r++) {
    bundle.push(timeIt(() => {
      const nets = sh('docker', ['network', 'ls', '-q']).split('\n').filter(Boolean);
      sh('docker', ['network', 'inspect', ...nets]);
      const cs = sh('docker', ['ps', '-aq']).split('\n').filter(Boolean);
      sh('docker', ['inspect', ...cs]);
      sh('ip', ['-json', 'addr']);
      sh('bridge', ['-json', 'link']);
      sh('iptables-save');
    }));
  }
  // What the extension does on every refresh: one long-lived session, so container details are
  // cached and each snapshot makes list calls only.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.test.json', '--outDir', 'out-bench'], { stdio: 'inherit' });
  const { createSession } = require(path.resolve('out-bench/src/core/session.js'));
  const session = createSession({ hostShell: 'local' });
  const cold = await session.snapshot();
  const warm = [];
  let warmStats = null;
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    warmStats = (await session.snapshot()).stats;
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await session.dispose();
  const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log('');
  console.log(`topology --json (${N} containers, ${M}+ networks): ${fmt(cli)}`);
  console.log(`  per snapshot: ${stats.apiCalls} engine API calls, ${stats.shellRoundTrips} shell round trip(s), collect ${stats.collectMs} ms in-process`);
  console.log(`hand-run bundle (docker network inspect + docker inspect + ip addr + bridge link + iptables-save): ${fmt(bundle)}`);
  console.log(`ratio netlens / bundle: ${(median(cli) / median(bundle)).toFixed(2)}`);
  console.log(`in-process session (the extension's refresh): first snapshot ${cold.stats.apiCalls} API calls (list + one inspect per container, then cached); later snapshots ${fmt(warm)}, ${warmStats.apiCalls} API calls, ${warmStats.shellRoundTrips} shell round trip(s)`);
} finally {
  if (!values.keep) {
    cleanup();
    console.log('bench: removed the bench containers and networks');
  }
}

for (const extra of ['scripts/bench-trace.mjs', 'scripts/bench-webview.mjs']) {
  if (existsSync(extra)) {
    console.log(`\n--- ${extra}`);
    spawnSync('node', [extra], { stdio: 'inherit' });
  }
}
