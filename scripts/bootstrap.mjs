// Makes a fresh clone runnable: installs npm dependencies when missing, brings up the local Docker
// engine and the test image when this machine can (scripts/lab/ensure-engine.sh), then builds.
// Each step says what it does; a step that cannot be done here says why and the run goes on, so the
// tests that need it fail with a precise reason instead of hanging.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

const lock = existsSync('package-lock.json') ? statSync('package-lock.json').mtimeMs : 0;
const installed = existsSync('node_modules/.package-lock.json') ? statSync('node_modules/.package-lock.json').mtimeMs : -1;
if (installed < lock) {
  console.log('bootstrap: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (process.env.NETLENS_SKIP_ENGINE !== '1') {
  try {
    run('bash', ['scripts/lab/ensure-engine.sh']);
  } catch {
    console.error('bootstrap: the Docker engine could not be brought up here; tests that need it will fail and say why');
  }
}
run('node', ['scripts/build.mjs']);
