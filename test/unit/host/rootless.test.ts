/**
 * Rootless Docker from recorded real output (test/fixtures/host/rootless, recordRootlessFixture.ts):
 * where the engine serving a socket lives, which RootlessKit the batch ran in and what its port
 * driver listens on, and what the model and the trace make of a real rootless snapshot.
 */
import { strict as assert } from 'node:assert';
import { parseBatch } from '../../../src/core/host/batch';
import { locateEngine, parseEngineProcess } from '../../../src/core/host/engineNamespace';
import { parseRootlessKit, rootlessKitOfShell } from '../../../src/core/host/commands/rootlessKit';
import { NetlensError } from '../../../src/core/errors';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { chooseHostShell } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { tracePacket } from '../../../src/core/trace';
import { hostSheet, publishSheet } from '../../../src/protocol/facts/hostSheets';
import { hostFixture } from '../../support/hostFixtures';

interface RootlessLabFacts {
  readonly socketPath: string;
  readonly uid: number;
  readonly dockerdPid: number;
  readonly publishedPort: number;
  readonly bridge: string;
  readonly delimiter: string;
}

const lab = JSON.parse(hostFixture('rootless/lab.json')) as RootlessLabFacts;
const section = (file: string, name: string) => {
  const s = parseBatch(hostFixture(`rootless/${file}`), lab.delimiter, [name]).get(name);
  assert.ok(s && s.code === 0, `${file}: section ${name} ran`);
  return s;
};
const search = (file: string) => parseEngineProcess(hostFixture(`rootless/${file}`));

