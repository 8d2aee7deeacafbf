/**
 * A Podman world of the test's own (ENVIRONMENT.md, "Podman from Debian 12"): private storage root,
 * run root, tmp dir and network config dir under one directory, `podman system service` serving the
 * Docker-compatible API on a socket there, and the busybox image loaded from Docker's store. Podman
 * shares the machine's iptables tables with Docker: netavark's NETAVARK-* chains are removed with
 * the lab's containers and networks, and the generic ones it leaves behind are removed by `stop()`
 * when no other Podman network still uses them. `start()` first removes what a crashed run left.
 *
 * `{ netavark: 'sid' }` gives the same Podman 4.3 the netavark Podman 5 runs (Debian unstable's
 * 1.17), `{ netavark: 'experimental' }` Podman 6's (2.0): fetched into .cache/ by
 * scripts/lab/netavark-unstable.sh and run through their own glibc, as its helper binary, with the
 * nftables firewall driver: netavark then writes `table inet netavark` instead of iptables chains.
 * The whole chain stays real — Podman's API service, its network JSON, netavark's own rules in the
 * kernel; only netavark's version is Podman 5's or 6's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { IMAGE } from './lab';

export type NewerNetavark = 'sid' | 'experimental';

export interface PodmanLabOptions {
  /**
   * whose netavark Podman runs: Debian 12's (1.4, iptables driver), or with its nftables driver
   * unstable's (sid: 1.17, Podman 5's) or experimental's (2.0, Podman 6's)
   */
  readonly netavark?: 'debian' | NewerNetavark;
}

export interface PodmanLab {
  readonly dir: string;
  /** unix:///…/api.sock */
  readonly socketUrl: string;
  /** the podman CLI on the lab's own storage and network config */
  podman(...args: string[]): string;
  /** like podman(), but reports instead of throwing */
  tryPodman(...args: string[]): { ok: boolean; out: string };
  stop(): void;
}

function paths(dir: string) {
  return {
    conf: join(dir, 'containers.conf'),
    root: join(dir, 'root'),
    runroot: join(dir, 'run'),
    tmp: join(dir, 'tmp'),
    net: join(dir, 'net'),
    socket: join(dir, 'api.sock'),
    pidfile: join(dir, 'service.pid'),
    log: join(dir, 'service.log'),
    image: join(dir, 'image.tar'),
    rootfs: join(dir, 'rootfs'),
    /** the firewall driver the lab's netavark was told to use (NETAVARK_FW), when not netavark's default */
    firewall: join(dir, 'firewall-driver'),
  };
}

function globalArgs(dir: string): string[] {
  const p = paths(dir);
  return ['--root', p.root, '--runroot', p.runroot, '--tmpdir', p.tmp, '--network-config-dir', p.net, '--events-backend', 'file'];
}

/**
 * Debian 12's podman cannot set its default rlimits here ("error setting rlimit … operation not
 * permitted"); an empty default_ulimits lets containers start, for the CLI and the service alike.
 */
function env(dir: string): NodeJS.ProcessEnv {
  const p = paths(dir);
  // Podman 4.3's containers.conf has no firewall_driver yet (Podman 5's does): netavark reads NETAVARK_FW
  const fw = existsSync(p.firewall) ? readFileSync(p.firewall, 'utf8').trim() : '';
  return { ...process.env, CONTAINERS_CONF: p.conf, ...(fw ? { NETAVARK_FW: fw } : {}) };
}

