/**
 * Engine 28 daemons of this suite's own, each the Docker host of a network namespace of its own
 * ("a second Docker host on the same machine"), so what the daemon writes for an option is judged by
 * the kernel that runs it — whatever engine the machine's own dockerd is (20.10 or 28), and without
 * touching it:
 *
 * - `nlo-<key>-host`: the Docker host. `eth0` faces `nlo-<key>-out` (the outside world, a server on
 *   its own address), `eth1` faces `nlo-<key>-lan` (a second LAN, another server). Both peers route
 *   everything through the host, as a router's neighbours do.
 * - a dockerd 28 (scripts/lab/engine28.sh's binaries first on PATH, Debian 12's runc) started inside
 *   nlo-<key>-host with `nsenter --net=` (not `ip netns exec`, which remounts /sys and hides the
 *   cgroups), its own socket, pidfile, exec root and data root, and the containerd it starts itself
 *   (state under the exec root, content under the data root, its own socket).
 * - the image: netlens-busybox:1, built into each data root from Debian's static busybox by
 *   scripts/lab/engine-lib.sh (no registry, and no need of the machine's own engine).
 *
 * netlens reads each host as it reads any: engine facts over the daemon's socket, host facts by the
 * host batch run inside nlo-<key>-host (a local shell through `nsenter --net=`). Everything is named
 * nlo-* (namespaces, /run/nlo, /var/lib/nlo-docker-*); `down()` stops the daemons by their pidfiles,
 * ends what is left in those namespaces and removes it all — also what a crashed run left.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { alive, hostFactsIn, sleep } from '../../support/netnsHost';
import { ContainerDetailsCache } from '../../../src/core/docker/containerDetails';
import type { EngineFacts } from '../../../src/core/docker/types';
import { composeBatch } from '../../../src/core/host/batch';
import { containerNetnsCommand } from '../../../src/core/host/commands/containerNamespaces';
import type { HostFacts } from '../../../src/core/host/types';
import { known } from '../../../src/core/known';
import { buildTopology } from '../../../src/core/model/build';
import type { Gap, Topology } from '../../../src/core/model/types';
import { hostRulesets } from '../../../src/core/session';

const REPO = resolve(__dirname, '../../../..');
const NS_PREFIX = 'nlo-';
const RUN = '/run/nlo';
const DATA_PREFIX = '/var/lib/nlo-docker-';
/** the outside servers' pages: index.html, and cgi-bin/addr, which names the address the request came from */
const WWW = `${RUN}/www`;
export const PAGE = 'netlens test page';
export const IMAGE = 'netlens-busybox:1';
/** every container serves the image's page on 80 and 81 (81 is never published) */
const HTTPD = ['sh', '-c', 'httpd -p 80 -h /www && httpd -p 81 -h /www && exec sleep 1000000'];

export interface Link {
  /** the host's address on the link (eth0 or eth1) */
  readonly hostIp: string;
  /** the peer namespace's address */
  readonly peerIp: string;
  readonly prefix: number;
}

export interface NetSpec {
  readonly name: string;
  readonly subnet: string;
  /** `docker network create` options (-o …, --internal) */
  readonly args?: readonly string[];
}

export interface CtrSpec {
  readonly name: string;
  /** a user network of the spec, or `bridge` (docker0) */
  readonly network: string;
  readonly ip: string;
  /** `-p` values */
  readonly publish?: readonly string[];
  /** a UDP port to receive one datagram on, listening before the snapshot (the trace must see the socket) */
  readonly udpReceiver?: number;
}

export interface DaemonSpec {
  /** names everything of this daemon: nlo-<key>-host, /run/nlo/<key>, /var/lib/nlo-docker-<key> */
  readonly key: string;
  readonly title: string;
  /** dockerd options beyond where it keeps its files */
  readonly options: readonly string[];
  /**
   * net.ipv4.ip_forward in the host namespace before dockerd starts: Docker 28 sets the filter
   * FORWARD policy to DROP only when it has to turn forwarding on itself.
   */
  readonly ipForwardBefore: 0 | 1;
  readonly out: Link;
  readonly lan: Link;
  /** docker0's address (--bip) */
  readonly bip: string;
  readonly networks: readonly NetSpec[];
  readonly containers: readonly CtrSpec[];
}

