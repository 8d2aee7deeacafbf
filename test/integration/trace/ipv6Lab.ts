/**
 * A Docker host of this suite's own for IPv6 traces: a network namespace `nl6-host` with its own
 * dockerd (Engine 20.10 from Debian 12, or Engine 28 from scripts/lab/engine28.sh's prefix), never
 * the machine's own engine, which other suites switch between versions.
 *
 * - `nl6-host`: joined to the machine by a veth (`nl6-up0` 10.216.0.1/30 ↔ `up0` 10.216.0.2/30, the
 *   second-host recipe), and to the outside by `out0` fd6e:6c36:0:1::1/64 (+ 10.216.1.1/30). Its
 *   dockerd: `--host unix:///run/nl6/docker.sock --data-root /var/lib/nl6-docker --exec-root
 *   /run/nl6/exec --pidfile /run/nl6/docker.pid`, with `--experimental --ip6tables` on 20.10 (ip6tables
 *   is on by default since 27). Its containerd is the one dockerd starts under the exec root.
 * - `nl6-out`: "outside", `eth0` fd6e:6c36:0:1::2/64 (+ 10.216.1.2/30), with routes to the
 *   containers' IPv6 subnets via nl6-host (a neighbour on the LAN can always send those) and a busybox
 *   httpd on [fd6e:6c36:0:1::2]:80.
 * - networks: nl6-a (10.216.10.0/24 + fd6e:6c36:0:10::/64) and nl6-b (10.216.11.0/24 +
 *   fd6e:6c36:0:11::/64), IPv6-enabled; nl6-v4 (10.216.12.0/24), IPv4 only.
 * - containers (busybox httpd on port 80, which binds [::]:80): nl6-a1 on nl6-a publishing 47680→80;
 *   nl6-a2 on nl6-a; nl6-b1 on nl6-b; nl6-v1 on nl6-v4 publishing 47681→80 (its IPv6 publish is
 *   served by docker-proxy alone, relaying to IPv4).
 * - the image: netlens-busybox:1 imported into this daemon from Debian's busybox-static (no registry,
 *   and the machine's engine is not asked for it).
 *
 * netlens reads this host as it reads any: the engine at unix:///run/nl6/docker.sock, the host batch
 * through `nsenter --net=/run/netns/nl6-host`. What the batch sees beyond the namespace (the machine's
 * named netns, other daemons' docker-proxy processes, the machine daemon's own namespaces) is no
 * part of this host and is left out of its facts. Everything is named nl6-*; `down()` removes it all
 * — daemons stopped by their pidfiles, mounts, namespaces, veths, /run/nl6 and /var/lib/nl6-docker —
 * and tolerates what a crashed run left. Every wait has a limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient } from '../../../src/core/docker/client';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { ContainerDetailsCache } from '../../../src/core/docker/containerDetails';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { alive, hostFactsIn, sleep } from '../../support/netnsHost';
import type { HostFacts } from '../../../src/core/host/types';
import { known } from '../../../src/core/known';
import { buildTopology } from '../../../src/core/model/build';
import type { Gap, Topology } from '../../../src/core/model/types';
import { hostRulesets } from '../../../src/core/session';

export type Engine = '20' | '28';

export const HOST_NS = 'nl6-host';
export const OUT_NS = 'nl6-out';
export const RUN_DIR = '/run/nl6';
export const SOCKET = `${RUN_DIR}/docker.sock`;
export const DOCKER_HOST = `unix://${SOCKET}`;
const EXEC_ROOT = `${RUN_DIR}/exec`;
const PIDFILE = `${RUN_DIR}/docker.pid`;
const CONTAINERD_PIDFILE = `${EXEC_ROOT}/containerd/containerd.pid`;
const DATA_ROOT = '/var/lib/nl6-docker';
const LOG = `${RUN_DIR}/dockerd.log`;
const WWW = '/tmp/nl6-www';
const UPLINK = { host: 'nl6-up0', ns: 'up0', hostIp: '10.216.0.1/30', nsIp: '10.216.0.2/30' } as const;

export const IMAGE = 'netlens-busybox:1';
/** nl6-host's address on the outside link, and the outside's */
export const HOST6 = 'fd6e:6c36:0:1::1';
export const OUT6 = 'fd6e:6c36:0:1::2';
export const OUT_PAGE = 'netlens nl6 page';
/** the image's own page (netlens-busybox:1's /www/index.html) */
export const PAGE = 'netlens test page';
export const PUBLISHED = 47680;
export const PUBLISHED_V4ONLY = 47681;
export const NETS = {
  a: { name: 'nl6-a', v4: '10.216.10.0/24', v6: 'fd6e:6c36:0:10::/64' },
  b: { name: 'nl6-b', v4: '10.216.11.0/24', v6: 'fd6e:6c36:0:11::/64' },
  v4: { name: 'nl6-v4', v4: '10.216.12.0/24', v6: null },
} as const;
const HTTPD = ['sh', '-c', 'httpd -p 80 -h /www && exec sleep 1000000'];

