/**
 * The seeds' engine scenarios, built under the prefix `nld-it-` on the real engine (plus the macvlan
 * parent veth pair nld-mvp0/nld-mvp1), and removed again — also leftovers of a crashed run.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { IMAGE, docker, removeLab, run, tryRun } from '../../support/lab';

export const PREFIX = 'nld-it-';
export const MACVLAN_PARENT = 'nld-mvp0';
export const BIND_DIR = '/tmp/nld-it-bind';
/** Published ports picked away from the seeds' 8080/8181, which other suites use. */
export const WEB1_PORT = 18480;
export const WEB2_PORT = 18481;
export const MACVLAN_SUBNET = '192.168.204.0/24';

export function removeEngineLab(): void {
  removeLab(PREFIX);
  tryRun('ip', ['link', 'del', MACVLAN_PARENT]);
  rmSync(BIND_DIR, { recursive: true, force: true });
}

export function buildEngineLab(): void {
  removeEngineLab();
  const n = (s: string) => `${PREFIX}${s}`;
  docker('run', '-d', '--name', n('web1'), '-p', `127.0.0.1:${WEB1_PORT}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  docker('run', '-d', '--name', n('web2'), '-p', `${WEB2_PORT}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  docker('network', 'create', n('net'));
  docker('run', '-d', '--name', n('a'), '--network', n('net'), '--network-alias', n('alias-a'), IMAGE, 'sleep', '3600');
  docker('run', '-d', '--name', n('b'), '--network', n('net'), IMAGE, 'sleep', '3600');
  docker('run', '-d', '--name', n('host'), '--network', 'host', IMAGE, 'sleep', '3600');
  docker('run', '-d', '--name', n('none'), '--network', 'none', IMAGE, 'sleep', '3600');
  docker('run', '-d', '--name', n('shared'), '--network', `container:${n('web1')}`, IMAGE, 'sleep', '3600');
  run('ip', ['link', 'add', MACVLAN_PARENT, 'type', 'veth', 'peer', 'name', 'nld-mvp1']);
  run('ip', ['link', 'set', MACVLAN_PARENT, 'up']);
  run('ip', ['link', 'set', 'nld-mvp1', 'up']);
  docker('network', 'create', '-d', 'macvlan', '--subnet', MACVLAN_SUBNET, '-o', `parent=${MACVLAN_PARENT}`, n('mac'));
  docker('run', '-d', '--name', n('macc'), '--network', n('mac'), IMAGE, 'sleep', '3600');
  docker('run', '-d', '--name', n('client'), '--link', `${n('web1')}:webalias`, IMAGE, 'sleep', '3600');
  docker('volume', 'create', n('vol'));
  mkdirSync(BIND_DIR, { recursive: true });
  writeFileSync(`${BIND_DIR}/hello`, 'hi\n');
  docker('run', '-d', '--name', n('mounts'), '-v', `${n('vol')}:/data`, '-v', `${BIND_DIR}:/ro:ro`, '--tmpfs', '/scratch', IMAGE, 'sleep', '3600');
  docker('create', '--name', n('stopped'), IMAGE, 'true');
}

/** `docker inspect` of one object, parsed: the engine's own answer to assert against. */
export function inspect<T = Record<string, unknown>>(...args: string[]): T {
  const out = JSON.parse(docker(...args)) as T[];
  const first = out[0];
  if (first === undefined) throw new Error(`docker ${args.join(' ')} returned nothing`);
  return first;
}