describe('host: the engine behind a unix socket (the /proc lookup)', () => {
  it('finds rootless dockerd in RootlessKit\'s namespace; root enters its network namespace alone', () => {
    const where = locateEngine(search('engine-process-root.txt'), lab.socketPath);
    assert.equal(where.kind, 'other');
    if (where.kind !== 'other') return;
    assert.equal(where.pid, lab.dockerdPid);
    assert.ok(where.rootlessKitPid && where.rootlessKitPid !== where.pid);
    assert.deepEqual(where.prefix, ['nsenter', `--net=/proc/${lab.dockerdPid}/ns/net`]);
    assert.equal(where.label, `RootlessKit namespace of dockerd pid ${lab.dockerdPid}`);
  });

  it('the engine\'s own user enters the user namespace that owns it first', () => {
    const s = search('engine-process-user.txt');
    assert.equal(s.uid, lab.uid);
    const where = locateEngine(s, lab.socketPath);
    assert.equal(where.kind === 'other' && where.prefix.join(' '), `nsenter --target=${lab.dockerdPid} --user --net --preserve-credentials`);
  });

  it("a rootful engine serving from this shell's own namespace is left where it is, without a process search", () => {
    const s = search('engine-process-rootful.txt');
    assert.ok(s.here, 'the socket listens in this namespace');
    assert.deepEqual(s.engines, [], 'no process was searched');
    assert.deepEqual(locateEngine(s, '/var/run/docker.sock'), { kind: 'same', found: true, why: '/var/run/docker.sock listens in this namespace' });
  });

  it('a dockerd listed in this very namespace stays too', () => {
    const s = search('engine-process-root.txt');
    const where = locateEngine({ ...s, engines: s.engines.map((e) => ({ ...e, netns: s.selfNetns })) }, lab.socketPath);
    assert.deepEqual(where, { kind: 'same', found: true, why: `dockerd pid ${lab.dockerdPid} serves ${lab.socketPath} from this namespace` });
  });

  it('with no process seen holding the socket, the one namespace that lists it is still the one to enter', () => {
    const s = search('engine-process-root.txt');
    // a daemon between creating its socket and its fd table showing it (as while it starts)
    const where = locateEngine({ ...s, engines: s.engines.map((e) => ({ ...e, holdsSocket: false })) }, lab.socketPath);
    assert.equal(where.kind, 'other');
    assert.equal((where as { pid: number }).pid, lab.dockerdPid);
  });

  it('without a process holding the socket and listed in two namespaces it says why and stays', () => {
    const s = search('engine-process-root.txt');
    const one = s.engines[0]!;
    const two = [{ ...one, holdsSocket: false }, { ...one, pid: one.pid + 1, holdsSocket: false, netns: 'net:[4026539999]' }];
    const where = locateEngine({ ...s, engines: two }, lab.socketPath);
    assert.deepEqual(where, { kind: 'same', found: false, why: `the process serving ${lab.socketPath} was not found (dockerd pid ${one.pid}, ${one.pid + 1} lists it but holds no such socket)` });
    assert.match((locateEngine({ selfNetns: s.selfNetns, uid: 0, engines: [] }, lab.socketPath) as { why: string }).why, /no dockerd process lists a socket listening there/);
  });

  it("another user sees the socket listed but neither dockerd's fds nor its namespace: it stays, saying why", () => {
    const s = search('engine-process-nobody.txt');
    assert.deepEqual(s.engines.map((e) => [e.pid, e.holdsSocket, e.netns]), [[lab.dockerdPid, null, null]]);
    assert.deepEqual(locateEngine(s, lab.socketPath), { kind: 'same', found: false, why: `the network namespace of dockerd pid ${lab.dockerdPid} or of this shell could not be read` });
  });

  it('a dockerd whose fds cannot be read but whose namespace can is still the one listing the socket there', () => {
    const s = search('engine-process-root.txt');
    const where = locateEngine({ ...s, engines: s.engines.map((e) => ({ ...e, holdsSocket: null })) }, lab.socketPath);
    assert.equal(where.kind === 'other' && where.pid, lab.dockerdPid);
  });

  it('rejects lines it has never seen', () => {
    assert.throws(() => parseEngineProcess('engine x'), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE');
  });
});

describe('session: which local shell follows the engine', () => {
  const endpoint = resolveEngineEndpoint({ dockerHost: `unix://${lab.socketPath}`, env: {} });

  it('`auto` for a unix socket follows the process serving it', () => {
    assert.deepEqual(chooseHostShell(endpoint, { hostShell: 'auto' }), { kind: 'local', followEngineSocket: lab.socketPath });
  });

  it('an explicit `local`, or a shell prefix the caller gave, stays where it was put', () => {
    assert.deepEqual(chooseHostShell(endpoint, { hostShell: 'local' }), { kind: 'local' });
    assert.deepEqual(chooseHostShell(endpoint, { localShell: { prefix: ['nsenter', '--net=/run/netns/x'] } }), { kind: 'local' });
  });
});

describe('host: the rootlesskit section', () => {
  it("inside RootlessKit's namespace: its rootlesskit, the builtin port driver and the publish's socket on the machine's side", () => {
    const kit = rootlessKitOfShell(parseRootlessKit(section('rootlesskit-inside.txt', 'rootlesskit')));
    assert.ok(kit);
    assert.equal(kit.portDriver, 'builtin');
    assert.match(kit.args, /^rootlesskit --net=slirp4netns /);
    assert.ok(kit.listeners.known);
    assert.deepEqual(
      kit.listeners.value.map((l) => `${l.protocol} ${l.address}:${l.port}`),
      [`tcp 127.0.0.1:${lab.publishedPort}`],
      "only the sockets rootlesskit holds, not every listener of the machine's namespace",
    );
  });

  it("the engine's own user, inside RootlessKit's user namespace: the same RootlessKit, its sockets unknown with the reason", () => {
    const kit = rootlessKitOfShell(parseRootlessKit(section('rootlesskit-inside-user.txt', 'rootlesskit')));
    assert.ok(kit, 'found though its own namespace cannot be read from inside');
    assert.equal(kit.netns, null);
    assert.equal(kit.portDriver, 'builtin');
    assert.equal(kit.listeners.known, false);
    assert.match(kit.listeners.known ? '' : kit.listeners.reason, /^the sockets rootlesskit pid \d+ holds could not be read \(\/proc\/\d+\/fd\)/);
  });

  it("in the machine's own namespace the same processes are no RootlessKit of the shell", () => {
    const all = parseRootlessKit(section('rootlesskit-outside.txt', 'rootlesskit'));
    assert.equal(all.length, 1);
    assert.equal(rootlessKitOfShell(all), null);
  });
});

describe('model and trace of a real rootless snapshot', () => {
  const topo = JSON.parse(hostFixture('rootless/rootless.topology.json')) as Topology;
  const publish = topo.publishes.find((p) => p.hostPort === lab.publishedPort)!;

  it('the host is RootlessKit\'s namespace, and the publish names the port driver', () => {
    assert.equal(topo.host!.rootlessKit!.portDriver, 'builtin');
    assert.equal(publish.portDriver!.driver, 'builtin');
    assert.equal(publish.portDriver!.listener!.port, lab.publishedPort);
    const rows = hostSheet(topo).sections.flatMap((s) => s.rows.map((r) => r.label));
    assert.ok(rows.includes('Rootless Docker'), rows.join(', '));
    const sheet = publishSheet(topo, publish);
    assert.ok(sheet.badges.includes('rootlesskit'));
    assert.ok(sheet.sections[0]!.rows.some((r) => r.label === 'Port driver'));
  });

  it("a trace from the machine to the publish goes through rootlesskit's port driver first", () => {
    const r = tracePacket(topo, { from: 'host', to: `127.0.0.1:${lab.publishedPort}`, proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', r.decidedBy);
    assert.deepEqual([r.hops[0]!.namespace, r.hops[0]!.kind], ['machine', 'proxy']);
    assert.match(r.hops[0]!.what, /port driver builtin\) listens on 127\.0\.0\.1:\d+ in the machine's own namespace .* inside RootlessKit's network namespace/);
    assert.ok(r.hops.some((h) => h.kind === 'proxy' && /docker-proxy/.test(h.what)), 'then docker-proxy inside the namespace');
  });

  it('without rootlesskit\'s socket for the publish the trace is uncertain and names it', () => {
    const missing: Topology = { ...topo, publishes: topo.publishes.map((p) => (p === publish ? { ...p, portDriver: { ...p.portDriver!, listener: null } } : p)) };
    const r = tracePacket(missing, { from: 'host', to: `127.0.0.1:${lab.publishedPort}`, proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.match(r.decidedBy, /^not known: rootlesskit's socket for nlrl-web's publish 127\.0\.0\.1:\d+ /);
  });

  it('with its sockets unknown, the trace is uncertain for that reason', () => {
    const kit = rootlessKitOfShell(parseRootlessKit(section('rootlesskit-inside-user.txt', 'rootlesskit')))!;
    const why = kit.listeners.known ? '' : kit.listeners.reason;
    const pd = { ...publish.portDriver!, listener: null, listenerUnknown: why };
    const t: Topology = { ...topo, publishes: topo.publishes.map((p) => (p === publish ? { ...p, portDriver: pd } : p)) };
    const r = tracePacket(t, { from: 'host', to: `127.0.0.1:${lab.publishedPort}`, proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.equal(r.missing[0]!.why, why);
  });

  it('any other trace from "host" says the host is RootlessKit\'s namespace', () => {
    const web = topo.containers.find((c) => c.name === 'nlrl-web')!.interfaces[0]!.addresses[0]!.address;
    const r = tracePacket(topo, { from: 'host', to: `${web}:80`, proto: 'tcp' });
    assert.match(r.hops[0]!.what, /^"host" is RootlessKit's network namespace \(rootlesskit pid \d+\)/);
  });
});
