/**
 * A single-node swarm with one attachable overlay network and two containers on it, for the overlay
 * fixture recorder and the overlay integration test. Swarm mode is engine-wide, so this lab refuses
 * to start on a node that is already in a swarm (someone else's), and `remove()` always leaves the
 * swarm it made and deletes docker_gwbridge, which swarm init creates and swarm leave keeps.
 */
import { spawnSync } from 'node:child_process';
import { docker, IMAGE, removeLab, run, tryRun } from './lab';

export interface OverlayLab {
  readonly network: string;
  readonly containers: readonly string[];
  remove(): void;
}

export function swarmState(): string {
  return docker('info', '--format', '{{.Swarm.LocalNodeState}}');
}

/** eth0's IPv4 address: swarm init needs an address to advertise; it is only bound, never sent to. */
function advertiseAddress(): string {
  const links = JSON.parse(run('ip', ['-json', '-4', 'addr', 'show', 'dev', 'eth0'])) as { addr_info?: { local?: string }[] }[];
  const addr = links[0]?.addr_info?.find((a) => a.local)?.local;
  if (!addr) throw new Error('eth0 has no IPv4 address to advertise for swarm init');
  return addr;
}

function leaveSwarm(): void {
  tryRun('docker', ['swarm', 'leave', '--force']);
  // Only when nothing else still uses it: another engineer's swarm containers would keep it busy.
  // The ingress sandbox's endpoint can linger for a moment after the leave: wait for it briefly.
  for (let i = 0; i < 10; i++) {
    const users = spawnSync('docker', ['network', 'inspect', '-f', '{{len .Containers}}', 'docker_gwbridge'], { encoding: 'utf8' });
    if (users.status !== 0) return; // gone (or never made)
    if (users.stdout.trim() === '0' && spawnSync('docker', ['network', 'rm', 'docker_gwbridge'], { stdio: 'ignore' }).status === 0) return;
    spawnSync('sleep', ['0.5']);
  }
}

export function createOverlayLab(prefix: string): OverlayLab {
  const state = swarmState();
  if (state !== 'inactive') {
    throw new Error(`the engine is already in a swarm (LocalNodeState=${state}); the overlay lab will not take over or leave someone else's swarm`);
  }
  removeLab(prefix);
  const network = `${prefix}ov`;
  const containers = [`${prefix}o1`, `${prefix}o2`];
  const remove = (): void => {
    removeLab(prefix);
    leaveSwarm();
  };
  try {
    docker('swarm', 'init', '--advertise-addr', advertiseAddress());
    docker('network', 'create', '-d', 'overlay', '--attachable', network);
    for (const name of containers) docker('run', '-d', '--name', name, '--network', network, IMAGE, 'sleep', '3600');
  } catch (e) {
    remove();
    throw e;
  }
  return { network, containers, remove };
}