export const nsNames = (key: string) => ({ host: `${NS_PREFIX}${key}-host`, out: `${NS_PREFIX}${key}-out`, lan: `${NS_PREFIX}${key}-lan` });
const runDir = (key: string): string => `${RUN}/${key}`;
export const socketOf = (key: string): string => `unix://${runDir(key)}/docker.sock`;

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, ...(opts.env ? { env: opts.env } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function attempt(cmd: string, args: readonly string[], timeoutMs = 10_000): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The same as run(), without blocking the event loop: the two daemons are set up side by side. */
function runAsync(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}): ${err || out}`));
    });
  });
}


function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM, at most `seconds` to go, then SIGKILL (and a few seconds more). */
async function stopPid(pid: number, seconds: number): Promise<void> {
  if (!alive(pid)) return;
  signal(pid, 'SIGTERM');
  for (let i = 0; i < seconds * 10 && alive(pid); i++) await sleep(100);
  if (!alive(pid)) return;
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

function pidFrom(file: string, comm: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Processes of this suite's daemons that outlived them (a crashed run): containerd shims and
 * containerd carry /run/nlo/<key>/… in their arguments — a path no one else uses.
 */
function leftoverPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.startsWith(`${RUN}/`) || a.startsWith(DATA_PREFIX))) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out.filter((p) => p !== process.pid);
}

function ourNamespaces(): string[] {
  const r = attempt('ip', ['-json', 'netns', 'list']);
  if (r.code !== 0 || !r.out.trim()) return [];
  return (JSON.parse(r.out) as { name: string }[]).map((n) => n.name).filter((n) => n.startsWith(NS_PREFIX));
}

/** Mount points under our run dir and data roots (overlay2 layers, container netns binds), deepest first. */
function ourMounts(): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${RUN}/`) || p === RUN || p.startsWith(DATA_PREFIX));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Removes everything of this suite, from this run or a crashed one: each daemon stopped by its
 * pidfile (dockerd stops its containers and its containerd), then whatever is left of theirs ended by
 * pid, the namespaces' own processes (servers, receivers) ended, mounts undone, namespaces, run dir
 * and data roots deleted.
 */
