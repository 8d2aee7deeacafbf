/**
 * Endpoint resolution from settings, environment and config folders of the test's own (contexts
 * written by the real `docker context create`: test/integration/docker/contexts.test.ts).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { contextDirName, resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { useDockerConfigDir } from '../../support/dockerConfigDir';

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

describe('docker/connection: resolveEngineEndpoint', () => {
  const tmp = useDockerConfigDir();

  it('falls back to the local socket when nothing is configured', () => {
    const ep = resolveEngineEndpoint({ env: { HOME: tmp.dir } });
    assert.deepEqual(ep, { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'default', socketPath: '/var/run/docker.sock' });
  });

  it('reads DOCKER_HOST unix://, tcp://, a bare host:port and ssh://', () => {
    const env = (h: string) => ({ HOME: tmp.dir, DOCKER_CONFIG: tmp.config, DOCKER_HOST: h });
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
    const certs = join(tmp.dir, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), 'x');
    const ep = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    assert.equal(ep.port, 2376);
    assert.deepEqual(ep.tls, { ca: join(certs, 'ca.pem'), cert: join(certs, 'cert.pem'), key: join(certs, 'key.pem'), verify: true });
    // Without DOCKER_TLS_VERIFY the CLI speaks plain HTTP even when a cert path is set.
    const plain = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_HOST: 'tcp://10.0.0.5:2375', DOCKER_CERT_PATH: certs } });
    assert.equal(plain.tls, undefined);
  });

  it('rejects malformed hosts with ENGINE_CONFIG naming the value', () => {
    const env = (h: string) => ({ HOME: tmp.dir, DOCKER_HOST: h });
    expectConfigError(() => resolveEngineEndpoint({ env: env('ftp://x') }), /ftp:\/\/x.*unsupported scheme/);
    expectConfigError(() => resolveEngineEndpoint({ env: env('ssh://me@host/extra') }), /extra path/);
    expectConfigError(() => resolveEngineEndpoint({ env: env('tcp://') }), /tcp:\/\//);
    expectConfigError(() => resolveEngineEndpoint({ env: env('tcp://ho st:12') }), /not a valid URL/);
    expectConfigError(() => resolveEngineEndpoint({ dockerHost: 'tcp://h:1?x=1' }), /query/);
  });

  it('treats the context "default" as the local socket', () => {
    const ep = resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config }, context: 'default' });
    assert.equal(ep.url, 'unix:///var/run/docker.sock');
    assert.equal(ep.contextName, 'default');
  });

  it('fails clearly on an unknown context and a broken config.json', () => {
    const e = expectConfigError(
      () => resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config, DOCKER_CONTEXT: 'nld-missing' } }),
      /nld-missing.*does not exist/,
    );
    assert.equal(e.tried, join(tmp.config, 'contexts', 'meta', contextDirName('nld-missing'), 'meta.json'));
    writeFileSync(join(tmp.config, 'config.json'), '{"currentContext": ');
    expectConfigError(() => resolveEngineEndpoint({ env: { HOME: tmp.dir, DOCKER_CONFIG: tmp.config } }), /not valid JSON/);
  });
});