export function run(cmd: string, args: readonly string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.env ? { env: opts.env } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim()}`);
  return r.stdout;
}

export function attempt(cmd: string, args: readonly string[], timeoutMs = 10_000): { ok: boolean; code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `docker` against this suite's daemon only. */
export function docker(...args: string[]): string {
  return run('docker', ['-H', DOCKER_HOST, ...args]);
}

export function dockerAttempt(args: readonly string[], timeoutMs = 15_000): { ok: boolean; code: number | null; out: string } {
  return attempt('docker', ['-H', DOCKER_HOST, ...args], timeoutMs);
}

/** argv that runs `argv` inside netns `ns` (nsenter: /sys stays the machine's, cgroups stay visible to dockerd). */
export function inNs(ns: string, argv: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${ns}`, ...argv]];
}

function nsRun(ns: string, argv: readonly string[]): string {
  const [cmd, args] = inNs(ns, argv);
  return run(cmd, args);
}


function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function pidFrom(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Stops `pid` (TERM, then KILL after `graceMs`) when it is still the program `name`; bounded. */
async function stopPid(pid: number | null, name: string, graceMs: number): Promise<void> {
  if (pid === null || !alive(pid) || comm(pid) !== name) return;
  process.kill(pid, 'SIGTERM');
  for (let t = 0; t < graceMs && alive(pid); t += 100) await sleep(100);
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  for (let t = 0; t < 5_000 && alive(pid); t += 100) await sleep(100);
}

/** The containerd shims of this suite's containerd (their -address is under our exec root), by pid. */
function ourShims(): number[] {
  const r = attempt('ps', ['-eo', 'pid=,args=']);
  return r.out
    .split('\n')
    .filter((l) => l.includes('containerd-shim') && l.includes(` -address ${EXEC_ROOT}/containerd/containerd.sock`))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function ourNamespaces(): string[] {
  const r = attempt('ip', ['-json', 'netns', 'list']);
  if (!r.ok || !r.out.trim()) return [];
  return (JSON.parse(r.out) as { name: string }[]).map((n) => n.name).filter((n) => n === HOST_NS || n === OUT_NS);
}

/** Mount points under our directories (overlay layers, netns bind mounts), deepest first. */
function ourMounts(): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${RUN_DIR}/`) || m.startsWith(`${DATA_ROOT}/`) || m === DATA_ROOT || m === RUN_DIR)
    .sort((a, b) => b.length - a.length);
}

/** Removes everything of this lab, a crashed run's leftovers included. */
export async function down(): Promise<void> {
  // containers first, while the daemon still answers (bounded): their shims and veths go with them
  if (existsSync(SOCKET)) {
    const ids = dockerAttempt(['ps', '-aq'], 10_000);
    if (ids.ok && ids.out.trim()) dockerAttempt(['rm', '-f', ...ids.out.trim().split(/\s+/)], 30_000);
  }
  await stopPid(pidFrom(PIDFILE), 'dockerd', 20_000);
  await stopPid(pidFrom(CONTAINERD_PIDFILE), 'containerd', 10_000);
  for (const pid of ourShims()) await stopPid(pid, comm(pid), 3_000);
  for (const ns of ourNamespaces()) {
    // a process outlives its netns' name: end the ones living there (ours: httpd, receivers)
    for (const pid of attempt('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const m of ourMounts()) attempt('umount', ['-l', m]);
  for (const ns of ourNamespaces()) attempt('ip', ['netns', 'del', ns]);
  attempt('ip', ['link', 'del', UPLINK.host]);
  rmSync(RUN_DIR, { recursive: true, force: true });
  rmSync(DATA_ROOT, { recursive: true, force: true });
  rmSync(WWW, { recursive: true, force: true });
}

/** The Engine 28 prefix (fetched by scripts/lab/engine28.sh, which is idempotent). */
function engine28Prefix(): string {
  const repo = findRepo();
  const out = run('bash', [join(repo, 'scripts', 'lab', 'engine28.sh')], { timeoutMs: 300_000 }).trim().split('\n');
  const prefix = out[out.length - 1]!;
  if (!existsSync(join(prefix, 'usr', 'sbin', 'dockerd'))) throw new Error(`engine28.sh printed ${prefix}, which has no usr/sbin/dockerd`);
  return prefix;
}

function findRepo(): string {
  for (let d = __dirname; d !== '/'; d = join(d, '..')) {
    if (existsSync(join(d, 'scripts', 'lab', 'engine28.sh'))) return d;
  }
  throw new Error(`scripts/lab/engine28.sh not found above ${__dirname}`);
}

function logTail(): string {
  try {
    return readFileSync(LOG, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startDaemon(engine: Engine): Promise<{ pid: number; version: string }> {
  mkdirSync(RUN_DIR, { recursive: true });
  const pathPrefix = engine === '28' ? (() => {
    const p = engine28Prefix();
    return `${p}/usr/bin:${p}/usr/sbin:`;
  })() : '';
  // Debian 12's runc stays the runtime on both (the prefix carries none); 20.10 needs ip6tables asked for
  const extra = engine === '20' ? ['--experimental', '--ip6tables'] : [];
  const fd = openSync(LOG, 'a');
  const [cmd, args] = inNs(HOST_NS, ['dockerd', '--host', DOCKER_HOST, '--data-root', DATA_ROOT, '--exec-root', EXEC_ROOT, '--pidfile', PIDFILE, ...extra]);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, PATH: `${pathPrefix}${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` } });
  closeSync(fd);
  child.unref();
  for (let t = 0; t < 60_000; t += 250) {
    const v = attempt('docker', ['-H', DOCKER_HOST, 'version', '--format', '{{.Server.Version}}'], 5_000);
    if (v.ok && v.out.trim()) {
      const pid = pidFrom(PIDFILE);
      if (pid === null) throw new Error(`dockerd answers but ${PIDFILE} names no pid`);
      return { pid, version: v.out.trim() };
    }
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dockerd (Engine ${engine}) exited before it answered:\n${logTail()}`);
    await sleep(250);
  }
  throw new Error(`dockerd (Engine ${engine}) did not answer within 60 s:\n${logTail()}`);
}