export async function down(): Promise<void> {
  const t0 = Date.now();
  const step = (what: string): void => {
    if (process.env['NLO_VERBOSE']) console.log(`      down: ${what} after ${Date.now() - t0} ms`);
  };
  const keys = existsSync(RUN) ? readdirSync(RUN).filter((k) => existsSync(`${runDir(k)}/docker.pid`) || existsSync(`${runDir(k)}/exec`)) : [];
  await Promise.all(
    keys.map(async (k) => {
      const dockerd = pidFrom(`${runDir(k)}/docker.pid`, 'dockerd');
      const containerd = pidFrom(`${runDir(k)}/exec/containerd/containerd.pid`, 'containerd');
      if (dockerd) await stopPid(dockerd, 30);
      if (containerd) await stopPid(containerd, 10);
    }),
  );
  step('daemons stopped');
  await Promise.all(leftoverPids().map((p) => stopPid(p, 5)));
  step('leftover processes ended');
  for (const ns of ourNamespaces()) {
    for (const pid of attempt('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p))) signal(Number(pid), 'SIGKILL');
  }
  for (const m of ourMounts()) attempt('umount', ['-l', m]);
  for (const ns of ourNamespaces()) attempt('ip', ['netns', 'del', ns]);
  step('namespaces deleted');
  rmSync(RUN, { recursive: true, force: true });
  for (const d of readdirSync('/var/lib').filter((x) => `/var/lib/${x}`.startsWith(DATA_PREFIX))) rmSync(`/var/lib/${d}`, { recursive: true, force: true });
}

/** Engine 28's prefix, fetched by the project's script when it is not there yet (its last line). */
export function engine28Prefix(): string {
  const out = run('bash', [join(REPO, 'scripts/lab/engine28.sh')], { timeoutMs: 300_000 }).trim().split('\n');
  const prefix = out[out.length - 1] ?? '';
  if (!existsSync(join(prefix, 'usr/sbin/dockerd'))) throw new Error(`scripts/lab/engine28.sh printed ${prefix}, which holds no usr/sbin/dockerd`);
  return prefix;
}

function ipIn(ns: string, ...args: string[]): void {
  run('ip', ['-n', ns, ...args]);
}

function buildNamespaces(spec: DaemonSpec): void {
  const ns = nsNames(spec.key);
  for (const n of [ns.host, ns.out, ns.lan]) {
    run('ip', ['netns', 'add', n]);
    ipIn(n, 'link', 'set', 'lo', 'up');
  }
  for (const [dev, peer, link] of [['eth0', ns.out, spec.out], ['eth1', ns.lan, spec.lan]] as const) {
    ipIn(ns.host, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer);
    ipIn(ns.host, 'addr', 'add', `${link.hostIp}/${link.prefix}`, 'dev', dev);
    ipIn(ns.host, 'link', 'set', dev, 'up');
    ipIn(peer, 'addr', 'add', `${link.peerIp}/${link.prefix}`, 'dev', 'eth0');
    ipIn(peer, 'link', 'set', 'eth0', 'up');
    ipIn(peer, 'route', 'add', 'default', 'via', link.hostIp);
  }
  run('nsenter', [`--net=/run/netns/${ns.host}`, 'sh', '-c', `echo ${spec.ipForwardBefore} > /proc/sys/net/ipv4/ip_forward`]);
}

function writeWww(): void {
  mkdirSync(`${WWW}/cgi-bin`, { recursive: true });
  writeFileSync(`${WWW}/index.html`, `${PAGE}\n`);
  writeFileSync(`${WWW}/cgi-bin/addr`, `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n${PAGE} from %s\\n' "$REMOTE_ADDR"\n`);
  chmodSync(`${WWW}/cgi-bin/addr`, 0o755);
}

async function waitFor(what: string, limitMs: number, check: () => boolean, gaveUp?: () => string | null): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (check()) return;
    const why = gaveUp?.();
    if (why) throw new Error(`${what}: ${why}`);
    await sleep(200);
  }
  throw new Error(`${what}: not within ${limitMs / 1000} s`);
}

function listens(argvPrefix: readonly string[], proto: 'tcp' | 'udp', port: number): boolean {
  const r = attempt(argvPrefix[0]!, [...argvPrefix.slice(1), 'ss', '-Hln', proto === 'tcp' ? '-t' : '-u']);
  return r.out.split('\n').some((l) => (l.trim().split(/\s+/)[3] ?? '').endsWith(`:${port}`));
}

export interface UdpReceiver {
  /** true once the datagram `text` has arrived (waits up to 3 s), then ends the receiver */
  received(text: string): Promise<boolean>;
}

export interface RunningDaemon {
  readonly spec: DaemonSpec;
  readonly version: string;
  /** the container's init process, for `nsenter -t PID -n` */
  pid(container: string): number;
  readonly udp: ReadonlyMap<string, UdpReceiver>;
  /** netlens's model of this Docker host: engine facts over its socket, host facts read inside its namespace */
  snapshot(): Promise<{ topology: Topology; engine: EngineFacts; host: HostFacts }>;
}

function docker(key: string, ...args: string[]): Promise<string> {
  return runAsync('docker', ['-H', socketOf(key), ...args], { timeoutMs: 60_000 });
}

