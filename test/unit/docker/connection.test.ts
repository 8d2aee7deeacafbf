/**
 * Endpoint resolution on real config folders: contexts are written by the real `docker context
 * create` (DOCKER_CONFIG pointed at a temp dir), then resolved by netlens.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { contextDirName, resolveEngineEndpoint } from '../../../src/core/docker/connection';

function dockerCli(configDir: string, ...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_CONFIG: configDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function expectConfigError(fn: () => unknown, match: RegExp): NetlensError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NetlensError, `expected NetlensError, got ${String(e)}`);
    assert.equal(e.code, 'ENGINE_CONFIG');
    assert.match(`${e.message} ${e.tried ?? ''}`, match);
    return e;
  }
  assert.fail('expected an ENGINE_CONFIG error');
}

/** Self-signed PEM files, made by openssl, so `docker context create` accepts them. */
function makeTlsFiles(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'src-key.pem');
  const cert = join(dir, 'src-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=nld-test'], {
    stdio: 'ignore',
  });
  return { ca: cert, cert, key };
}

describe('docker/connection: resolveEngineEndpoint', () => {
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nld-conn-'));
    config = join(dir, 'dockercfg');
    mkdirSync(config);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back to the local socket when nothing is configured', () => {
    const ep = resolveEngineEndpoint({ env: { HOME: dir } });
    assert.deepEqual(ep, { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'default', socketPath: '/var/run/docker.sock' });
  });

  it('reads DOCKER_HOST unix://, tcp://, a bare host:port and ssh://', () => {
    const env = (h: string) => ({ HOME: dir, DOCKER_CONFIG: config, DOCKER_HOST: h });
    assert.deepEqual(resolveEngineEndpoint({ env: env('unix:///run/nld.sock') }), {
      kind: 'unix',
      url: 'unix:///run/nld.sock',
      source: 'DOCKER_HOST',
      socketPath: '/run/nld.sock',
    });
    const tcp = resolveEngineEndpoint({ env: env('tcp://10.1.2.3:2375') });
    assert.equal(tcp.kind, 'tcp');
    assert.equal(tcp.host, '10.1.2.3');
    assert.equal(tcp.port, 2375);
    assert.equal(tcp.tls, undefined);
    const bare = resolveEngineEndpoint({ env: env('localhost:2999') });
    assert.equal(bare.url, 'tcp://localhost:2999');
    const ssh = resolveEngineEndpoint({ env: env('ssh://me@build.example:2222') });
    assert.deepEqual(
      { kind: ssh.kind, url: ssh.url, host: ssh.host, port: ssh.port, username: ssh.username, source: ssh.source },
      { kind: 'ssh', url: 'ssh://me@build.example:2222', host: 'build.example', port: 2222, username: 'me', source: 'DOCKER_HOST' },
    );
    const sshNoUser = resolveEngineEndpoint({ env: env('ssh://box') });
    // no port in the URL: ~/.ssh/config's Port (else 22) decides when the connection is resolved
    assert.equal(sshNoUser.port, undefined);
    assert.equal(sshNoUser.username, undefined);
  });

  it('turns on TLS for DOCKER_TLS_VERIFY with the files in DOCKER_CERT_PATH and port 2376 by default', () => {
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), 'x');
    const ep = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    assert.equal(ep.port, 2376);
    assert.deepEqual(ep.tls, { ca: join(certs, 'ca.pem'), cert: join(certs, 'cert.pem'), key: join(certs, 'key.pem'), verify: true });
    // Without DOCKER_TLS_VERIFY the CLI speaks plain HTTP even when a cert path is set.
    const plain = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_HOST: 'tcp://10.0.0.5:2375', DOCKER_CERT_PATH: certs } });
    assert.equal(plain.tls, undefined);
  });

  it('rejects malformed hosts with ENGINE_CONFIG naming the value', () => {
    const env = (h: string) => ({ HOME: dir, DOCKER_HOST: h });
    expectConfigError(() => resolveEngineEndpoint({ env: env('ftp://x') }), /ftp:\/\/x.*unsupported scheme/);
    expectConfigError(() => resolveEngineEndpoint({ env: env('ssh://me@host/extra') }), /extra path/);
    expectConfigError(() => resolveEngineEndpoint({ env: env('tcp://') }), /tcp:\/\//);
    expectConfigError(() => resolveEngineEndpoint({ env: env('tcp://ho st:12') }), /not a valid URL/);
    expectConfigError(() => resolveEngineEndpoint({ dockerHost: 'tcp://h:1?x=1' }), /query/);
  });

  it('resolves a context written by `docker context create`, by DOCKER_CONTEXT and as currentContext', () => {
    dockerCli(config, 'context', 'create', 'nld-ctx', '--docker', 'host=tcp://127.0.0.1:1');
    const metaDir = join(config, 'contexts', 'meta', contextDirName('nld-ctx'));
    assert.ok(existsSync(join(metaDir, 'meta.json')), 'the CLI wrote meta.json where netlens looks for it');

    const byEnv = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config, DOCKER_CONTEXT: 'nld-ctx' } });
    assert.deepEqual(byEnv, { kind: 'tcp', url: 'tcp://127.0.0.1:1', source: 'DOCKER_CONTEXT', host: '127.0.0.1', port: 1, contextName: 'nld-ctx' });

    // Before `context use` the config names no context: the default socket.
    assert.equal(resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config } }).source, 'default');
    dockerCli(config, 'context', 'use', 'nld-ctx');
    const current = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config } });
    assert.equal(current.url, 'tcp://127.0.0.1:1');
    assert.equal(current.source, 'context:nld-ctx');

    // The same via HOME/.docker when DOCKER_CONFIG is unset.
    const home = join(dir, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    dockerCli(join(home, '.docker'), 'context', 'create', 'nld-ctx2', '--docker', 'host=unix:///run/nld2.sock');
    dockerCli(join(home, '.docker'), 'context', 'use', 'nld-ctx2');
    assert.equal(resolveEngineEndpoint({ env: { HOME: home } }).url, 'unix:///run/nld2.sock');
  });

  it('applies the CLI precedence: option host > option context > DOCKER_HOST > DOCKER_CONTEXT > currentContext', () => {
    dockerCli(config, 'context', 'create', 'nld-a', '--docker', 'host=tcp://127.0.0.1:11');
    dockerCli(config, 'context', 'create', 'nld-b', '--docker', 'host=tcp://127.0.0.1:12');
    dockerCli(config, 'context', 'create', 'nld-c', '--docker', 'host=tcp://127.0.0.1:13');
    dockerCli(config, 'context', 'use', 'nld-c');
    const env = { HOME: dir, DOCKER_CONFIG: config, DOCKER_HOST: 'tcp://127.0.0.1:14', DOCKER_CONTEXT: 'nld-b' };
    assert.equal(resolveEngineEndpoint({ env, dockerHost: 'tcp://127.0.0.1:15', context: 'nld-a' }).port, 15);
    const byContextOption = resolveEngineEndpoint({ env, context: 'nld-a' });
    assert.equal(byContextOption.port, 11);
    assert.equal(byContextOption.contextName, 'nld-a');
    assert.equal(resolveEngineEndpoint({ env }).port, 14);
    assert.equal(resolveEngineEndpoint({ env: { ...env, DOCKER_HOST: undefined } }).port, 12);
    assert.equal(resolveEngineEndpoint({ env: { ...env, DOCKER_HOST: '', DOCKER_CONTEXT: undefined } }).port, 13);
  });

  it('treats the context "default" as the local socket', () => {
    const ep = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config }, context: 'default' });
    assert.equal(ep.url, 'unix:///var/run/docker.sock');
    assert.equal(ep.contextName, 'default');
  });

  it('fails clearly on an unknown context and a broken config.json', () => {
    const e = expectConfigError(
      () => resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config, DOCKER_CONTEXT: 'nld-missing' } }),
      /nld-missing.*does not exist/,
    );
    assert.equal(e.tried, join(config, 'contexts', 'meta', contextDirName('nld-missing'), 'meta.json'));
    writeFileSync(join(config, 'config.json'), '{"currentContext": ');
    expectConfigError(() => resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config } }), /not valid JSON/);
  });

  it('reads a context with TLS material and SkipTLSVerify as the CLI stores them', () => {
    const src = makeTlsFiles(join(dir, 'pem'));
    dockerCli(config, 'context', 'create', 'nld-tls', '--docker', `host=tcp://127.0.0.1:2376,ca=${src.ca},cert=${src.cert},key=${src.key}`);
    dockerCli(config, 'context', 'create', 'nld-skip', '--docker', 'host=tcp://127.0.0.1:2377,skip-tls-verify=true');
    const tlsDir = join(config, 'contexts', 'tls', contextDirName('nld-tls'), 'docker');
    const ep = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config }, context: 'nld-tls' });
    assert.deepEqual(ep.tls, { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem'), verify: true });
    const skip = resolveEngineEndpoint({ env: { HOME: dir, DOCKER_CONFIG: config }, context: 'nld-skip' });
    assert.deepEqual(skip.tls, { verify: false });
  });
});
