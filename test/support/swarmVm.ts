/**
 * A Swarm node that is a virtual machine of the test's own (issue 13): Debian 12's kernel, which has
 * IPVS (this machine's has none), booted under QEMU/TCG from the image scripts/lab/ipvs-vm.sh builds
 * into .cache/ipvs-vm/. Its one NIC is a tap device in the manager node's network namespace, which
 * is the underlay: the tap is the manager's eth0, the guest's eth0 has the worker's address. The disk
 * is opened with snapshot=on, so every boot starts from the same pristine image and writes nothing
 * back.
 *
 * The test process reaches the guest only through that namespace: a socat there serves the guest's
 * engine (socat in the guest, on its underlay address, port 2375) as a unix socket under
 * /var/lib/<node>/, and another serves its sshd the same way, which a socat of the host's namespace
 * offers on 127.0.0.1:<free port>. Host facts come over SSH (netlens's own SSH shell, with the
 * image's generated host key in a known_hosts written here); `enter` runs a command in the guest
 * over the same SSH (one master connection, its arguments quoted for the guest's shell).
 *
 * Everything of it — qemu, the socats, the SSH master — is found again by /var/lib/<node>/ in its
 * command line, so the next start ends what a crashed run left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SessionOptions } from '../../src/core/session';
import { run, tryRun } from './lab';

const repo = join(__dirname, '../../..');

export interface VmNode {
  readonly name: string;
  readonly socket: string;
  readonly address: string;
  readonly netnsDir: string;
  readonly enter: readonly string[];
  readonly session: SessionOptions;
  readonly ssh: { host: string; port: number; username: string; knownHostsPath: string; privateKeyPath: string };
  docker(...args: string[]): string;
}

/** Builds (only what is missing) the guest image; its directory. */
export function ipvsVmImage(): string {
  const r = spawnSync('bash', [join(repo, 'scripts/lab/ipvs-vm.sh')], { encoding: 'utf8', timeout: 40 * 60_000, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/lab/ipvs-vm.sh failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
  return r.stdout.trim().split('\n').at(-1)!;
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Ends every process whose command line names the node's directory (qemu, socats, the SSH master). */
export function removeVmNode(name: string): void {
  const dir = `/var/lib/${name}/`;
  for (let round = 0; round < 30; round++) {
    const left = readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid && cmdline(e).includes(dir));
    if (!left.length) break;
    if (round === 29) throw new Error(`${name}: processes ${left.join(' ')} outlived SIGKILL`);
    tryRun('kill', ['-9', ...left]);
    spawnSync('sleep', ['0.1']);
  }
  rmSync(dir, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function detached(argv: readonly string[], log: string, env: NodeJS.ProcessEnv = process.env): void {
  const child = spawn('sh', ['-c', `exec "$@" >${log} 2>&1 </dev/null`, 'sh', ...argv], { detached: true, stdio: 'ignore', env });
  child.unref();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Boots the guest as node `name` with underlay address `address` on a tap `eth0` in namespace
 * `underlayNs` (which must exist; the tap gets `gateway`/30 there), and waits until its engine and
 * its sshd answer through the forwards.
 */
export async function startVmNode(name: string, address: string, underlayNs: string, gateway: string): Promise<VmNode> {
  const t0 = Date.now();
  const image = ipvsVmImage();
  const built = Date.now();
  const dir = `/var/lib/${name}`;
  mkdirSync(dir, { recursive: true });
  const ns = ['nsenter', `--net=/run/netns/${underlayNs}`];
  run('ip', ['-n', underlayNs, 'tuntap', 'add', 'dev', 'eth0', 'mode', 'tap']);
  run('ip', ['-n', underlayNs, 'addr', 'add', `${gateway}/30`, 'dev', 'eth0']);
  run('ip', ['-n', underlayNs, 'link', 'set', 'eth0', 'up']);
  const console_ = `${dir}/console.log`;
  const append = `console=ttyS0 edd=off net.ifnames=0 root=/dev/vda rw init=/sbin/nlinit panic=-1 rcupdate.rcu_cpu_stall_suppress=1 nl.addr=${address}/30 nl.hostname=${name}`;
  // TMPDIR: where snapshot=on keeps the guest's writes, gone with the node's directory
  detached(
    [
      ...ns,
      'qemu-system-x86_64',
      '-name', name,
      '-accel', 'tcg',
      '-smp', '1',
      '-m', '1536',
      '-display', 'none',
      '-monitor', 'none',
      '-no-reboot',
      '-kernel', `${image}/vmlinuz`,
      '-initrd', `${image}/initrd.img`,
      '-append', append,
      '-drive', `file=${image}/disk.img,format=raw,if=virtio,snapshot=on`,
      '-netdev', 'tap,id=n0,ifname=eth0,script=no,downscript=no',
      '-device', 'virtio-net-pci,netdev=n0',
      '-device', 'virtio-rng-pci',
      '-serial', `file:${console_}`,
      '-pidfile', `${dir}/qemu.pid`,
    ],
    `${dir}/qemu.log`,
    { ...process.env, TMPDIR: dir },
  );
  const socket = `${dir}/docker.sock`;
  const sshSock = `${dir}/ssh.sock`;
  detached([...ns, 'socat', `UNIX-LISTEN:${socket},fork,unlink-early,mode=600`, `TCP:${address}:2375,connect-timeout=5`], `${dir}/socat-docker.log`);
  detached([...ns, 'socat', `UNIX-LISTEN:${sshSock},fork,unlink-early,mode=600`, `TCP:${address}:22,connect-timeout=5`], `${dir}/socat-ssh.log`);
  const port = await freePort();
  detached(['socat', `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sshSock}`], `${dir}/socat-ssh-host.log`);
  const hostKey = readFileSync(`${image}/ssh_host_ed25519_key.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsPath = `${dir}/known_hosts`;
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKey[0]} ${hostKey[1]}\n`);
  const privateKeyPath = `${dir}/id_ed25519`;
  writeFileSync(privateKeyPath, readFileSync(`${image}/id_ed25519`), { mode: 0o600 });
  // `enter`: each argument quoted for the guest's shell, over one SSH master connection
  const enterPath = `${dir}/enter`;
  const sshArgs = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20', '-o', 'ControlMaster=auto', '-o', `ControlPath=${dir}/ssh-master`, '-o', 'ControlPersist=300', '-i', privateKeyPath, '-p', String(port), 'root@127.0.0.1'];
  writeFileSync(enterPath, `#!/bin/bash\n# runs its arguments as one command in ${name} (the guest), quoted for the guest's shell\nq=; for a in "$@"; do q+=" $(printf '%q' "$a")"; done\nexec ssh ${sshArgs.join(' ')} "$q"\n`, { mode: 0o755 });

  const tail = (): string => (existsSync(console_) ? readFileSync(console_, 'utf8').split('\n').slice(-25).join('\n') : '(no console)');
  const deadline = Date.now() + 240_000;
  const answers = (argv: readonly string[]): boolean => spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 20_000 }).status === 0;
  while (!answers(['docker', '-H', `unix://${socket}`, 'version'])) {
    if (Date.now() > deadline) throw new Error(`${name} (VM): its engine did not answer within 240 s; console:\n${tail()}`);
    if (!existsSync(`${dir}/qemu.pid`) && Date.now() - built > 10_000) throw new Error(`${name} (VM): qemu did not start: ${readFileSync(`${dir}/qemu.log`, 'utf8')}`);
    if (existsSync(`${dir}/qemu.pid`) && !existsSync(`/proc/${readFileSync(`${dir}/qemu.pid`, 'utf8').trim()}`)) throw new Error(`${name} (VM): qemu ended: ${readFileSync(`${dir}/qemu.log`, 'utf8')}\nconsole:\n${tail()}`);
    await sleep(500);
  }
  const engineUp = Date.now();
  while (!answers([enterPath, 'true'])) {
    if (Date.now() > deadline) throw new Error(`${name} (VM): ssh did not answer within 240 s; console:\n${tail()}`);
    await sleep(500);
  }
  const marks = readFileSync(console_, 'utf8').split('\n').filter((l) => l.startsWith('nlinit:')).map((l) => l.trim());
  console.log(`      ${name} (VM): image ready in ${((built - t0) / 1000).toFixed(1)} s; engine answers ${((engineUp - built) / 1000).toFixed(1)} s after qemu started, ssh ${((Date.now() - engineUp) / 1000).toFixed(1)} s later; guest: ${marks.join(', ')}`);
  const ssh = { host: '127.0.0.1', port, username: 'root', knownHostsPath, privateKeyPath };
  const dockerHost = `unix://${socket}`;
  return {
    name,
    socket: dockerHost,
    address,
    netnsDir: '/var/run/docker/netns',
    enter: [enterPath],
    ssh,
    session: { dockerHost, hostShell: 'ssh', ssh },
    docker: (...args: string[]) => run('docker', ['-H', dockerHost, ...args]),
  };
}