/** Starts dockerd in its namespace and waits (bounded) until it answers. */
async function startDaemon(spec: DaemonSpec, prefix: string): Promise<string> {
  const dir = runDir(spec.key);
  mkdirSync(dir, { recursive: true });
  const log = openSync(`${dir}/dockerd.log`, 'a');
  const ns = nsNames(spec.key);
  const argv = [
    `--net=/run/netns/${ns.host}`,
    'dockerd',
    '--host', socketOf(spec.key),
    '--data-root', `${DATA_PREFIX}${spec.key}`,
    '--exec-root', `${dir}/exec`,
    '--pidfile', `${dir}/docker.pid`,
    '--bip', spec.bip,
    ...spec.options,
  ];
  // its own session, so it outlives nothing of ours by accident and no terminal signal reaches it
  const child = spawn('nsenter', argv, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, PATH: `${prefix}/usr/bin:${prefix}/usr/sbin:${process.env['PATH'] ?? ''}` } });
  closeSync(log);
  child.unref();
  let version = '';
  await waitFor(
    `dockerd ${spec.key} (log ${dir}/dockerd.log)`,
    45_000,
    () => {
      const r = attempt('docker', ['-H', socketOf(spec.key), 'version', '--format', '{{.Server.Version}}'], 5_000);
      version = r.code === 0 ? r.out.trim() : '';
      return version !== '';
    },
    () => (child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode}) before it answered: ${readFileSync(`${dir}/dockerd.log`, 'utf8').split('\n').slice(-8).join('\n')}` : null),
  );
  if (!version.startsWith('28.')) throw new Error(`asked for Engine 28, ${version} answers on ${socketOf(spec.key)}`);
  return version;
}

/** The project's image builder (scripts/lab/engine-lib.sh), pointed at this daemon. */
async function ensureImage(key: string): Promise<void> {
  await runAsync('bash', ['-c', `log() { echo "image: $*" >&2; }; . "${join(REPO, 'scripts/lab/engine-lib.sh')}"; ensure_busybox_image`], {
    env: { ...process.env, DOCKER_HOST: socketOf(key) },
    timeoutMs: 120_000,
  });
}

async function populate(spec: DaemonSpec): Promise<void> {
  for (const n of spec.networks) await docker(spec.key, 'network', 'create', '--subnet', n.subnet, ...(n.args ?? []), n.name);
  for (const c of spec.containers) {
    // docker0 takes no --ip: a new daemon hands out its addresses in order, checked below
    const ip = c.network === 'bridge' ? [] : ['--ip', c.ip];
    // --stop-timeout 1: sh ignores SIGTERM as PID 1, and the daemon waits 10 s per container before it kills
    await docker(spec.key, 'run', '-d', '--stop-timeout', '1', '--name', c.name, '--network', c.network, ...ip, ...(c.publish ?? []).flatMap((p) => ['-p', p]), IMAGE, ...HTTPD);
    const got = (await docker(spec.key, 'inspect', '-f', `{{(index .NetworkSettings.Networks "${c.network}").IPAddress}}`, c.name)).trim();
    if (got !== c.ip) throw new Error(`container ${c.name} got ${got} on ${c.network}, the lab expects ${c.ip}`);
  }
}

function containerPid(key: string, name: string): number {
  const pid = Number(run('docker', ['-H', socketOf(key), 'inspect', '-f', '{{.State.Pid}}', name]).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`container ${name} has no pid`);
  return pid;
}

function startUdpReceiver(pid: number, port: number, children: ChildProcess[]): UdpReceiver {
  let got = '';
  // bounded; the probe ends it sooner
  const child = spawn('nsenter', ['-t', String(pid), '-n', 'timeout', '300', 'python3', '-c',
    `import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',${port}));print('ready',flush=True);print(s.recvfrom(100)[0].decode(),flush=True)`], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  child.stdout!.on('data', (d: Buffer) => (got += d.toString()));
  return {
    async received(text) {
      for (let i = 0; i < 30 && !got.includes(text); i++) await sleep(100);
      child.kill('SIGKILL');
      return got.includes(text);
    },
  };
}

/** What the engine and the host batch say about this Docker host, joined as the extension joins them. */
async function snapshot(spec: DaemonSpec): Promise<{ topology: Topology; engine: EngineFacts; host: HostFacts }> {
  const endpoint = resolveEngineEndpoint({ dockerHost: socketOf(spec.key), env: process.env });
  const client = createDockerClient(endpoint);
  const listed = await collectEngineFacts(client, endpoint);
  const engine: EngineFacts = { ...listed, containers: (await new ContainerDetailsCache(client).enrich(listed.containers)).containers };
  const ns = nsNames(spec.key);
  const facts = await hostFactsIn(ns.host);
  if (!facts.namedNetns.known) throw new Error(`named netns unknown: ${facts.namedNetns.reason}`);
  const host: HostFacts = {
    ...facts,
    // /run/netns is this machine's list, shared by every lab on it (also the other daemon's): this
    // host's neighbours are the two namespaces cabled to it
    namedNetns: known(facts.namedNetns.value.filter((n) => n.name === ns.out || n.name === ns.lan)),
  };
  const gaps: Gap[] = [];
  const rules = hostRulesets(host, gaps);
  return { topology: buildTopology({ engine, host, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps }), engine, host };
}

