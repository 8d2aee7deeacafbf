/**
 * The real lab the trace suite judges itself against: networks, containers, an "outside" netns joined
 * to the host by a veth, a macvlan on a veth parent. Everything carries the `nlt-` prefix; `down()`
 * removes it all and tolerates leftovers of a crashed run.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const IMAGE = process.env['NLT_IMAGE'] ?? 'netlens-busybox:1';
export const OUT_NS = 'nlt-OUT';
export const OUT_IP = '10.213.99.2';
export const OUT_HOST_IP = '10.213.99.1';
/** a LAN behind the macvlan parent: a netns of our own on the parent veth's other end */
export const LAN_NS = 'nlt-LAN';
export const LAN_IP = '192.168.213.50';
/** where the outside netns serves its page (busybox httpd, bound to OUT_IP only) */
export const OUT_WWW = '/tmp/nlt-out-www';
export const PUBLISHED = 47180;
export const PUBLISHED_UDP = 47153;
export const PUBLISHED_LO = 47181;
export const SUBNETS = { a: '10.213.20.0/24', b: '10.213.21.0/24', noicc: '10.213.22.0/24', int: '10.213.23.0/24', mac: '192.168.213.0/24' } as const;

const CONTAINERS = ['nlt-a1', 'nlt-a2', 'nlt-b1', 'nlt-lo', 'nlt-n1', 'nlt-n2', 'nlt-i1', 'nlt-i2', 'nlt-multi', 'nlt-none', 'nlt-hostnet', 'nlt-mac1', 'nlt-shared'];
const NETWORKS = ['nlt-a', 'nlt-b', 'nlt-noicc', 'nlt-int', 'nlt-mac'];

export function run(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs and reports success instead of throwing: the probes' and the cleanup's way. */
export function attempt(cmd: string, args: readonly string[], timeoutMs = 10_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const HTTPD = ['sh', '-c', 'httpd -p 80 -h /www && exec sleep 1000000'];

export function down(): void {
  attempt('docker', ['rm', '-f', ...CONTAINERS], 60_000);
  for (const n of NETWORKS) attempt('docker', ['network', 'rm', n]);
  for (const ns of [OUT_NS, LAN_NS]) {
    // a process outlives its netns' name: stop the outside server before the namespace goes
    for (const pid of attempt('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((x) => /^\d+$/.test(x))) attempt('kill', [pid]);
    attempt('ip', ['netns', 'del', ns]);
  }
  attempt('rm', ['-rf', OUT_WWW]);
  attempt('ip', ['link', 'del', 'nlt-outh']);
  attempt('ip', ['link', 'del', 'nlt-mvp0']);
}

export function up(): void {
  down();
  const d = (...a: string[]) => run('docker', a);
  d('network', 'create', '--subnet', SUBNETS.a, 'nlt-a');
  d('network', 'create', '--subnet', SUBNETS.b, 'nlt-b');
  d('network', 'create', '--subnet', SUBNETS.noicc, '-o', 'com.docker.network.bridge.enable_icc=false', 'nlt-noicc');
  d('network', 'create', '--subnet', SUBNETS.int, '--internal', 'nlt-int');
  // the parent's other end is a LAN of its own: a netns with an address in the macvlan subnet
  run('ip', ['netns', 'add', LAN_NS]);
  run('ip', ['link', 'add', 'nlt-mvp0', 'type', 'veth', 'peer', 'name', 'nlt-mvp1', 'netns', LAN_NS]);
  run('ip', ['link', 'set', 'nlt-mvp0', 'up']);
  run('ip', ['-n', LAN_NS, 'addr', 'add', `${LAN_IP}/24`, 'dev', 'nlt-mvp1']);
  run('ip', ['-n', LAN_NS, 'link', 'set', 'nlt-mvp1', 'up']);
  run('ip', ['-n', LAN_NS, 'link', 'set', 'lo', 'up']);
  d('network', 'create', '-d', 'macvlan', '--subnet', SUBNETS.mac, '-o', 'parent=nlt-mvp0', '-o', 'macvlan_mode=bridge', 'nlt-mac');
  // the host reaches the macvlan subnet by its parent (never by the default route to the outside)
  run('ip', ['route', 'add', SUBNETS.mac, 'dev', 'nlt-mvp0']);
  d('run', '-d', '--name', 'nlt-a1', '--network', 'nlt-a', '-p', `${PUBLISHED}:80`, '-p', `${PUBLISHED_UDP}:5353/udp`, IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-a2', '--network', 'nlt-a', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-b1', '--network', 'nlt-b', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-lo', '-p', `127.0.0.1:${PUBLISHED_LO}:80`, IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-n1', '--network', 'nlt-noicc', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-n2', '--network', 'nlt-noicc', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-i1', '--network', 'nlt-int', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-i2', '--network', 'nlt-int', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-multi', '--network', 'nlt-a', IMAGE, ...HTTPD);
  d('network', 'connect', 'nlt-b', 'nlt-multi');
  d('run', '-d', '--name', 'nlt-none', '--network', 'none', IMAGE, 'sleep', '1000000');
  d('run', '-d', '--name', 'nlt-hostnet', '--network', 'host', IMAGE, 'sleep', '1000000');
  d('run', '-d', '--name', 'nlt-mac1', '--network', 'nlt-mac', IMAGE, ...HTTPD);
  d('run', '-d', '--name', 'nlt-shared', '--network', 'container:nlt-a2', IMAGE, 'sleep', '1000000');
  // the outside world: a netns of our own behind a /30, routed to the host
  run('ip', ['netns', 'add', OUT_NS]);
  run('ip', ['link', 'add', 'nlt-outh', 'type', 'veth', 'peer', 'name', 'nlt-out0', 'netns', OUT_NS]);
  run('ip', ['addr', 'add', `${OUT_HOST_IP}/30`, 'dev', 'nlt-outh']);
  run('ip', ['link', 'set', 'nlt-outh', 'up']);
  run('ip', ['-n', OUT_NS, 'addr', 'add', `${OUT_IP}/30`, 'dev', 'nlt-out0']);
  run('ip', ['-n', OUT_NS, 'link', 'set', 'nlt-out0', 'up']);
  run('ip', ['-n', OUT_NS, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', OUT_NS, 'route', 'add', 'default', 'via', OUT_HOST_IP]);
  // a server out there, for containers that reach out (bound to the outside address only)
  run('mkdir', ['-p', OUT_WWW]);
  run('sh', ['-c', `echo 'netlens test page' > ${OUT_WWW}/index.html`]);
  run('ip', ['netns', 'exec', OUT_NS, 'busybox', 'httpd', '-p', `${OUT_IP}:80`, '-h', OUT_WWW]);
}

export function containerIp(name: string, network: string): string {
  return run('docker', ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name]).trim();
}
