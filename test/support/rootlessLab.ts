/**
 * A rootless Docker engine of the test's own: an unprivileged user `nlrootless` (made here when
 * missing, with /etc/subuid and /etc/subgid ranges) runs Debian's dockerd-rootless.sh, which starts
 * dockerd inside RootlessKit's user, mount and network namespaces (slirp4netns for the network, the
 * builtin port driver for publishes). Its socket, XDG_RUNTIME_DIR and data root are the lab's own;
 * `stop()` removes its containers, stops the daemon by process group and deletes both directories,
 * and `startRootlessEngine()` first removes what a crashed run left. The image comes from the host's
 * engine (`docker save | docker load`): no registry is reachable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { IMAGE, run, tryRun } from './lab';

export const ROOTLESS_USER = 'nlrootless';

/**
 * The engine build the rootless daemon runs: the one the machine's own engine runs (Engine 20.10
 * from /usr, or Engine 28 from scripts/lab/engine28.sh's prefix while the suites run on 28), so the
 * suite checks rootless Docker on both. Each build ships dockerd-rootless.sh under the same prefix.
 * NETLENS_ROOTLESS_PREFIX names a prefix directly (`/usr` → /usr/sbin/dockerd).
 */
export function rootlessBuild(): { readonly prefix: string; readonly contrib: string; readonly path: string } {
  let prefix = process.env.NETLENS_ROOTLESS_PREFIX;
  if (!prefix) {
    const pid = existsSync('/var/run/docker.pid') ? readFileSync('/var/run/docker.pid', 'utf8').trim() : '';
    let exe = '';
    try {
      exe = /^\d+$/.test(pid) ? readlinkSync(`/proc/${pid}/exe`) : '';
    } catch {
      exe = '';
    }
    const m = /^(.*)\/(?:s?bin)\/dockerd$/.exec(exe);
    if (!m) throw new Error(`cannot tell which engine build the machine runs (/var/run/docker.pid: ${pid || 'missing'}, its exe: ${exe || 'unreadable'}); set NETLENS_ROOTLESS_PREFIX`);
    prefix = m[1]!;
  }
  const contrib = `${prefix}/share/docker.io/contrib`;
  // the build's own dockerd, containerd and docker-init first; runc (and rootlesskit, slirp4netns) are Debian 12's
  const path = [...new Set([`${prefix}/sbin`, `${prefix}/bin`, contrib, '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(':');
  return { prefix, contrib, path };
}

export interface RootlessEngine {
  readonly uid: number;
  readonly runtimeDir: string;
  readonly socketPath: string;
  readonly url: string;
  /** dockerd's pid (inside RootlessKit's namespaces; same PID namespace as ours) */
  readonly dockerdPid: number;
  /** `docker -H <socket> …` */
  docker(...args: string[]): string;
  /**
   * Runs argv as the engine's user, with only its HOME, XDG_RUNTIME_DIR and PATH (and `env`), as a
   * login of that user would; argv[0] must be a path the user may execute.
   */
  asUser(argv: readonly string[], env?: Readonly<Record<string, string>>): { status: number | null; stdout: string; stderr: string };
  stop(): void;
}

function paths(uid: number) {
  const runtimeDir = `/tmp/nlrootless-${uid}`;
  return { runtimeDir, socketPath: `${runtimeDir}/docker.sock`, home: `/home/${ROOTLESS_USER}`, dataRoot: `/home/${ROOTLESS_USER}/.local/share/docker`, log: `/tmp/nlrootless-${uid}.log` };
}

function ensureUser(): number {
  if (spawnSync('id', ['-u', ROOTLESS_USER]).status !== 0) run('useradd', ['--create-home', '--shell', '/bin/sh', ROOTLESS_USER]);
  const uid = Number(run('id', ['-u', ROOTLESS_USER]));
  // useradd gives a new user subordinate ids; a user made by other means may have none
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (!text.split('\n').some((l) => l.startsWith(`${ROOTLESS_USER}:`))) run('sh', ['-c', `echo '${ROOTLESS_USER}:300000:65536' >> ${file}`]);
  }
  return uid;
}

/** The user's processes, by pid (never by name). */
function userPids(uid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return statSync(`/proc/${d}`).uid === uid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function stopEngine(uid: number): void {
  const p = paths(uid);
  if (existsSync(p.socketPath)) {
    const dockerH = (...a: string[]) => spawnSync('docker', ['-H', `unix://${p.socketPath}`, ...a], { encoding: 'utf8', timeout: 60_000 });
    const ids = (dockerH('ps', '-aq').stdout ?? '').split('\n').filter(Boolean);
    if (ids.length) dockerH('rm', '-f', ...ids);
  }
  // rootlesskit passes SIGTERM on to dockerd, which stops containerd; then whatever is left goes
  for (const pid of userPids(uid)) tryRun('kill', ['-TERM', String(pid)]);
  for (let i = 0; i < 80 && userPids(uid).length; i++) spawnSync('sleep', ['0.25']);
  for (const pid of userPids(uid)) tryRun('kill', ['-KILL', String(pid)]);
  rmSync(p.runtimeDir, { recursive: true, force: true });
  rmSync(p.log, { force: true });
  // the data root holds files of the user's subordinate ids: root removes them
  rmSync(p.dataRoot, { recursive: true, force: true });
  rmSync(`${p.home}/.docker`, { recursive: true, force: true });
}

export async function startRootlessEngine(): Promise<RootlessEngine> {
  for (const tool of ['rootlesskit', 'slirp4netns', 'newuidmap', 'newgidmap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: apt-get install rootlesskit slirp4netns uidmap`);
  }
  const build = rootlessBuild();
  if (!existsSync(`${build.contrib}/dockerd-rootless.sh`)) throw new Error(`${build.contrib}/dockerd-rootless.sh is missing (Debian's docker.io ships it)`);
  // slirp4netns opens /dev/net/tun as the user; udev makes it 0666 on a stock Debian, a machine without udev leaves it 0600
  if ((statSync('/dev/net/tun').mode & 0o006) !== 0o006) chmodSync('/dev/net/tun', 0o666);
  const uid = ensureUser();
  stopEngine(uid);
  const p = paths(uid);
  mkdirSync(p.runtimeDir, { mode: 0o700 });
  chownSync(p.runtimeDir, uid, uid);
  const log = `exec >${p.log} 2>&1; exec ${build.contrib}/dockerd-rootless.sh`;
  const child = spawn('setsid', ['runuser', '-u', ROOTLESS_USER, '--', 'env', '-i', `HOME=${p.home}`, `XDG_RUNTIME_DIR=${p.runtimeDir}`, `PATH=${build.path}`, 'sh', '-c', log], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const url = `unix://${p.socketPath}`;
  let up = false;
  for (let i = 0; i < 120 && !up; i++) {
    up = spawnSync('docker', ['-H', url, 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    if (!up) await new Promise((r) => setTimeout(r, 250));
  }
  if (!up) {
    const tail = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').filter((l) => !l.startsWith('+')).slice(-15).join('\n') : '(no log)';
    stopEngine(uid);
    throw new Error(`the rootless dockerd of ${ROOTLESS_USER} did not answer within 30 s; its log ends:\n${tail}`);
  }
  const saved = spawnSync('docker', ['save', IMAGE], { maxBuffer: 512 << 20, timeout: 60_000 });
  if (saved.status !== 0) throw new Error(`docker save ${IMAGE}: ${saved.stderr?.toString()}`);
  const loaded = spawnSync('docker', ['-H', url, 'load'], { input: saved.stdout, timeout: 60_000 });
  if (loaded.status !== 0) throw new Error(`loading ${IMAGE} into the rootless engine: ${loaded.stderr?.toString()}`);
  const dockerdPid = Number(readFileSync(`${p.runtimeDir}/docker.pid`, 'utf8').trim());
  const asUser = (argv: readonly string[], env: Readonly<Record<string, string>> = {}) => {
    const vars = Object.entries({ HOME: p.home, XDG_RUNTIME_DIR: p.runtimeDir, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', ...env }).map(([k, v]) => `${k}=${v}`);
    const r = spawnSync('runuser', ['-u', ROOTLESS_USER, '--', 'env', '-i', ...vars, ...argv], { encoding: 'utf8', cwd: '/', timeout: 60_000, maxBuffer: 64 << 20 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return { uid, runtimeDir: p.runtimeDir, socketPath: p.socketPath, url, dockerdPid, docker: (...a) => run('docker', ['-H', url, ...a]), asUser, stop: () => stopEngine(uid) };
}
