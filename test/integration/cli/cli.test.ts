/**
 * The built CLI (dist/cli.js) as a user runs it: the readable tree, the JSON contract scripts rely
 * on, and one clear line with a non-zero exit on errors.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, docker, freePort, removeLab, requireRealEngine } from '../../support/lab';

const P = 'nlc-';
const CLI = join(__dirname, '../../../../dist/cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', env, timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI (dist/cli.js)', function () {
  this.timeout(120_000);
  let port: number;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} exists (npm run build)`);
    requireRealEngine();
    removeLab(P);
    port = await freePort();
    docker('run', '-d', '--name', `${P}web`, '-p', `${port}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  });
  after(() => removeLab(P));

  it('prints the readable tree with the publish followed to its DNAT rule', () => {
    const r = cli(['topology']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^engine unix:\/\/\/var\/run\/docker\.sock — Docker /);
    assert.match(r.stdout, /bridge docker0/);
    assert.match(r.stdout, new RegExp(`0\\.0\\.0\\.0:${port}/tcp → ${P}web 172\\.\\d+\\.\\d+\\.\\d+:80`));
    assert.match(r.stdout, new RegExp(`DNAT +nat/DOCKER #\\d+: -A DOCKER .*--dport ${port} `));
    assert.match(r.stdout, /1 shell round trip/);
  });

  it('keeps the JSON names scripts rely on', () => {
    const r = cli(['topology', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout);
    const bridge = t.networks.find((n: { name: string }) => n.name === 'bridge');
    for (const k of ['id', 'name', 'driver', 'bridge', 'subnets', 'gateways', 'internal', 'endpoints']) assert.ok(k in bridge, `networks[].${k}`);
    const ep = bridge.endpoints.find((e: { containerName: string }) => e.containerName === `${P}web`);
    for (const k of ['containerId', 'containerName', 'ipv4', 'ipv6', 'mac', 'hostVeth']) assert.ok(k in ep, `endpoints[].${k}`);
    assert.doesNotMatch(ep.ipv4, /\//, 'ipv4 without prefix length');
    const c = t.containers.find((x: { name: string }) => x.name === `${P}web`);
    for (const k of ['id', 'name', 'networkMode', 'pid', 'ports', 'mounts']) assert.ok(k in c, `containers[].${k}`);
    assert.deepEqual(
      c.ports.find((p: { hostIp: string }) => p.hostIp === '0.0.0.0'),
      { hostIp: '0.0.0.0', hostPort: port, containerPort: 80, protocol: 'tcp' },
    );
    const veth = t.host.interfaces.find((i: { name: string }) => i.name === ep.hostVeth);
    for (const k of ['name', 'index', 'kind', 'master', 'addresses', 'peer']) assert.ok(k in veth, `host.interfaces[].${k}`);
    assert.equal(veth.master, 'docker0');
    assert.equal(veth.kind, 'veth');
  });

  it('says in one line what it tried when the engine socket does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), P));
    try {
      const r = cli(['topology', '--docker-host', `unix://${dir}/docker.sock`]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^netlens: /);
      assert.ok(lines[0].includes(`${dir}/docker.sock`), lines[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the daemon is down when nothing listens on the socket any more', () => {
    const dir = mkdtempSync(join(tmpdir(), P));
    const sock = join(dir, 'docker.sock');
    // A socket file nobody listens on: what a crashed dockerd leaves behind (connect → ECONNREFUSED).
    spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', sock]);
    try {
      assert.ok(existsSync(sock));
      const r = cli(['topology', '--docker-host', `unix://${sock}`, '--host-shell', 'none']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^netlens: .+/);
      assert.ok(r.stderr.includes(sock), r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which version it is, as the package does', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `netlens ${pkg.version}\n`);
    }
  });

  it('rejects bad usage with exit code 2', () => {
    assert.equal(cli(['frobnicate']).code, 2);
    assert.equal(cli(['trace', '--from', 'a']).code, 2);
    assert.equal(cli(['topology', '--ssh', 'bad host;rm']).code, 2);
  });
});