function podmanIn(dir: string, args: readonly string[], timeoutMs = 120_000): { ok: boolean; out: string; err: string } {
  const r = spawnSync('podman', [...globalArgs(dir), ...args], { encoding: 'utf8', env: env(dir), timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

const alive = (pid: number): boolean => spawnSync('kill', ['-0', String(pid)]).status === 0;

function stopService(dir: string): void {
  const p = paths(dir);
  if (!existsSync(p.pidfile)) return;
  const pid = Number(readFileSync(p.pidfile, 'utf8').trim());
  if (!(pid > 0)) return;
  // the service was started as the leader of its own process group: end the group
  spawnSync('kill', ['--', `-${pid}`]);
  for (let i = 0; i < 80 && alive(pid); i++) spawnSync('sleep', ['0.25']);
  spawnSync('kill', ['-9', '--', `-${pid}`]);
  rmSync(p.pidfile, { force: true });
}

/**
 * netavark's chains once no Podman network uses them: a per-network chain (NETAVARK-<hash>,
 * NETAVARK-DN-<hash>) still holding rules means some network is in use, and then all are left.
 * netavark itself leaves the generic ones (NETAVARK_FORWARD, NETAVARK-HOSTPORT-*) and empty
 * NETAVARK-DN-<hash> chains behind.
 */
function removeIdleNetavarkChains(): void {
  const dumps = new Map(['nat', 'filter'].map((t) => [t, spawnSync('iptables-save', ['-t', t], { encoding: 'utf8' }).stdout ?? '']));
  const inUse = [...dumps.values()].some((d) => /^-A NETAVARK-(DN-)?[0-9A-F]{10,} /m.test(d));
  if (inUse) return;
  for (const [table, dump] of dumps) {
    const chains = [...dump.matchAll(/^:(NETAVARK[-_][^ ]+) /gm)].map((m) => m[1]!);
    for (const line of dump.split('\n')) {
      const m = /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) (.*-j NETAVARK[-_]\S+.*)$/.exec(line);
      if (!m) continue;
      // the rule as iptables-save wrote it, re-split: its comments are quoted words
      const words = [...m[2]!.matchAll(/"[^"]*"|\S+/g)].map((w) => w[0].replace(/^"(.*)"$/, '$1'));
      spawnSync('iptables', ['-t', table, '-D', m[1]!, ...words]);
    }
    for (const c of chains) spawnSync('iptables', ['-t', table, '-F', c]);
    for (const c of chains) spawnSync('iptables', ['-t', table, '-X', c]);
  }
}

/** Everything the lab in `dir` made: containers, networks, the service, mounts, the directory. */
export function removePodmanLab(dir: string): void {
  if (existsSync(paths(dir).conf)) {
    // containers first: netavark tears down each one's veth, DNAT and its network's chains with it
    podmanIn(dir, ['rm', '-a', '-f', '-t', '0']);
    const nets = podmanIn(dir, ['network', 'ls', '--format', '{{.Name}}']).out.split('\n').filter((n) => n && n !== 'podman');
    if (nets.length) podmanIn(dir, ['network', 'rm', '-f', ...nets]);
  }
  stopService(dir);
  // aardvark-dns (a network with DNS) runs on with its config under the run root
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? '';
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m && /aardvark-dns/.test(m[2]!) && m[2]!.includes(dir)) spawnSync('kill', [m[1]!]);
  }
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const m of mounts.filter((m) => m.startsWith(`${dir}/`)).reverse()) spawnSync('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true });
  removeIdleNetavarkChains();
  removeIdleNetavarkTable();
}

/**
 * netavark's nftables driver keeps every network's rules in `table inet netavark` (a chain
 * nv_<id>_<subnet> per network) and leaves the table with its base chains behind when the last
 * network goes: removed only when no nv_ chain is left, i.e. no Podman network on this machine uses it.
 */
function removeIdleNetavarkTable(): void {
  const r = spawnSync('nft', ['list', 'table', 'inet', 'netavark'], { encoding: 'utf8' });
  if (r.status !== 0) return;
  if (/^\s*chain nv_/m.test(r.stdout ?? '')) return;
  spawnSync('nft', ['delete', 'table', 'inet', 'netavark']);
}

/** The fetched netavark's helpers directory (scripts/lab/netavark-unstable.sh prints it last), fetching it when missing. */
export function newerNetavarkHelpers(suite: NewerNetavark): string {
  const script = join(__dirname, '../../../scripts/lab/netavark-unstable.sh');
  const r = spawnSync('bash', [script, suite], { encoding: 'utf8', timeout: 300_000 });
  const helpers = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !existsSync(join(helpers, 'netavark'))) throw new Error(`scripts/lab/netavark-unstable.sh ${suite} could not fetch Debian ${suite}'s netavark: ${(r.stderr ?? '').trim() || String(r.error)}`);
  return helpers;
}

