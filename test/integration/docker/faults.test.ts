/**
 * Engine faults a user meets, provoked for real: no socket, a socket they may not open (checked as
 * the unprivileged user 65534 against the real /var/run/docker.sock), a closed tcp port, and a
 * socket that accepts connections and never answers (a unix socket server of the test's own).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { NetlensError } from '../../../src/core/errors';
import { freePort, requireRealEngine } from '../../support/lab';
import { startHungSocket, type HungSocket } from '../../support/faults';

async function snapshotError(dockerHost: string): Promise<NetlensError> {
  const endpoint = resolveEngineEndpoint({ dockerHost, env: {} });
  try {
    await collectEngineFacts(createDockerClient(endpoint), endpoint);
  } catch (e) {
    assert.ok(e instanceof NetlensError, String(e));
    return e;
  }
  return assert.fail(`expected ${dockerHost} to fail`);
}

describe('docker faults on the real machine', function () {
  this.timeout(60_000);
  before(() => requireRealEngine());

  it('a socket path that does not exist → ENGINE_UNREACHABLE', async () => {
    const e = await snapshotError('unix:///run/nld-no-such-dir/docker.sock');
    assert.equal(e.code, 'ENGINE_UNREACHABLE');
    assert.match(e.message, /no socket at \/run\/nld-no-such-dir\/docker\.sock — is dockerd running\?/);
    assert.equal(e.tried, 'unix:///run/nld-no-such-dir/docker.sock');
  });

  it('the real docker socket opened by a user outside the docker group → ENGINE_PERMISSION', () => {
    const mode = statSync('/var/run/docker.sock').mode & 0o777;
    assert.equal(mode & 0o006, 0, 'precondition: the socket is not open to others');
    // A child node process as nobody (uid/gid 65534, no supplementary groups) runs the same code.
    const compiled = join(__dirname, '..', '..', '..', 'src', 'core', 'docker');
    const script = `
      const { resolveEngineEndpoint } = require(${JSON.stringify(join(compiled, 'connection.js'))});
      const { createDockerClient } = require(${JSON.stringify(join(compiled, 'client.js'))});
      const { collectEngineFacts } = require(${JSON.stringify(join(compiled, 'engine.js'))});
      const ep = resolveEngineEndpoint({ env: { HOME: '/nonexistent' } });
      collectEngineFacts(createDockerClient(ep), ep).then(
        () => console.log(JSON.stringify({ ok: true })),
        (e) => console.log(JSON.stringify({ code: e.code, message: e.message, tried: e.tried })),
      );`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    });
    assert.equal(r.status, 0, `child failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim()) as { code?: string; message?: string; tried?: string };
    assert.equal(out.code, 'ENGINE_PERMISSION', r.stdout);
    assert.match(out.message ?? '', /Permission denied on the Docker socket \/var\/run\/docker\.sock: add your user to the docker group/);
    assert.equal(out.tried, 'unix:///var/run/docker.sock');
  });

  it('tcp:// to a closed port on 127.0.0.1 → ENGINE_UNREACHABLE with the URL', async () => {
    const port = await freePort();
    const e = await snapshotError(`tcp://127.0.0.1:${port}`);
    assert.equal(e.code, 'ENGINE_UNREACHABLE');
    assert.match(e.message, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.equal(e.tried, `tcp://127.0.0.1:${port}`);
  });
});

describe('an engine socket that accepts and never answers, as a new user meets it', function () {
  this.timeout(90_000);
  const cliPath = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
  let hung: HungSocket;
  before(async () => {
    hung = await startHungSocket();
  });
  after(async () => {
    await hung.close();
  });

  const cli = (args: string[]) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 80_000 });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
  };

  it('`topology` ends with one line naming the request, the limit and the socket, exit 1 (default limit 10 s)', () => {
    const r = cli(['topology', '--docker-host', hung.url]);
    assert.equal(r.signal, null, 'it ended by itself');
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /^netlens: The Docker engine did not answer GET \/\w+ within 10 s — it is hung, overloaded, or something in front of it accepts connections and never answers \(tried: unix:\/\/.*engine\.sock\)$/);
    console.log(`      ${lines[0]} — after ${r.ms} ms`);
  });

  it('--request-timeout sets the limit; layers and diff are bounded too', () => {
    for (const args of [['topology', '--json'], ['layers', 'web'], ['diff', 'web']]) {
      const r = cli([...args, '--docker-host', hung.url, '--request-timeout', '1.5']);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^netlens: The Docker engine did not answer GET \/\S+ within 1\.5 s/, args.join(' '));
    }
  });
});

