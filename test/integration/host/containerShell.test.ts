/**
 * The `container` host shell against the real engine: over the unix socket and over tcp+TLS (a
 * TLS listener on 127.0.0.1, client certificate required, with certificates this test generates,
 * in front of the same engine) and over ssh:// (a real sshd on 127.0.0.1), its model equals the local shell's — interfaces, veth joins,
 * bridges, rules, publishes, listeners — and it leaves nothing behind: no container with the
 * helper label, no process of its run, also when the helper is killed halfway, cancelled, or
 * stopped at its limit, and a helper a crashed run left is removed by the next run.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { createSession, type SessionOptions } from '../../../src/core/session';
import { createContainerShell } from '../../../src/core/host/containerShell';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { HELPER_EXPIRES_LABEL, HELPER_LABEL, HELPER_SCRIPT } from '../../../src/core/host/helper/helperSpec';
import { ShellTimeoutError } from '../../../src/core/host/shell';
import type { Topology } from '../../../src/core/model/types';
import { IMAGE, docker, freePort, removeLab, requireRealEngine, run } from '../../support/lab';
import { startSshd, type RunningSshd } from '../../support/sshd';

const P = 'nlh-helper-';
const NEVER_PULL = { allowPull: false } as const;

function helpers(): string[] {
  return docker('ps', '-aq', '--filter', `label=${HELPER_LABEL}=1`).split('\n').filter(Boolean);
}

/** processes whose command line holds `needle` (our runs' unique sleep arguments) */
function processesWith(needle: string): string[] {
  const out = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '';
  // not ps itself, nor the test's own `node -e` stand-in for netlens whose program text holds it
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo') && !l.includes('node -e'));
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What both shells must agree on, as sorted text, so a difference reads as a diff. */
function essentials(t: Topology): Record<string, string[]> {
  const host = t.host;
  assert.ok(host, 'no host in the model');
  const rules = (family: 'ipv4' | 'ipv6'): string[] =>
    Object.values(host.firewall[family]?.tables ?? {}).flatMap((tb) => Object.values(tb.chains).flatMap((c) => [`${tb.name} ${c.name} policy ${c.policy}`, ...c.rules.map((r) => `${tb.name} ${r.raw}`)]));
  const sorted = (xs: string[]): string[] => [...xs].sort();
  return {
    hostname: [String(host.hostname)],
    interfaces: sorted(host.interfaces.map((i) => `${i.name} ${i.kind} master=${i.master} peer=${i.peer} ${[...i.addresses].sort().join(',')}`)),
    bridges: sorted(t.networks.map((n) => `${n.name} ${n.bridge}`)),
    vethJoins: sorted(t.networks.flatMap((n) => n.endpoints.map((e) => `${n.name}/${e.containerName} ${e.hostVeth}`))),
    rules: sorted([...rules('ipv4'), ...rules('ipv6')]),
    publishes: sorted(t.publishes.map((p) => `${p.containerName} ${p.hostIp}:${p.hostPort}/${p.protocol} dnat=${p.dnatRule?.raw} filter=${p.filterRule?.raw} proxy=${p.proxy?.pid}`)),
    hostListeners: sorted(host.listeners?.known ? host.listeners.value.map((l) => `${l.protocol} ${l.address}:${l.port}`) : ['unknown']),
    containerListeners: sorted(t.containers.map((c) => `${c.name} ${c.listeners?.known ? [...c.listeners.value.map((l) => `${l.protocol} ${l.address}:${l.port}`)].sort().join(',') : 'unknown'}`)),
    hostGaps: sorted(t.gaps.filter((g) => g.subject.startsWith('host')).map((g) => `${g.subject}: ${g.reason}`)),
  };
}

/**
 * Other suites share the engine: the container shell's model must equal the local one taken just
 * before or just after it. A lab that changed in between (another suite's container starting) gets
 * two more tries; a real difference fails every time, and each miss is printed.
 */
async function assertSameAsLocal(options: SessionOptions, label: string): Promise<Topology> {
  const local = createSession({ hostShell: 'local' });
  const helper = createSession({ ...options, hostShell: 'container', helper: NEVER_PULL });
  try {
    for (let attempt = 1; ; attempt++) {
      const before = essentials(await local.snapshot());
      const viaHelper = await helper.snapshot();
      const after = essentials(await local.snapshot());
      const got = essentials(viaHelper);
      const same = (a: Record<string, string[]>): boolean => JSON.stringify(a) === JSON.stringify(got);
      if (same(before) || same(after)) return viaHelper;
      if (attempt === 3) assert.deepEqual(got, before, `${label}: the container shell's model differs from the local shell's`);
      const differs = Object.keys(got).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(before[k]));
      process.stderr.write(`${label}: attempt ${attempt} differs in ${differs.join(', ')}: ${differs.map((k) => `${k}: helper ${JSON.stringify(got[k]?.filter((x) => !before[k]?.includes(x)))} local ${JSON.stringify(before[k]?.filter((x) => !got[k]?.includes(x)))}`).join('; ')}\n`);
    }
  } finally {
    await local.dispose();
    await helper.dispose();
  }
}