/** netlens-busybox:1 from Debian's static busybox, as scripts/lab/engine-lib.sh builds it. */
function importImage(): void {
  const dir = mkdtempSync(join(tmpdir(), 'nl6-img-'));
  try {
    for (const d of ['bin', 'www', 'etc', 'tmp']) mkdirSync(join(dir, d));
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    for (const applet of run('/bin/busybox', ['--list']).split('\n').filter((a) => a && a !== 'busybox')) symlinkSync('busybox', join(dir, 'bin', applet));
    writeFileSync(join(dir, 'www', 'index.html'), `${PAGE}\n`);
    writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr?.toString()}`);
    run('docker', ['-H', DOCKER_HOST, 'import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin', '-', IMAGE], { input: tar.stdout });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** IPv6 addresses still doing duplicate address detection cannot send or receive yet: wait them out (bounded). */
async function waitNoTentative(where: readonly (readonly [string, string[]])[]): Promise<void> {
  for (let t = 0; t < 10_000; t += 200) {
    const busy = where.filter(([cmd, args]) => attempt(cmd, args).out.trim() !== '');
    if (busy.length === 0) return;
    await sleep(200);
  }
  throw new Error('IPv6 addresses still tentative after 10 s');
}

export interface Lab {
  readonly engine: Engine;
  /** the daemon's own word, e.g. 28.5.2+dfsg4 */
  readonly version: string;
  readonly dockerdPid: number;
  /** container name → its address on `network` */
  ip(container: string, network: string, family: 'ipv4' | 'ipv6'): string;
  pid(container: string): number;
  snapshot(): Promise<Topology>;
}

export async function up(engine: Engine): Promise<Lab> {
  await down();
  try {
    mkdirSync(WWW, { recursive: true });
    writeFileSync(join(WWW, 'index.html'), `${OUT_PAGE}\n`);
    run('ip', ['netns', 'add', HOST_NS]);
    run('ip', ['netns', 'add', OUT_NS]);
    const h = (...a: string[]) => run('ip', ['-n', HOST_NS, ...a]);
    const o = (...a: string[]) => run('ip', ['-n', OUT_NS, ...a]);
    h('link', 'set', 'lo', 'up');
    o('link', 'set', 'lo', 'up');
    run('ip', ['link', 'add', UPLINK.host, 'type', 'veth', 'peer', 'name', UPLINK.ns, 'netns', HOST_NS]);
    run('ip', ['addr', 'add', UPLINK.hostIp, 'dev', UPLINK.host]);
    run('ip', ['link', 'set', UPLINK.host, 'up']);
    h('addr', 'add', UPLINK.nsIp, 'dev', UPLINK.ns);
    h('link', 'set', UPLINK.ns, 'up');
    h('link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUT_NS);
    h('addr', 'add', `${HOST6}/64`, 'dev', 'out0', 'nodad');
    h('addr', 'add', '10.216.1.1/30', 'dev', 'out0');
    h('link', 'set', 'out0', 'up');
    o('addr', 'add', `${OUT6}/64`, 'dev', 'eth0', 'nodad');
    o('addr', 'add', '10.216.1.2/30', 'dev', 'eth0');
    o('link', 'set', 'eth0', 'up');
    for (const n of [NETS.a, NETS.b]) o('route', 'add', n.v6, 'via', HOST6);
    nsRun(OUT_NS, ['busybox', 'httpd', '-p', `[${OUT6}]:80`, '-h', WWW]);

    const daemon = await startDaemon(engine);
    importImage();
    for (const n of Object.values(NETS)) {
      docker('network', 'create', ...(n.v6 ? ['--ipv6', '--subnet', n.v4, '--subnet', n.v6] : ['--subnet', n.v4]), n.name);
    }
    const runC = (name: string, net: string, ...opts: string[]) => docker('run', '-d', '--name', name, '--network', net, ...opts, IMAGE, ...HTTPD);
    runC('nl6-a1', NETS.a.name, '-p', `${PUBLISHED}:80`);
    runC('nl6-a2', NETS.a.name);
    runC('nl6-b1', NETS.b.name);
    runC('nl6-v1', NETS.v4.name, '-p', `${PUBLISHED_V4ONLY}:80`);
    const pids = new Map<string, number>();
    for (const c of ['nl6-a1', 'nl6-a2', 'nl6-b1', 'nl6-v1']) pids.set(c, Number(docker('inspect', '-f', '{{.State.Pid}}', c).trim()));
    await waitNoTentative([
      inNs(HOST_NS, ['ip', '-6', 'addr', 'show', 'tentative']),
      inNs(OUT_NS, ['ip', '-6', 'addr', 'show', 'tentative']),
      ...[...pids.values()].map((p): [string, string[]] => ['nsenter', ['-t', String(p), '-n', 'ip', '-6', 'addr', 'show', 'tentative']]),
    ]);
    const addrs = new Map<string, string>();
    const ip = (container: string, network: string, family: 'ipv4' | 'ipv6'): string => {
      const key = `${container}@${network}/${family}`;
      let a = addrs.get(key);
      if (a === undefined) {
        a = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").${family === 'ipv6' ? 'GlobalIPv6Address' : 'IPAddress'}}}`, container).trim();
        addrs.set(key, a);
      }
      return a;
    };
    return {
      engine,
      version: daemon.version,
      dockerdPid: daemon.pid,
      ip,
      pid: (c) => pids.get(c)!,
      snapshot: () => snapshot(daemon.pid),
    };
  } catch (e) {
    const tail = logTail();
    await down();
    throw new Error(`${(e as Error).message}\n--- dockerd log (end) ---\n${tail}`);
  }
}

