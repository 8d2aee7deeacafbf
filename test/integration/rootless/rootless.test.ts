/**
 * Rootless Docker, real: a dockerd run by an unprivileged user of the suite's own inside RootlessKit's
 * namespaces (rootlessLab.ts). Asked for through its socket as a user would (`auto` host shell),
 * netlens must find the namespace the engine serves the socket from, read the host facts there
 * (joined: the identity check passes), see the user network's bridge and each container's veth
 * there — and not in the machine's own namespace — and show a publish entering through RootlessKit's
 * port driver. The kernel judges the traces: a real connection between the containers, and one from
 * the machine's loopback to the published port.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type Session } from '../../../src/core/session';
import { collectHostFacts } from '../../../src/core/host/collect';
import { createEngineNamespaceShell } from '../../../src/core/host/engineNamespace';
import type { Topology } from '../../../src/core/model/types';
import { formatTrace, tracePacket } from '../../../src/core/trace';
import { IMAGE, docker, freePort, hostLinks, removeLab, requireRealEngine, run } from '../../support/lab';
import { rootlessBuild, startRootlessEngine, type RootlessEngine } from '../../support/rootlessLab';
import type { Verdict } from '../../support/kernelProbe';

describe('rootless Docker: the engine in RootlessKit\'s namespace', function () {
  this.timeout(180_000);
  let engine: RootlessEngine | undefined;
  let session: Session | undefined;
  let topo: Topology;
  let port: number;
  let bridge: string;

  before(async () => {
    requireRealEngine();
    removeLab('nlrl-');
    // The machine's own namespace as a busy machine has it: a rootful container on --network host, an
    // interface that is down (its sysfs carrier answers EINVAL) and a named netns. From RootlessKit's
    // namespace that container's namespace is a foreign one, read from the host side like any other;
    // the named netns is the machine's, not the rootless engine's host's.
    run('ip', ['link', 'add', 'nlrl-dn0', 'type', 'veth', 'peer', 'name', 'nlrl-dn1']);
    run('ip', ['netns', 'add', 'nlrl-ns']);
    docker('run', '-d', '--name', 'nlrl-hostnet', '--network', 'host', IMAGE, 'sleep', '100000');
    // and a rootful container on the machine's docker0: not the rootless engine's, so not read for it
    docker('run', '-d', '--name', 'nlrl-rootful', IMAGE, 'sleep', '100000');
    engine = await startRootlessEngine();
    port = await freePort();
    const netId = engine.docker('network', 'create', 'nlrl-net');
    bridge = `br-${netId.slice(0, 12)}`;
    engine.docker('run', '-d', '--name', 'nlrl-web', '--network', 'nlrl-net', '-p', `127.0.0.1:${port}:80`, IMAGE, 'sh', '-c', 'mkdir -p /www && echo netlens rootless page > /www/index.html && exec httpd -f -p 80 -h /www');
    engine.docker('run', '-d', '--name', 'nlrl-client', '--network', 'nlrl-net', IMAGE, 'sleep', '100000');
    session = createSession({ dockerHost: engine.url, env: {} });
    topo = await session.snapshot();
  });

  after(async () => {
    await session?.dispose();
    engine?.stop();
    removeLab('nlrl-');
  });

  it('runs the engine build the machine runs (the suite runs on Engine 20.10 and on Engine 28)', () => {
    const built = /^Docker version (\S+),/.exec(run(`${rootlessBuild().prefix}/sbin/dockerd`, ['--version']))?.[1];
    assert.ok(built, 'dockerd --version names its version');
    assert.equal(engine!.docker('version', '--format', '{{.Server.Version}}'), built);
    assert.equal(topo.engine.version, built, 'the model says which engine it read');
  });

  it('finds the engine in RootlessKit\'s namespace and joins the host facts read there', () => {
    assert.match(topo.host!.target, new RegExp(`^local \\(RootlessKit namespace of dockerd pid ${engine!.dockerdPid}: nsenter --net=/proc/${engine!.dockerdPid}/ns/net\\)$`));
    assert.equal(topo.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined, JSON.stringify(topo.gaps));
    assert.ok(topo.host!.rootlessKit, 'the model names the rootlesskit process');
    assert.equal(topo.host!.rootlessKit.portDriver, 'builtin');
    assert.match(topo.host!.rootlessKit.args, /rootlesskit .*--net=slirp4netns/);
    // the facts not read, and why: /var/run/netns and /var/run/docker/netns are the machine's, not RootlessKit's namespace's
    assert.deepEqual(
      topo.gaps.map((g) => g.subject).sort(),
      ['host.dockerNetns', 'host.namedNetns'],
      JSON.stringify(topo.gaps),
    );
    assert.match(topo.gaps.find((g) => g.subject === 'host.dockerNetns')!.reason, /^rootless Docker keeps its own namespaces/);
    assert.deepEqual(topo.host!.namedNetns, [], "none of the machine's named namespaces is lent to it");
    assert.equal(topo.stats.shellRoundTrips, 1, 'the lookup reads /proc in-process: still one shell run');
  });

  it("has the bridge and the containers' veths in RootlessKit's namespace, not in the machine's", () => {
    const names = topo.host!.interfaces.map((i) => i.name);
    assert.ok(names.includes(bridge), `${bridge} among ${names.join(' ')}`);
    assert.ok(names.includes('tap0'), "slirp4netns's tap0: the namespace's way out");
    const mine = hostLinks().map((l) => l.ifname);
    assert.ok(!mine.includes(bridge), `${bridge} is not in the machine's own namespace`);
    const web = topo.containers.find((x) => x.name === 'nlrl-web')!;
    assert.ok(web.listeners?.known && web.listeners.value.some((l) => l.protocol === 'tcp' && l.port === 80), `httpd's socket read from the host side: ${JSON.stringify(web.listeners)}`);
    for (const name of ['nlrl-web', 'nlrl-client']) {
      const c = topo.containers.find((x) => x.name === name)!;
      const eth0 = c.interfaces.find((i) => i.name === 'eth0');
      assert.ok(eth0, `${name} eth0 read`);
      assert.equal(eth0.bridge, bridge, `${name}'s veth is a port of ${bridge}`);
      const peer = topo.host!.interfaces.find((i) => i.name === eth0.hostPeer);
      assert.ok(peer && peer.kind === 'veth' && peer.master === bridge, `${name}'s host-side veth ${eth0.hostPeer} in the namespace`);
      assert.ok(!mine.includes(eth0.hostPeer!), `${eth0.hostPeer} is not in the machine's own namespace`);
    }
  });

  it("reads only its own containers' namespaces, not those of the machine's rootful containers", async () => {
    const shell = createEngineNamespaceShell(engine!.socketPath);
    try {
      const facts = await collectHostFacts(shell);
      assert.ok(facts.containerNetns.known, JSON.stringify(facts.containerNetns));
      const read = Object.keys(facts.containerNetns.value).sort();
      const own = ['nlrl-web', 'nlrl-client'].map((n) => engine!.docker('inspect', '-f', '{{.Id}}', n)).sort();
      assert.deepEqual(read, own, "the rootless engine's two containers, none of the machine's");
      const rootful = docker('inspect', '-f', '{{.Id}}', 'nlrl-rootful');
      assert.ok(!read.includes(rootful), 'the rootful container on docker0 is not walked');
    } finally {
      await shell.dispose();
    }
  });

  it('a trace between the containers agrees with a real connection', () => {
    const result = tracePacket(topo, { from: 'nlrl-client', to: 'nlrl-web:80', proto: 'tcp' });
    const web = topo.containers.find((c) => c.name === 'nlrl-web')!.interfaces.find((i) => i.name === 'eth0')!.addresses[0]!.address;
    const got = spawnSync('docker', ['-H', engine!.url, 'exec', 'nlrl-client', 'timeout', '5', 'busybox', 'wget', '-qO-', `http://${web}/`], { encoding: 'utf8', timeout: 20_000 });
    const kernel: Verdict = got.status === 0 && got.stdout.includes('netlens rootless page') ? 'delivered' : 'dropped';
    assert.equal(kernel, 'delivered', `the real connection: ${got.stderr}`);
    assert.equal(result.verdict, kernel, formatTrace(result));
  });

  it('shows the publish entering through RootlessKit\'s port driver, and its trace agrees with a real connection', () => {
    const p = topo.publishes.find((x) => x.containerName === 'nlrl-web' && x.hostPort === port)!;
    assert.ok(p, 'the publish');
    assert.equal(p.portDriver?.process, 'rootlesskit');
    assert.equal(p.portDriver.pid, topo.host!.rootlessKit!.pid);
    assert.equal(p.portDriver.driver, 'builtin');
    assert.deepEqual(
      p.portDriver.listener && { protocol: p.portDriver.listener.protocol, address: p.portDriver.listener.address, port: p.portDriver.listener.port },
      { protocol: 'tcp', address: '127.0.0.1', port },
      "rootlesskit's own socket on the machine's side",
    );
    // inside the namespace, dockerd's DNAT rule and docker-proxy take it on as on any engine
    assert.ok(p.dnatRule, 'the DNAT rule in the namespace');
    assert.ok(p.proxy, 'docker-proxy in the namespace');

    const result = tracePacket(topo, { from: 'host', to: `127.0.0.1:${port}`, proto: 'tcp' });
    const first = result.hops[0]!;
    assert.equal(first.namespace, 'machine');
    assert.equal(first.kind, 'proxy');
    assert.match(first.what, new RegExp(`^rootlesskit \\(pid ${p.portDriver.pid}, port driver builtin\\) listens on 127\\.0\\.0\\.1:${port} in the machine's own namespace`));
    const got = spawnSync('busybox', ['wget', '-qO-', `http://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: 10_000 });
    const kernel: Verdict = got.status === 0 && got.stdout.includes('netlens rootless page') ? 'delivered' : 'dropped';
    assert.equal(kernel, 'delivered', `the real connection from the machine's loopback: ${got.stderr}`);
    assert.equal(result.verdict, kernel, formatTrace(result));
  });

  it("the engine's own user runs the CLI with the `rootless` context, as the Docker CLI finds the engine", () => {
    const built = join(__dirname, '../../../../dist');
    assert.ok(existsSync(join(built, 'cli.js')) && existsSync(join(built, 'cli-main.js')), `${built}/cli.js and cli-main.js exist (npm run build)`);
    // the user's copy of the CLI (its launcher and the bundles beside it), in its runtime dir (the
    // checkout may not be the user's to read)
    const dir = join(engine!.runtimeDir, 'netlens-cli');
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(built).filter((n) => n === 'cli.js' || /^cli-[a-z0-9]+\.js$/.test(n))) copyFileSync(join(built, f), join(dir, f));
    chownSync(dir, engine!.uid, engine!.uid);
    const cli = join(dir, 'cli.js');
    // what dockerd-rootless-setuptool.sh install does for the user
    const ctx = engine!.asUser(['docker', 'context', 'create', 'rootless', '--docker', `host=${engine!.url}`]);
    assert.equal(ctx.status, 0, ctx.stderr);
    assert.equal(engine!.asUser(['docker', 'context', 'use', 'rootless']).status, 0);
    const r = engine!.asUser([process.execPath, cli, 'topology', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout) as Topology;
    assert.equal(t.engine.endpoint.url, engine!.url);
    const pid = engine!.dockerdPid;
    assert.equal(t.host!.target, `local (RootlessKit namespace of dockerd pid ${pid}: nsenter --target=${pid} --user --net --preserve-credentials)`);
    assert.equal(t.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined, JSON.stringify(t.gaps));
    for (const name of ['nlrl-web', 'nlrl-client']) {
      const eth0 = t.containers.find((c) => c.name === name)!.interfaces.find((i) => i.name === 'eth0');
      assert.equal(eth0?.bridge, bridge, `${name}'s veth is a port of ${bridge}, read as the user`);
    }
    // inside RootlessKit's user namespace rootlesskit's own sockets are not the user's to read: said, not guessed
    const p = t.publishes.find((x) => x.hostPort === port)!;
    assert.equal(p.portDriver?.driver, 'builtin');
    assert.equal(p.portDriver.listener, null);
    assert.match(p.portDriver.listenerUnknown ?? '', /could not be read/);
    assert.ok(t.gaps.some((g) => g.subject.startsWith('publish nlrl-web') && /could not be read/.test(g.reason)));
  });

  it('follows the engine when it restarts in a new namespace (one more run, not a wrong namespace)', async () => {
    const before = engine!.dockerdPid;
    engine!.stop();
    engine = await startRootlessEngine();
    assert.notEqual(engine.dockerdPid, before);
    const again = await session!.snapshot();
    assert.match(again.host!.target, new RegExp(`^local \\(RootlessKit namespace of dockerd pid ${engine.dockerdPid}: `));
    assert.equal(again.stats.shellRoundTrips, 2, 'the run that found the namespace gone, then the run in the new one');
    assert.equal(again.gaps.find((g) => g.code === 'HOST_MISMATCH'), undefined, JSON.stringify(again.gaps));
    const steady = await session!.snapshot();
    assert.equal(steady.stats.shellRoundTrips, 1);
  });
});
