/**
 * The second Docker host (a network namespace of the suite's own with its own dockerd,
 * test/support/secondEngine.ts) reached the three ways a real second machine is: its unix socket
 * (with this machine's shell entered into its namespace), tcp+TLS (dockerd listening on its end of
 * the veth with certificates generated here) and ssh:// (an sshd inside its namespace, bound to that
 * address, with a generated host key in a known_hosts written here). Over TLS and ssh:// its host
 * facts come over SSH — for ssh:// from the very target the engine is reached by. Each model must
 * join the same interfaces, veths, bridges and publishes as the unix-socket one; and this machine's
 * own shell beside node2's engine must still be refused (HOST_MISMATCH).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, type SessionOptions } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { IMAGE, requireRealEngine } from '../../support/lab';
import { startSecondEngine, type SecondEngine } from '../../support/secondEngine';
import { startSshd, type RunningSshd } from '../../support/sshd';
import { dockerTlsCertificates, dockerdTlsArgs } from '../../support/tlsCertificates';

const NAME = 'nlhv2';
const HOST_ADDR = '10.213.91.1';
const PEER_ADDR = '10.213.91.2';
const TLS_PORT = 2376;
const cli = join(__dirname, '../../../../dist/cli.js');
const SSH_PORT = 2222;

/** the joins every transport must agree on */
function joins(t: Topology): Record<string, string[]> {
  const host = t.host!;
  const sorted = (xs: string[]): string[] => [...xs].sort();
  return {
    interfaces: sorted(host.interfaces.map((i) => `${i.name} ${i.kind} master=${i.master} peer=${i.peer} container=${i.peerContainerId} ${[...i.addresses].sort().join(',')}`)),
    veths: sorted(t.networks.flatMap((n) => n.endpoints.map((e) => `${n.name}/${e.containerName} ${e.hostVeth}`))),
    bridges: sorted(t.networks.map((n) => `${n.name} ${n.bridge}`)),
    publishes: sorted(t.publishes.map((p) => `${p.containerName} ${p.hostIp}:${p.hostPort}->${p.containerPort} dnat=${p.dnatRule?.raw} proxy=${p.proxy?.pid}`)),
  };
}

const mismatch = (t: Topology) => t.gaps.find((g) => g.code === 'HOST_MISMATCH');

