/**
 * A small lab whose listening sockets are known by construction (prefix nlk-): nlk-web runs
 * busybox httpd on 80 (a [::] socket), publishes 127.0.0.1:47290→80 and 47291→5353/udp, and gets a
 * UDP socket on 0.0.0.0:5353; nlk-cli is a client on the same bridge; nlk-hostnet uses
 * --network host; the named netns nlk-ns, behind the host veth nlk-nsh, listens on tcp
 * 127.0.0.1:7777 only and on udp 0.0.0.0:7778. `down()` tolerates leftovers of a crashed run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { IMAGE, containerPid, run, tryRun } from './lab';

export const LISTENER_LAB = {
  subnet: '10.213.40.0/24',
  published: 47290,
  publishedUdp: 47291,
  netns: 'nlk-ns',
  netnsIp: '10.213.41.2',
  netnsHostIp: '10.213.41.1',
} as const;

const CONTAINERS = ['nlk-web', 'nlk-cli', 'nlk-hostnet'];

/** a python socket holder, bounded in time, in the netns `enter` puts it in */
const HOLD = (binds: string) =>
  `import socket,time\nss=[]\n${binds}\nprint('ready',flush=True)\ntime.sleep(600)`;
const TCP = (a: string, p: number) => `s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('${a}',${p}));s.listen(5);ss.append(s)`;
const UDP = (a: string, p: number) => `s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('${a}',${p}));ss.append(s)`;

export interface ListenerLab {
  readonly holders: readonly ChildProcess[];
}

function hold(enter: readonly string[], binds: string): Promise<ChildProcess> {
  const p = spawn(enter[0]!, [...enter.slice(1), 'timeout', '600', 'python3', '-c', HOLD(binds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(p));
    p.on('exit', (code) => reject(new Error(`socket holder exited with ${code}`)));
  });
}

export function downListenerLab(lab?: ListenerLab): void {
  for (const h of lab?.holders ?? []) h.kill();
  spawnSync('docker', ['rm', '-f', ...CONTAINERS], { timeout: 60_000 });
  tryRun('docker', ['network', 'rm', 'nlk-net']);
  tryRun('ip', ['netns', 'del', LISTENER_LAB.netns]);
  tryRun('ip', ['link', 'del', 'nlk-nsh']);
}

export async function upListenerLab(): Promise<ListenerLab> {
  downListenerLab();
  const L = LISTENER_LAB;
  run('docker', ['network', 'create', '--subnet', L.subnet, 'nlk-net']);
  run('docker', ['run', '-d', '--name', 'nlk-web', '--network', 'nlk-net', '-p', `127.0.0.1:${L.published}:80`, '-p', `${L.publishedUdp}:5353/udp`, IMAGE, 'sh', '-c', 'httpd -p 80 -h /www && exec sleep 1000000']);
  run('docker', ['run', '-d', '--name', 'nlk-cli', '--network', 'nlk-net', IMAGE, 'sleep', '1000000']);
  run('docker', ['run', '-d', '--name', 'nlk-hostnet', '--network', 'host', IMAGE, 'sleep', '1000000']);
  run('ip', ['netns', 'add', L.netns]);
  run('ip', ['link', 'add', 'nlk-nsh', 'type', 'veth', 'peer', 'name', 'nlk-ns0', 'netns', L.netns]);
  run('ip', ['addr', 'add', `${L.netnsHostIp}/30`, 'dev', 'nlk-nsh']);
  run('ip', ['link', 'set', 'nlk-nsh', 'up']);
  run('ip', ['-n', L.netns, 'addr', 'add', `${L.netnsIp}/30`, 'dev', 'nlk-ns0']);
  run('ip', ['-n', L.netns, 'link', 'set', 'nlk-ns0', 'up']);
  run('ip', ['-n', L.netns, 'link', 'set', 'lo', 'up']);
  const holders = [
    await hold(['nsenter', '-t', String(containerPid('nlk-web')), '-n'], UDP('0.0.0.0', 5353)),
    await hold(['ip', 'netns', 'exec', L.netns], `${TCP('127.0.0.1', 7777)}\n${UDP('0.0.0.0', 7778)}`),
  ];
  return { holders };
}