/**
 * Brings up every daemon of `specs` side by side (namespaces, dockerd, image, networks, containers,
 * the outside servers, UDP receivers). On any failure everything is removed again before it throws.
 */
export async function up(specs: readonly DaemonSpec[]): Promise<{ daemons: RunningDaemon[]; stop: () => Promise<void> }> {
  await down();
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await down();
  };
  try {
    writeWww();
    const prefix = engine28Prefix();
    for (const s of specs) buildNamespaces(s);
    const settled = await Promise.allSettled(
      specs.map(async (spec): Promise<RunningDaemon> => {
        const version = await startDaemon(spec, prefix);
        await ensureImage(spec.key);
        await populate(spec);
        const ns = nsNames(spec.key);
        for (const [peer, link] of [[ns.out, spec.out], [ns.lan, spec.lan]] as const) {
          children.push(spawn('nsenter', [`--net=/run/netns/${peer}`, 'busybox', 'httpd', '-f', '-p', `${link.peerIp}:80`, '-h', WWW], { stdio: 'ignore' }));
        }
        const pids = new Map(spec.containers.map((c) => [c.name, containerPid(spec.key, c.name)]));
        const udp = new Map<string, UdpReceiver>();
        for (const c of spec.containers) if (c.udpReceiver) udp.set(c.name, startUdpReceiver(pids.get(c.name)!, c.udpReceiver, children));
        for (const c of spec.containers) {
          const inCtr = ['nsenter', '-t', String(pids.get(c.name)), '-n'];
          await waitFor(`httpd of ${c.name}`, 10_000, () => listens(inCtr, 'tcp', 81));
          if (c.udpReceiver) await waitFor(`udp receiver in ${c.name}`, 10_000, () => listens(inCtr, 'udp', c.udpReceiver!));
        }
        for (const peer of [ns.out, ns.lan]) {
          await waitFor(`httpd in ${peer}`, 10_000, () => listens(['nsenter', `--net=/run/netns/${peer}`], 'tcp', 80));
        }
        return {
          spec,
          version,
          pid: (name) => {
            const p = pids.get(name);
            if (p === undefined) throw new Error(`no container ${name} in daemon ${spec.key}`);
            return p;
          },
          udp,
          snapshot: () => snapshot(spec),
        };
      }),
    );
    // both set-ups have ended (none is still creating containers while stop() removes them)
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { daemons: settled.map((r) => (r as PromiseFulfilledResult<RunningDaemon>).value), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The delimiter of recorded batch output (test/fixtures/host/capture-batch.cjs uses the same). */
export const FIXTURE_DELIMITER = 'NLBfixture0123456789abcdef';

/**
 * Records, for fixtures, what each daemon's host looks like from inside its namespace: `iptables-save`
 * and the host batch's container-netns section (the machine's process list, with every engine's
 * docker-proxy, and the namespaces they run in). Run the suite with NLO_RECORD_DIR=DIR.
 */
export function record(daemons: readonly RunningDaemon[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const d of daemons) {
    const ns = ['nsenter', `--net=/run/netns/${nsNames(d.spec.key).host}`];
    const tag = `engine${d.version.replace(/\+.*/, '')}-${d.spec.key}`;
    writeFileSync(join(dir, `${tag}.iptables-save`), run(ns[0]!, [...ns.slice(1), 'iptables-save']));
    const r = spawnSync(ns[0]!, [...ns.slice(1), 'sh', '-s'], { input: composeBatch([containerNetnsCommand], FIXTURE_DELIMITER), encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`container-netns batch in ${d.spec.key} failed: ${r.stderr}`);
    writeFileSync(join(dir, `${tag}.processes-batch.txt`), r.stdout);
  }
}