describe('a second Docker host reached over its unix socket, tcp+TLS and ssh:// (real dockerd, real sshd in its namespace)', function () {
  this.timeout(240_000);
  let node2: SecondEngine | undefined;
  let sshd: RunningSshd | undefined;
  let certs = '';
  let home = '';
  /** no DOCKER_* of the caller's, no ~/.ssh of the machine's: only what the test wrote */
  const env = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({ PATH: process.env.PATH, HOME: home, ...extra });
  const sshTarget = (): NonNullable<SessionOptions['ssh']> => ({ host: PEER_ADDR, port: SSH_PORT, username: sshd!.username, knownHostsPath: sshd!.knownHostsPath, privateKeyPath: sshd!.privateKeyPath });
  const read = async (o: SessionOptions): Promise<Topology> => {
    const s = createSession(o);
    try {
      return await s.snapshot();
    } finally {
      await s.dispose();
    }
  };
  let viaSocket: Topology;

  before(async () => {
    requireRealEngine();
    certs = mkdtempSync(join(tmpdir(), 'nl-hv-tls-'));
    home = mkdtempSync(join(tmpdir(), 'nl-hv-home-'));
    dockerTlsCertificates(certs, PEER_ADDR);
    node2 = await startSecondEngine(NAME, HOST_ADDR, PEER_ADDR, dockerdTlsArgs(certs, PEER_ADDR, TLS_PORT));
    node2.docker('network', 'create', '--subnet', '10.213.92.0/24', `${NAME}-net`);
    node2.docker('run', '-d', '--name', `${NAME}-web`, '--network', `${NAME}-net`, '-p', '8080:80', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/');
    node2.docker('run', '-d', '--name', `${NAME}-idle`, IMAGE, 'sleep', '3600');
    // node2's sshd: in its namespace, on its veth address; `docker system dial-stdio` there reaches node2's engine
    sshd = await startSshd({ netns: { name: NAME, address: PEER_ADDR, port: SSH_PORT }, setEnv: { DOCKER_HOST: node2.socket } });
    viaSocket = await read({ dockerHost: node2.socket, env: env(), hostShell: 'local', localShell: { prefix: ['nsenter', `--net=/run/netns/${NAME}`] } });
  });
  after(async () => {
    await sshd?.stop();
    node2?.stop();
    for (const d of [certs, home]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('over the unix socket, with this machine\'s shell in its namespace: joined, with the containers, publish and bridge', () => {
    assert.equal(mismatch(viaSocket), undefined, JSON.stringify(viaSocket.gaps));
    assert.ok(viaSocket.containers.some((c) => c.name === `${NAME}-web`) && viaSocket.containers.some((c) => c.name === `${NAME}-idle`));
    const j = joins(viaSocket);
    assert.ok(j.publishes.some((p) => p.startsWith(`${NAME}-web 0.0.0.0:8080->80 dnat=-A DOCKER`)), j.publishes.join('\n'));
    assert.ok(j.veths.every((v) => /\sveth\w+$/.test(v)), `every endpoint joined to its veth: ${j.veths.join('; ')}`);
    assert.ok(j.interfaces.some((i) => i.startsWith(`eth0 veth `) && i.split(' ').pop()!.split(',').includes(PEER_ADDR)), 'node2\'s own end of the underlay');
  });

  it('over tcp+TLS, host facts over SSH: the same joins', async () => {
    const t = await read({ dockerHost: `tcp://${PEER_ADDR}:${TLS_PORT}`, env: env({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }), hostShell: 'ssh', ssh: sshTarget() });
    assert.equal(t.engine.endpoint.kind, 'tcp');
    assert.ok(t.engine.endpoint.tls?.verify, 'the engine was reached with TLS verified');
    assert.equal(mismatch(t), undefined, JSON.stringify(t.gaps));
    assert.match(t.host!.target, new RegExp(PEER_ADDR.replace(/\./g, '\\.')), `host facts from node2 over SSH: ${t.host!.target}`);
    assert.deepEqual(joins(t), joins(viaSocket));
  });

  it('over ssh://, host facts over the same SSH target: the same joins', async () => {
    const t = await read({ dockerHost: `ssh://${sshd!.username}@${PEER_ADDR}:${SSH_PORT}`, env: env(), ssh: sshTarget() });
    assert.equal(t.engine.endpoint.kind, 'ssh');
    assert.equal(mismatch(t), undefined, JSON.stringify(t.gaps));
    assert.match(t.host!.target, new RegExp(PEER_ADDR.replace(/\./g, '\\.')), `host facts from node2 over SSH: ${t.host!.target}`);
    assert.deepEqual(joins(t), joins(viaSocket));
    // one sshd served engine and shell: every session it accepted was with the key this test wrote
    const accepted = readFileSync(sshd!.logPath, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey'));
    assert.ok(accepted.length >= 1, 'sshd accepted the client key');
  });

  it('the CLI reads this machine and node2 over ssh:// at once, trusting what ~/.ssh holds, and joins them by the veth', () => {
    // a user's own setup: the key and known_hosts where ssh looks for them, nothing on the command line
    const dotSsh = join(home, '.ssh');
    mkdirSync(dotSsh, { recursive: true, mode: 0o700 });
    copyFileSync(sshd!.privateKeyPath, join(dotSsh, 'id_ed25519'));
    copyFileSync(sshd!.knownHostsPath, join(dotSsh, 'known_hosts'));
    const out = execFileSync('node', [cli, 'topology', '--json', '--docker-host', 'unix:///var/run/docker.sock', '--docker-host', `ssh://${sshd!.username}@${PEER_ADDR}:${SSH_PORT}`], {
      encoding: 'utf8',
      timeout: 180_000,
      maxBuffer: 64 << 20,
      env: env() as NodeJS.ProcessEnv,
    });
    const parsed = JSON.parse(out) as { engines: Topology[]; links: { from: number; to: number; address: string; dev: string }[]; linksUnknown: string[] };
    const there = parsed.engines[1]!;
    assert.equal(there.engine.endpoint.kind, 'ssh');
    assert.ok(there.containers.some((c) => c.name === `${NAME}-web`), 'node2\'s containers, over ssh://');
    assert.equal(mismatch(there), undefined, JSON.stringify(there.gaps));
    assert.deepEqual(joins(there), joins(viaSocket));
    assert.ok(parsed.links.some((l) => l.from === 0 && l.to === 1 && l.address === PEER_ADDR && l.dev === `${NAME}-h`), JSON.stringify(parsed.links));
    assert.ok(parsed.links.some((l) => l.from === 1 && l.to === 0 && l.address === HOST_ADDR && l.dev === 'eth0'), JSON.stringify(parsed.links));
  });

  it('this machine\'s own shell beside node2\'s engine (ssh:// and tcp+TLS) is not joined: HOST_MISMATCH', async () => {
    const overSsh = await read({ dockerHost: `ssh://${sshd!.username}@${PEER_ADDR}:${SSH_PORT}`, env: env(), ssh: { ...sshTarget() }, hostShell: 'local' });
    assert.ok(mismatch(overSsh), `ssh:// with the local shell: ${JSON.stringify(overSsh.gaps)}`);
    const overTls = await read({ dockerHost: `tcp://${PEER_ADDR}:${TLS_PORT}`, env: env({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }), hostShell: 'local' });
    assert.ok(mismatch(overTls), `tcp+TLS with the local shell: ${JSON.stringify(overTls.gaps)}`);
  });
});
