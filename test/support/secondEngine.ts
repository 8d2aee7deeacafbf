/**
 * A second Docker host on this machine (ENVIRONMENT.md, "A second Docker host"): a network
 * namespace of the test's own, joined to the host by a veth, with its own dockerd, data root, exec
 * root and socket. It has its own docker0, iptables and containerd, as a second machine would; it
 * shares this machine's PID namespace and mounts. Everything is named after `name`; `stop()`
 * removes it all, and `start()` first removes what a crashed run left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { IMAGE, run, tryRun } from './lab';

export interface SecondEngine {
  readonly netns: string;
  readonly socket: string;
  /** `docker -H <socket> …` */
  docker(...args: string[]): string;
  stop(): void;
}

function paths(name: string) {
  return { netns: name, run: `/run/${name}`, data: `/var/lib/${name}-docker`, pidfile: `/run/${name}/docker.pid`, socket: `unix:///run/${name}/docker.sock`, veth: `${name}-h` };
}

function stopDaemon(name: string): void {
  const p = paths(name);
  const dockerH = (...a: string[]) => spawnSync('docker', ['-H', p.socket, ...a], { encoding: 'utf8', timeout: 60_000 });
  const ids = (dockerH('ps', '-aq').stdout ?? '').split('\n').filter(Boolean);
  // containers first, so their shims end with them and leave nothing running
  if (ids.length) dockerH('rm', '-f', ...ids);
  if (existsSync(p.pidfile)) {
    const pid = Number(readFileSync(p.pidfile, 'utf8').trim());
    if (pid > 0) {
      tryRun('kill', [String(pid)]);
      for (let i = 0; i < 120 && spawnSync('kill', ['-0', String(pid)]).status === 0; i++) spawnSync('sleep', ['0.25']);
      tryRun('kill', ['-9', String(pid)]);
    }
  }
  tryRun('ip', ['netns', 'del', p.netns]);
  tryRun('ip', ['link', 'del', p.veth]);
  // dockerd keeps its host-mode sandbox (exec/netns/default, a bind mount of its namespace) past its
  // own exit, as it does on any machine; a container on --network host made one
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const m of mounts.filter((m) => m.startsWith(`${p.run}/`) || m.startsWith(`${p.data}/`)).reverse()) tryRun('umount', ['-l', m]);
  rmSync(p.run, { recursive: true, force: true });
  rmSync(p.data, { recursive: true, force: true });
}

/**
 * hostAddr/peerAddr: a /30 of the test's own, e.g. 10.213.81.1 and 10.213.81.2. extraArgs go to
 * dockerd as they are (e.g. a TLS listener on the peer address: `--tlsverify … -H tcp://PEER:2376`).
 */
export async function startSecondEngine(name: string, hostAddr: string, peerAddr: string, extraArgs: readonly string[] = []): Promise<SecondEngine> {
  stopDaemon(name);
  const p = paths(name);
  run('ip', ['netns', 'add', p.netns]);
  run('ip', ['link', 'add', p.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns]);
  run('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', p.veth]);
  run('ip', ['link', 'set', p.veth, 'up']);
  run('ip', ['-n', p.netns, 'addr', 'add', `${peerAddr}/30`, 'dev', 'eth0']);
  run('ip', ['-n', p.netns, 'link', 'set', 'eth0', 'up']);
  run('ip', ['-n', p.netns, 'link', 'set', 'lo', 'up']);
  run('mkdir', ['-p', p.run]);
  // nsenter --net, not ip netns exec: the latter remounts /sys and hides the cgroup mounts dockerd needs
  const child = spawn('nsenter', [`--net=/run/netns/${p.netns}`, 'dockerd', '--host', p.socket, '--data-root', p.data, '--exec-root', `${p.run}/exec`, '--pidfile', p.pidfile, ...extraArgs], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const dockerH = (...a: string[]) => run('docker', ['-H', p.socket, ...a]);
  let up = false;
  for (let i = 0; i < 120 && !up; i++) {
    up = spawnSync('docker', ['-H', p.socket, 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    if (!up) spawnSync('sleep', ['0.25']);
  }
  if (!up) {
    stopDaemon(name);
    throw new Error(`the second dockerd in netns ${p.netns} did not answer within 30 s`);
  }
  // no registry here: the image comes from the host's engine
  const saved = spawnSync('docker', ['save', IMAGE], { maxBuffer: 512 << 20, timeout: 60_000 });
  if (saved.status !== 0) throw new Error(`docker save ${IMAGE}: ${saved.stderr?.toString()}`);
  const loaded = spawnSync('docker', ['-H', p.socket, 'load'], { input: saved.stdout, timeout: 60_000 });
  if (loaded.status !== 0) throw new Error(`loading ${IMAGE} into the second engine: ${loaded.stderr?.toString()}`);
  return { netns: p.netns, socket: p.socket, docker: dockerH, stop: () => stopDaemon(name) };
}