/** The network namespace a process lives in, as `net:[inode]`. */
function netnsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

async function snapshot(dockerdPid: number): Promise<Topology> {
  const endpoint = resolveEngineEndpoint({ dockerHost: DOCKER_HOST, env: {} });
  const client = createDockerClient(endpoint);
  const [listed, host] = await Promise.all([collectEngineFacts(client, endpoint), hostFactsIn(HOST_NS)]);
  const engine = { ...listed, containers: (await new ContainerDetailsCache(client).enrich(listed.containers)).containers };
  // This machine's PID namespace and /run/netns are shared with other daemons and suites: nl6-host's
  // docker-proxy processes are the ones living in its namespace (its dockerd's), its named netns is
  // the outside only (the others are this machine's, not this host's), and Docker's own namespaces
  // under /var/run/docker/netns are the machine daemon's.
  const ours = netnsOf(dockerdPid);
  const proxies = host.dockerProxies.known ? host.dockerProxies.value.filter((p) => ours !== null && netnsOf(p.pid) === ours) : [];
  const named = host.namedNetns.known ? host.namedNetns.value.filter((n) => n.name === OUT_NS) : [];
  const facts: HostFacts = { ...host, dockerProxies: known(proxies), namedNetns: known(named), dockerNetns: known([]) };
  const gaps: Gap[] = [];
  const rules = hostRulesets(facts, gaps);
  return buildTopology({ engine, host: facts, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps });
}

