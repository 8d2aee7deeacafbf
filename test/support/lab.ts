/**
 * Builds and removes a test's own world on the real engine and kernel: containers, networks,
 * volumes, veths, named netns — all under one name prefix, so a suite can remove its leftovers from
 * a crashed run before it starts and everything it made afterwards, also on failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const IMAGE = 'netlens-busybox:1';

/** Runs a command without a shell and returns its trimmed stdout; throws with stderr on failure. */
export function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** Like run, but a failure is ignored (for cleanup). */
export function tryRun(cmd: string, args: readonly string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore' });
}

export function docker(...args: string[]): string {
  return run('docker', args);
}

/** Fails the suite loudly when there is no engine or no root: these tests must never pass silently. */
export function requireRealEngine(): void {
  if (process.getuid?.() !== 0) throw new Error('integration tests need root (network namespaces, iptables, /proc of containers)');
  try {
    run('docker', ['version', '--format', '{{.Server.Version}}']);
  } catch (e) {
    throw new Error(`integration tests need a running Docker engine (run scripts/lab/ensure-engine.sh): ${(e as Error).message}`);
  }
  try {
    run('docker', ['image', 'inspect', IMAGE]);
  } catch {
    throw new Error(`image ${IMAGE} is missing (run scripts/lab/ensure-engine.sh)`);
  }
}

/** Removes every container, network, volume, netns and interface whose name starts with prefix. */
export function removeLab(prefix: string): void {
  const lines = (out: string): string[] => out.split('\n').filter(Boolean);
  const containers = lines(spawnSync('docker', ['ps', '-aq', '--filter', `name=^/?${prefix}`], { encoding: 'utf8' }).stdout ?? '');
  if (containers.length) tryRun('docker', ['rm', '-f', '-v', ...containers]);
  const networks = lines(spawnSync('docker', ['network', 'ls', '-q', '--filter', `name=^${prefix}`], { encoding: 'utf8' }).stdout ?? '');
  for (const n of networks) tryRun('docker', ['network', 'rm', n]);
  const volumes = lines(spawnSync('docker', ['volume', 'ls', '-q', '--filter', `name=^${prefix}`], { encoding: 'utf8' }).stdout ?? '');
  if (volumes.length) tryRun('docker', ['volume', 'rm', '-f', ...volumes]);
  const netns = lines(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').map((l) => l.split(' ')[0]);
  for (const ns of netns.filter((n) => n.startsWith(prefix))) tryRun('ip', ['netns', 'del', ns]);
  const links = JSON.parse(spawnSync('ip', ['-json', 'link'], { encoding: 'utf8' }).stdout || '[]') as { ifname: string }[];
  for (const l of links.filter((l) => l.ifname.startsWith(prefix))) tryRun('ip', ['link', 'del', l.ifname]);
}

export function containerPid(name: string): number {
  return Number(docker('inspect', '-f', '{{.State.Pid}}', name));
}

export function containerId(name: string): string {
  return docker('inspect', '-f', '{{.Id}}', name);
}

/** The kernel's own answer: ifindex of the host-side peer of a container interface. */
export function containerIflink(name: string, iface = 'eth0'): number {
  return Number(run('cat', [`/proc/${containerPid(name)}/root/sys/class/net/${iface}/iflink`]));
}

export interface HostLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly master?: string;
}

export function hostLinks(): HostLink[] {
  return JSON.parse(run('ip', ['-json', 'link'])) as HostLink[];
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
