// `npm run demo`: one command from a fresh clone to netlens looking at a small lab (predemo has
// installed dependencies, brought up the engine where it can, and built). It sets up what the seed
// articles show — two published web containers on docker0, a user-defined network with two
// containers talking by name, one container on `none`, a volume and a read-only bind mount — prints
// what netlens sees (`dist/cli.js topology`), then opens VS Code with netlens installed from the
// packed .vsix: desktop VS Code when `code` is on PATH, else code-server on 127.0.0.1. Ctrl-C stops
// the editor and removes the lab.
//
//   npm run demo                    lab + editor (Ctrl-C: stop and remove the lab)
//   npm run demo -- --no-editor     lab + topology only; the lab stays up (CI-friendly)
//   npm run demo -- --down          remove the lab
//   npm run demo -- --port 8443     code-server on this port (default: 8443 or the next free one)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PREFIX = 'nl-demo-';
const IMAGE = 'netlens-busybox:1';
const WWW = join(REPO, '.cache', `${PREFIX}www`);
const say = (m) => console.log(`demo: ${m}`);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function docker(...args) {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

const lines = (s) => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** Removes everything named nl-demo-* (containers first: networks and volumes in use cannot go). */
function labDown() {
  const quiet = (...args) => spawnSync('docker', args, { encoding: 'utf8' });
  const containers = lines(quiet('ps', '-aq', '--filter', `name=^/?${PREFIX}`).stdout ?? '');
  if (containers.length) quiet('rm', '-f', '-v', ...containers);
  for (const n of lines(quiet('network', 'ls', '-q', '--filter', `name=^${PREFIX}`).stdout ?? '')) quiet('network', 'rm', n);
  const volumes = lines(quiet('volume', 'ls', '-q', '--filter', `name=^${PREFIX}`).stdout ?? '');
  if (volumes.length) quiet('volume', 'rm', '-f', ...volumes);
  rmSync(WWW, { recursive: true, force: true });
  return containers.length;
}

/** The first port from `start` on that nothing listens on at 127.0.0.1. */
async function portFrom(start, taken) {
  for (let p = start; p < start + 100; p++) {
    if (taken.has(p)) continue;
    const free = await new Promise((r) => {
      const srv = createServer();
      srv.once('error', () => r(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => r(true)));
    });
    if (free) return p;
  }
  throw new Error(`no free port in ${start}–${start + 99}`);
}

async function labUp() {
  const removed = labDown();
  if (removed) say(`removed ${removed} leftover ${PREFIX}* container(s) first`);
  docker('image', 'inspect', IMAGE);
  const p1 = await portFrom(8080, new Set());
  const p2 = await portFrom(8181, new Set([p1]));
  mkdirSync(WWW, { recursive: true });
  writeFileSync(join(WWW, 'index.html'), 'served read-only from a bind mount by nl-demo-api\n');
  // Published on loopback only: the demo must not open ports to the machine's network.
  const web = (name, port) => docker('run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  web(`${PREFIX}w1`, p1);
  web(`${PREFIX}w2`, p2);
  docker('network', 'create', `${PREFIX}net`);
  docker('volume', 'create', `${PREFIX}data`);
  docker('run', '-d', '--name', `${PREFIX}api`, '--network', `${PREFIX}net`,
    '-v', `${PREFIX}data:/data`, '-v', `${WWW}:/www:ro`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  // The client asks the api container by name every few seconds (Docker's embedded DNS at 127.0.0.11).
  docker('run', '-d', '--name', `${PREFIX}client`, '--network', `${PREFIX}net`, IMAGE, 'sh', '-c',
    `while true; do timeout 3 wget -qO /dev/null http://${PREFIX}api/ && echo ok >> /tmp/probes; sleep 5; done`);
  docker('run', '-d', '--name', `${PREFIX}none`, '--network', 'none', IMAGE, 'sleep', '1000000');
  await waitForHttp(`http://127.0.0.1:${p1}/`);
  await waitForHttp(`http://127.0.0.1:${p2}/`);
  const byName = spawnSync('docker', ['exec', `${PREFIX}client`, 'timeout', '3', 'wget', '-qO-', `http://${PREFIX}api/`], { encoding: 'utf8' });
  say('lab is up:');
  say(`  ${PREFIX}w1, ${PREFIX}w2   busybox httpd on docker0, published on http://127.0.0.1:${p1}/ and http://127.0.0.1:${p2}/`);
  say(`  ${PREFIX}net            user-defined bridge: ${PREFIX}client asks ${PREFIX}api by name (${byName.status === 0 ? 'answers' : 'NO ANSWER: ' + byName.stderr.trim()})`);
  say(`  ${PREFIX}none           a container on the none network`);
  say(`  ${PREFIX}data           a volume on ${PREFIX}api:/data; ${WWW} bind-mounted read-only on ${PREFIX}api:/www`);
}

async function waitForHttp(url) {
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within 10 s`);
}

function printTopology() {
  const cli = join(REPO, 'dist', 'cli.js');
  if (!existsSync(cli)) {
    say('dist/cli.js is not built (npm run build); skipping the topology printout');
    return;
  }
  say('what netlens sees (node dist/cli.js topology):\n');
  const r = spawnSync(process.execPath, [cli, 'topology'], { stdio: 'inherit' });
  if (r.status !== 0) say(`netlens topology exited with ${r.status}`);
  console.log();
}

function desktopCode() {
  if (flag('--code-server')) return undefined;
  return (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'code')).find((p) => existsSync(p));
}

async function openEditor() {
  const { packageVsix } = await import('./package.mjs');
  const { vsix } = packageVsix({ log: (m) => say(m) });
  const code = desktopCode();
  if (code) {
    say(`installing ${vsix} into desktop VS Code and opening the folder`);
    execFileSync(code, ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
    execFileSync(code, [REPO], { stdio: 'inherit' });
    say('in VS Code: click the netlens icon in the activity bar. Ctrl-C here removes the lab.');
    return undefined;
  }
  const { ensureCodeServer } = await import('./vscode/install-code-server.mjs');
  ensureCodeServer({ log: (m) => say(m) });
  const { startCodeServer } = await import('./vscode/run-code-server.mjs');
  // A port people can remember when it is free; the next free one after it otherwise.
  const port = option('--port') ? Number(option('--port')) : await portFrom(8443, new Set());
  const server = await startCodeServer({ folder: REPO, vsix, port, smokeTestDriver: false, log: (m) => say(m) });
  say('');
  say(`VS Code (code-server) with netlens: ${server.url}`);
  say('open it in a browser on this machine (or forward the port: ssh -L ' + `${server.port}:127.0.0.1:${server.port} ...), then click the netlens icon in the activity bar.`);
  say('Ctrl-C stops code-server and removes the lab.');
  return server;
}

async function main() {
  if (flag('--down')) {
    const n = labDown();
    say(n ? `removed the lab (${n} containers, the ${PREFIX}net network and the ${PREFIX}data volume)` : 'no lab to remove');
    return;
  }
  const engine = spawnSync('bash', [join(REPO, 'scripts', 'lab', 'ensure-engine.sh')], { stdio: 'inherit' });
  if (engine.status !== 0) {
    throw new Error('no Docker engine here: start one (dockerd, Docker Desktop, or set DOCKER_HOST) and run npm run demo again');
  }
  await labUp();
  printTopology();
  if (flag('--no-editor')) {
    say('lab left running; remove it with: npm run demo -- --down');
    return;
  }
  let server;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await server?.stop().catch(() => {});
    labDown();
    say('lab removed');
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  try {
    server = await openEditor();
  } catch (e) {
    labDown();
    throw e;
  }
  await new Promise(() => {});
}

main().catch((e) => {
  console.error(`demo: ${e.message}`);
  process.exit(1);
});
