/**
 * The fingerprint of the engine process behind a socket (engineNamespace.ts), under which the CLI
 * keeps the engine's /info and /version answers between runs: it names the dockerd of the pid file
 * beside the socket and stays the same while that process serves it; it is none where any link of
 * the chain does not hold — a socket that process does not hold, a pid file naming another
 * program, another UTS namespace (whose host name the engine would not report). Real engine.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineProcessFingerprint } from '../../../src/core/host/engineNamespace';
import { requireRealEngine, run } from '../../support/lab';

const SOCKET = '/var/run/docker.sock';

describe('host: the fingerprint of the engine process behind a socket', function () {
  this.timeout(30_000);
  let dir: string;
  let server: Server | null = null;

  before(() => requireRealEngine());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nlfp-'))));
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the engine's dockerd, its start and its socket, and stays the same while it serves", () => {
    const pid = readFileSync('/var/run/docker.pid', 'utf8').trim();
    assert.ok(run('pidof', ['dockerd']).split(' ').includes(pid), 'the pid file names a running dockerd');
    const fp = engineProcessFingerprint(SOCKET);
    assert.ok(fp, 'the engine of this machine has one');
    assert.match(fp, new RegExp(`^boot [0-9a-f-]{36} dockerd ${pid} started \\d+ socket \\d+ host \\S+$`));
    assert.ok(fp.endsWith(` host ${readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()}`));
    assert.equal(engineProcessFingerprint(SOCKET), fp);
  });

  it('is none for a socket the pid file’s process does not hold, a pid file naming another program, a path that is no .sock', async () => {
    const path = join(dir, 'docker.sock');
    server = createServer();
    await new Promise<void>((r) => server!.listen(path, r));
    // the real dockerd's pid beside a socket it does not hold
    writeFileSync(join(dir, 'docker.pid'), readFileSync('/var/run/docker.pid'));
    assert.equal(engineProcessFingerprint(path), null);
    // this very process holds it, but it is no dockerd
    writeFileSync(join(dir, 'docker.pid'), `${process.pid}\n`);
    assert.equal(engineProcessFingerprint(path), null);
    assert.equal(engineProcessFingerprint(join(dir, 'docker.socket')), null);
    assert.equal(engineProcessFingerprint(join(dir, 'absent.sock')), null);
  });

  it('is none from another UTS namespace: the engine would report another host name', () => {
    const script = `const { engineProcessFingerprint } = require(${JSON.stringify(require.resolve('../../../src/core/host/engineNamespace'))}); process.stdout.write(String(engineProcessFingerprint(${JSON.stringify(SOCKET)})));`;
    const same = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(same.stdout, engineProcessFingerprint(SOCKET), same.stderr);
    const other = spawnSync('unshare', ['--uts', 'node', '-e', script], { encoding: 'utf8' });
    assert.equal(other.status, 0, other.stderr);
    assert.equal(other.stdout, 'null');
  });
});