describe('host integration: the container host shell (a helper container on the engine)', function () {
  this.timeout(120_000);

  before(() => {
    requireRealEngine();
    removeLab(P);
    docker('network', 'create', `${P}net`);
    docker('run', '-d', '--name', `${P}web`, '--network', `${P}net`, '-p', '127.0.0.1::80', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/');
    docker('run', '-d', '--name', `${P}client`, '--network', `${P}net`, IMAGE, 'sleep', '600');
  });
  after(() => removeLab(P));

  it('over the unix socket: the model equals the local shell\'s, the host check passes, and no helper is left', async () => {
    const t = await assertSameAsLocal({}, 'unix');
    assert.equal(t.gaps.find((g) => /HOST_MISMATCH|not joined/.test(g.reason)), undefined);
    assert.match(t.host!.target, /^container netlens-busybox:1 on unix:\/\/\/var\/run\/docker\.sock: (nsenter|chroot) into the mount namespace of (dockerd|init) \(pid \d+\)$/);
    // our own lab is in it, joined: a veth per endpoint, the publish with its DNAT rule
    const web = t.networks.find((n) => n.name === `${P}net`)?.endpoints.find((e) => e.containerName === `${P}web`);
    assert.ok(web?.hostVeth, 'web has no host veth');
    assert.ok(t.publishes.find((p) => p.containerName === `${P}web`)?.dnatRule, 'web\'s publish has no DNAT rule');
    assert.ok(t.containers.find((c) => c.name === `${P}web`)?.listeners?.known, 'web\'s listeners unknown');
    await until('the helper containers are gone', () => helpers().length === 0);
  });

  describe('over tcp+TLS', () => {
    let dir = '';
    let server: Server | null = null;
    let port = 0;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'nl-tls-'));
      const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
      ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=netlens test CA');
      for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
        writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
        ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
        ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
      }
      // DOCKER_CERT_PATH layout: ca.pem, cert.pem, key.pem (the client's)
      writeFileSync(join(dir, 'cert.pem'), readFileSync(join(dir, 'client.pem')));
      writeFileSync(join(dir, 'key.pem'), readFileSync(join(dir, 'client-key.pem')));
      port = await freePort();
      server = createServer(
        { cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server-key.pem')), ca: readFileSync(join(dir, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
        (tlsSocket) => {
          const engine = connect('/var/run/docker.sock');
          tlsSocket.pipe(engine).pipe(tlsSocket);
          tlsSocket.on('error', () => engine.destroy());
          engine.on('error', () => tlsSocket.destroy());
          tlsSocket.on('close', () => engine.destroy());
          engine.on('close', () => tlsSocket.destroy());
        },
      );
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    });
    after(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const tlsEnv = (): Record<string, string | undefined> => ({ ...process.env, DOCKER_HOST: undefined, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });

    it('a client whose certificate the test CA did not sign is refused (the listener really checks)', async () => {
      const rogue = mkdtempSync(join(tmpdir(), 'nl-rogue-'));
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=rogue'], { cwd: rogue, stdio: 'ignore' });
        writeFileSync(join(rogue, 'ca.pem'), readFileSync(join(dir, 'ca.pem')));
        const session = createSession({ dockerHost: `tcp://127.0.0.1:${port}`, hostShell: 'none', env: { ...process.env, DOCKER_HOST: undefined, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: rogue } });
        try {
          await assert.rejects(session.snapshot());
        } finally {
          await session.dispose();
        }
      } finally {
        rmSync(rogue, { recursive: true, force: true });
      }
    });

    it('the model equals the local shell\'s, and no helper is left', async () => {
      const t = await assertSameAsLocal({ dockerHost: `tcp://127.0.0.1:${port}`, env: tlsEnv() }, 'tcp+TLS');
      assert.equal(t.engine.endpoint.kind, 'tcp');
      assert.ok(t.engine.endpoint.tls?.verify, 'not over TLS');
      assert.match(t.host!.target, new RegExp(`^container netlens-busybox:1 on tcp://127\\.0\\.0\\.1:${port}: `));
      await until('the helper containers are gone', () => helpers().length === 0);
    });
  });

  describe('over ssh:// (a real sshd on 127.0.0.1, docker system dial-stdio on its side)', () => {
    let sshd: RunningSshd | null = null;
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await sshd?.stop();
    });

    it('the model equals the local shell\'s, and no helper is left', async () => {
      const s = sshd!;
      const url = `ssh://${s.username}@127.0.0.1:${s.port}`;
      const t = await assertSameAsLocal(
        { dockerHost: url, ssh: { host: '127.0.0.1', port: s.port, username: s.username, knownHostsPath: s.knownHostsPath, privateKeyPath: s.privateKeyPath }, env: { ...process.env, DOCKER_HOST: undefined, SSH_AUTH_SOCK: undefined } },
        'ssh://',
      );
      assert.equal(t.engine.endpoint.kind, 'ssh');
      assert.match(t.host!.target, /^container netlens-busybox:1 on ssh:\/\/.*mount namespace of/);
      await until('the helper containers are gone', () => helpers().length === 0);
    });
  });

  describe('nothing is left behind', () => {
    const client = () => createDockerClient(resolveEngineEndpoint({ env: { ...process.env, DOCKER_HOST: undefined } }));

    it('the helper killed halfway (docker kill): the run ends, no helper and no process of it remain', async () => {
      const needle = `1${randomBytes(3).readUIntBE(0, 3)}.5`;
      const shell = createContainerShell(client(), { timeoutMs: 60_000, image: NEVER_PULL });
      const started = Date.now();
      const result = shell.run(`echo started; sleep ${needle}; echo never`);
      try {
        await until('the batch runs', () => processesWith(`sleep ${needle}`).length > 0);
        const ids = helpers();
        assert.ok(ids.length > 0, 'no helper container while the batch runs');
        docker('kill', ...ids);
        const r = await result;
        assert.notEqual(r.code, 0);
        assert.doesNotMatch(r.stdout, /never/);
        assert.ok(Date.now() - started < 30_000, 'the run did not end with its helper');
        await until('no helper container', () => helpers().length === 0);
        await until('no process of the run', () => processesWith(`sleep ${needle}`).length === 0, 5000);
      } finally {
        await shell.dispose();
        await result.catch(() => undefined);
      }
    });

    it('netlens itself killed mid-run (SIGKILL, no cleanup of ours): the engine closes the helper\'s stdin, the guard kills the batch, AutoRemove takes the container', async () => {
      const needle = `4${randomBytes(3).readUIntBE(0, 3)}.5`;
      const outDir = join(__dirname, '../../../src');
      const program = `
        const { createContainerShell } = require(${JSON.stringify(join(outDir, 'core/host/containerShell.js'))});
        const { createDockerClient } = require(${JSON.stringify(join(outDir, 'core/docker/client.js'))});
        const { resolveEngineEndpoint } = require(${JSON.stringify(join(outDir, 'core/docker/connection.js'))});
        const shell = createContainerShell(createDockerClient(resolveEngineEndpoint({ env: { HOME: process.env.HOME } })), { timeoutMs: 120000, image: { allowPull: false } });
        shell.run('sleep ${needle}');`;
      const child = spawn('node', ['-e', program], { stdio: 'ignore' });
      try {
        await until('the batch runs', () => processesWith(`sleep ${needle}`).length > 0, 20_000);
        assert.ok(helpers().length > 0, 'no helper while the batch runs');
        child.kill('SIGKILL');
        await until('no process of the run', () => processesWith(`sleep ${needle}`).length === 0, 10_000);
        await until('no helper container', () => helpers().length === 0, 10_000);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('a cancelled run and one stopped at its limit remove their helper and kill the batch', async () => {
      const shell = createContainerShell(client(), { timeoutMs: 4000, image: NEVER_PULL });
      try {
        const needle = `2${randomBytes(3).readUIntBE(0, 3)}.5`;
        const ac = new AbortController();
        const cancelled = shell.run(`sleep ${needle}`, ac.signal);
        await until('the batch runs', () => processesWith(`sleep ${needle}`).length > 0);
        ac.abort();
        await assert.rejects(cancelled, /aborted/);
        await until('no helper after the cancel', () => helpers().length === 0);
        await until('no process after the cancel', () => processesWith(`sleep ${needle}`).length === 0, 5000);

        const needle2 = `3${randomBytes(3).readUIntBE(0, 3)}.5`;
        await assert.rejects(shell.run(`echo part; sleep ${needle2}`), (e: unknown) => e instanceof ShellTimeoutError && /part/.test(e.stdout));
        await until('no helper after the limit', () => helpers().length === 0);
        await until('no process after the limit', () => processesWith(`sleep ${needle2}`).length === 0, 5000);
      } finally {
        await shell.dispose();
      }
    });

    it('a helper left by a crashed run (past its expiry) is removed by the next run; one still in its time is not', async () => {
      const past = String(Math.floor(Date.now() / 1000) - 3600);
      const future = String(Math.floor(Date.now() / 1000) + 3600);
      const stale = docker('create', '--name', `${P}stale`, '--label', `${HELPER_LABEL}=1`, '--label', `${HELPER_EXPIRES_LABEL}=${past}`, IMAGE, 'sleep', '600');
      const live = docker('create', '--name', `${P}live`, '--label', `${HELPER_LABEL}=1`, '--label', `${HELPER_EXPIRES_LABEL}=${future}`, IMAGE, 'sleep', '600');
      const shell = createContainerShell(client(), { image: NEVER_PULL });
      try {
        const r = await shell.run('echo ok');
        assert.equal(r.stdout.trim(), 'ok');
        const left = helpers();
        assert.ok(!left.some((id) => stale.startsWith(id)), 'the stale helper is still there');
        assert.ok(left.some((id) => live.startsWith(id)), 'a helper within its time was removed');
      } finally {
        await shell.dispose();
        spawnSync('docker', ['rm', '-f', `${P}stale`, `${P}live`]);
      }
    });
  });

  it('the CLI: --host-shell container is the consent; the host is joined; a bad --helper-image is refused before anything runs', () => {
    const cliPath = join(__dirname, '../../../../dist/cli.js');
    const cli = (...args: string[]) => spawnSync('node', [cliPath, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    const r = cli('topology', '--host-shell', 'container', '--json');
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout) as Topology;
    assert.match(t.host?.target ?? '', /^container netlens-busybox:1 on unix:\/\/\/var\/run\/docker\.sock: .*mount namespace of/);
    assert.ok(t.publishes.find((p) => p.containerName === `${P}web`)?.dnatRule, 'the publish is not joined to its rule');
    const bad = cli('topology', '--host-shell', 'container', '--helper-image', 'x; rm -rf /', '--json');
    assert.equal(bad.status, 0, bad.stderr);
    assert.match((JSON.parse(bad.stdout) as Topology).gaps.map((g) => g.reason).join('\n'), /not an image reference/);
    assert.deepEqual(helpers(), []);
  });

  it('consent: asked once, before any helper exists, with exactly what will run; a no is kept and nothing runs', async () => {
    const client = createDockerClient(resolveEngineEndpoint({ env: { ...process.env, DOCKER_HOST: undefined } }));
    const asked: string[] = [];
    const no = createContainerShell(client, { image: { ...NEVER_PULL, consent: async (r) => (asked.push(r.description), assert.deepEqual(helpers(), []), false) } });
    await assert.rejects(no.run('echo hi'), /not allowed/);
    await assert.rejects(no.run('echo hi'), /not allowed/);
    assert.equal(asked.length, 1, 'asked again after a no');
    assert.match(asked[0]!, /"PidMode":"host".*"NetworkMode":"host"/);
    assert.ok(asked[0]!.includes(HELPER_SCRIPT), 'the description does not show the script');
    assert.ok(asked[0]!.includes(IMAGE));
    await no.dispose();
    let yesAsked = 0;
    const yes = createContainerShell(client, { image: { ...NEVER_PULL, consent: async () => (yesAsked++, true) } });
    try {
      assert.equal((await yes.run('echo one')).stdout.trim(), 'one');
      assert.equal((await yes.run('echo two')).stdout.trim(), 'two');
      assert.equal(yesAsked, 1);
    } finally {
      await yes.dispose();
    }
  });

  it('the helper script is valid POSIX sh for dash and busybox ash (-n)', () => {
    for (const [cmd, ...args] of [['dash', '-n', '-c'], ['busybox', 'sh', '-n', '-c']]) {
      const r = spawnSync(cmd!, [...args, HELPER_SCRIPT], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    }
  });

  it('the first line says which image and namespace; the guard output is not part of stdout', async () => {
    const shell = createContainerShell(createDockerClient(resolveEngineEndpoint({ env: { ...process.env, DOCKER_HOST: undefined } })), { image: NEVER_PULL });
    try {
      const r = await shell.run('cat /proc/sys/kernel/hostname; exit 3');
      assert.equal(r.code, 3);
      assert.equal(r.stdout.trim(), run('cat', ['/proc/sys/kernel/hostname']));
      assert.equal(shell.image?.image, IMAGE);
      assert.equal(shell.image?.how, 'present');
      assert.match(shell.entered ?? '', /mount namespace of/);
    } finally {
      await shell.dispose();
    }
  });
});