/** netavark's own version line (`netavark 1.17.2`), of the binary the lab's Podman runs. */
export function labNetavarkVersion(dir: string): string {
  const conf = readFileSync(paths(dir).conf, 'utf8');
  const m = /^helper_binaries_dir = \["([^"]+)"/m.exec(conf);
  const bin = m ? join(m[1]!, 'netavark') : '/usr/lib/podman/netavark';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${bin} --version: ${r.stderr ?? String(r.error)}`);
  return (r.stdout ?? '').trim();
}

/**
 * The busybox image (the recipe of scripts/lab/engine-lib.sh, ensure_busybox_image) imported
 * straight into the lab's store: the lab does not need Docker's engine to be up.
 */
function importBusybox(dir: string): void {
  const p = paths(dir);
  mkdirSync(join(p.rootfs, 'bin'), { recursive: true });
  for (const d of ['www', 'etc', 'tmp']) mkdirSync(join(p.rootfs, d), { recursive: true });
  const made = spawnSync('sh', ['-c', 'cp /bin/busybox "$1/bin/busybox" && for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"; done', 'sh', p.rootfs]);
  if (made.status !== 0) throw new Error(`building the busybox rootfs: ${made.stderr?.toString() ?? ''} (is busybox-static installed?)`);
  writeFileSync(join(p.rootfs, 'www/index.html'), 'netlens test page\n');
  writeFileSync(join(p.rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const tar = spawnSync('tar', ['-C', p.rootfs, '-cf', p.image, '.']);
  if (tar.status !== 0) throw new Error(`tar of the busybox rootfs: ${tar.stderr?.toString() ?? ''}`);
  const imported = podmanIn(dir, ['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin', p.image, IMAGE]);
  if (!imported.ok) throw new Error(`podman import: ${imported.err}`);
  rmSync(p.image, { force: true });
  rmSync(p.rootfs, { recursive: true, force: true });
}

/** GET /_ping on the socket, bounded: the body, or null while nothing answers. */
function ping(socketPath: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

export async function startPodmanLab(dir: string, opts: PodmanLabOptions = {}): Promise<PodmanLab> {
  if (!/^\/tmp\/nlpod-[a-z0-9-]+$/.test(dir)) throw new Error(`a Podman lab lives in /tmp/nlpod-…, not ${dir}`);
  for (const tool of ['podman', 'netavark', 'conmon', 'catatonit']) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/lib/podman/${tool} || test -x /usr/libexec/podman/${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: apt-get install podman netavark aardvark-dns catatonit (scripts/bootstrap.mjs installs them)`);
    }
  }
  const helpers = opts.netavark && opts.netavark !== 'debian' ? newerNetavarkHelpers(opts.netavark) : null;
  removePodmanLab(dir);
  const p = paths(dir);
  mkdirSync(dir, { recursive: true });
  const engine = helpers ? `[engine]\nhelper_binaries_dir = ["${helpers}", "/usr/lib/podman", "/usr/libexec/podman"]\n` : '';
  writeFileSync(p.conf, `[containers]\ndefault_ulimits = []\n${engine}`);
  if (helpers) writeFileSync(p.firewall, 'nftables\n');
  // no registry here: the busybox image, built as ensure-engine.sh builds Docker's
  importBusybox(dir);

  const log = openSync(p.log, 'a');
  const service = spawn('podman', [...globalArgs(dir), 'system', 'service', '--time=0', `unix://${p.socket}`], {
    env: env(dir),
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  writeFileSync(p.pidfile, String(service.pid));
  service.unref();
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await ping(p.socket)) === 'OK') break;
    if (Date.now() > deadline) throw new Error(`podman system service did not answer on ${p.socket} within 30 s (see ${p.log})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    dir,
    socketUrl: `unix://${p.socket}`,
    podman: (...args) => {
      const r = podmanIn(dir, args);
      if (!r.ok) throw new Error(`podman ${args.join(' ')} failed: ${r.err}`);
      return r.out;
    },
    tryPodman: (...args) => {
      const r = podmanIn(dir, args, 30_000);
      return { ok: r.ok, out: `${r.out}${r.err}` };
    },
    stop: () => removePodmanLab(dir),
  };
}

/** Runs a command with a limit: whether it succeeded and what it printed (both streams). */
export function attempt(cmd: string, args: readonly string[], timeoutMs = 15_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** busybox wget of a URL, 5 s at most: the real request a kernel-checked trace is judged by. */
export const wget = (url: string): string[] => ['timeout', '5', 'busybox', 'wget', '-qO-', url];

/**
 * Whether `page` comes back for a URL: asked from a container of the lab, or from this machine.
 * `lab` is read when a probe runs (suites start their lab in a hook).
 */
export function pageProbes(lab: () => PodmanLab, page: string) {
  return {
    fromContainer: (name: string, url: string) => (): boolean => {
      const r = lab().tryPodman('exec', name, ...wget(url));
      return r.ok && r.out.includes(page);
    },
    fromHost: (url: string) => (): boolean => {
      const r = attempt(wget(url)[0]!, wget(url).slice(1));
      return r.ok && r.out.includes(page);
    },
  };
}
