/**
 * Endpoint resolution on real config folders: contexts are written by the real `docker context
 * create` (DOCKER_CONFIG pointed at a temp dir), then resolved by netlens.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { contextDirName, resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { useDockerConfigDir } from '../../support/dockerConfigDir';

function dockerCli(configDir: string, ...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, DOCKER_CONFIG: configDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

describe('docker/connection: contexts made by the docker CLI', () => {
  const tmp = useDockerConfigDir();

  it('resolves a context written by `docker context create`, by DOCKER_CONTEXT and as currentContext', () => {
    dockerCli(tmp.config, 'context', 'create', 'nld-ctx', '--docker', 'host=tcp://127.0.0.1:1');
    const metaDir = join(tmp.config, 'contexts', 'meta', contextDirName('nld-ctx'));
    assert.ok(existsSync(join(metaDir, 'meta.json')), 'the CLI wrote meta.json where netlens looks for it');

    const byEnv = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config, DOCKER_CONTEXT: 'nld-ctx' } });
    assert.deepEqual(byEnv, { kind: 'tcp', url: 'tcp://127.0.0.1:1', source: 'DOCKER_CONTEXT', host: '127.0.0.1', port: 1, contextName: 'nld-ctx' });

    // Before `context use` the config names no context: the default socket.
    assert.equal(resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config } }).source, 'default');
    dockerCli(tmp.config, 'context', 'use', 'nld-ctx');
    const current = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config } });
    assert.equal(current.url, 'tcp://127.0.0.1:1');
    assert.equal(current.source, 'context:nld-ctx');

    // The same via HOME/.docker when DOCKER_CONFIG is unset.
    const home = join(tmp.dir, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    dockerCli(join(home, '.docker'), 'context', 'create', 'nld-ctx2', '--docker', 'host=unix:///run/nld2.sock');
    dockerCli(join(home, '.docker'), 'context', 'use', 'nld-ctx2');
    assert.equal(resolveEngineEndpoint({ env: { HOME: home } }).url, 'unix:///run/nld2.sock');
  });

  it('applies the CLI precedence: option host > option context > DOCKER_HOST > DOCKER_CONTEXT > currentContext', () => {
    dockerCli(tmp.config, 'context', 'create', 'nld-a', '--docker', 'host=tcp://127.0.0.1:11');
    dockerCli(tmp.config, 'context', 'create', 'nld-b', '--docker', 'host=tcp://127.0.0.1:12');
    dockerCli(tmp.config, 'context', 'create', 'nld-c', '--docker', 'host=tcp://127.0.0.1:13');
    dockerCli(tmp.config, 'context', 'use', 'nld-c');
    const env = { HOME: tmp.dir, DOCKER_CONFIG: tmp.config, DOCKER_HOST: 'tcp://127.0.0.1:14', DOCKER_CONTEXT: 'nld-b' };
    assert.equal(resolveEngineEndpoint({ env, dockerHost: 'tcp://127.0.0.1:15', context: 'nld-a' }).port, 15);
    const byContextOption = resolveEngineEndpoint({ env, context: 'nld-a' });
    assert.equal(byContextOption.port, 11);
    assert.equal(byContextOption.contextName, 'nld-a');
    assert.equal(resolveEngineEndpoint({ env }).port, 14);
    assert.equal(resolveEngineEndpoint({ env: { ...env, DOCKER_HOST: undefined } }).port, 12);
    assert.equal(resolveEngineEndpoint({ env: { ...env, DOCKER_HOST: '', DOCKER_CONTEXT: undefined } }).port, 13);
  });

  it('reads a context with TLS material and SkipTLSVerify as the CLI stores them', () => {
    const src = makeTlsFiles(join(tmp.dir, 'pem'));
    dockerCli(tmp.config, 'context', 'create', 'nld-tls', '--docker', `host=tcp://127.0.0.1:2376,ca=${src.ca},cert=${src.cert},key=${src.key}`);
    dockerCli(tmp.config, 'context', 'create', 'nld-skip', '--docker', 'host=tcp://127.0.0.1:2377,skip-tls-verify=true');
    const tlsDir = join(tmp.config, 'contexts', 'tls', contextDirName('nld-tls'), 'docker');
    const ep = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config }, context: 'nld-tls' });
    assert.deepEqual(ep.tls, { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem'), verify: true });
    const skip = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config }, context: 'nld-skip' });
    assert.deepEqual(skip.tls, { verify: false });
  });
});
