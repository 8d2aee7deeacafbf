/**
 * A two-node Swarm of the test's own (issue 13): two dockerds, each in network, mount and UTS
 * namespaces of its own ("nodes"), joined by one veth pair — the underlay. Neither is this
 * machine's engine, which is never put into swarm mode. The manager advertises, listens and sends
 * VXLAN on its veth address, the worker on its own, so the swarm's control (2377), gossip (7946) and
 * data (VXLAN, 4789/udp) traffic only ever crosses that veth.
 *
 * Each dockerd has its own data root, exec root, pidfile and socket under /var/lib/<node>/ and
 * touches nothing of this machine's engine (/var/run/docker*). It runs in a mount namespace of its
 * own, so the mounts it makes (the netns files under its exec root, overlay2) stay in it and end with
 * it; netlens reads the node through a host shell that enters the node's namespaces (`enter`), and
 * finds Docker's namespaces under the daemon's --exec-root. Its hostname is the node's name.
 *
 * The bed: an attachable overlay network with a container on each node, and a global service on it
 * published through the ingress routing mesh (a task on each node). `stop()` removes everything,
 * and `startSwarmLab()` first removes what a crashed run left: every process in a node's network
 * namespace or in its containers' cgroup parent is ended, then the namespace and the directories go.
 * docker_gwbridge, the VXLAN devices and the ingress sandbox live in the nodes' namespaces and go
 * with them.
 *
 * `startSwarmLab({ worker: 'vm' })`: node2 is a virtual machine instead (test/support/swarmVm.ts),
 * Debian's kernel under QEMU, which has IPVS, so the ingress routing mesh is real there. Its NIC is
 * a tap that is node1's eth0 (the same /30 underlay). The service is then replicated once and
 * constrained to node1, published through ingress: node2 has no task of it, and a request to node2's
 * published port can only be answered through the mesh.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionOptions } from '../../src/core/session';
import { IMAGE, run, tryRun } from './lab';
import { removeVmNode, startVmNode } from './swarmVm';

export interface SwarmNode {
  readonly name: string;
  readonly socket: string;
  /** the node's underlay address (on its end of the veth) */
  readonly address: string;
  /** where its dockerd keeps Docker's namespaces (its exec root's netns/, seen inside the node) */
  readonly netnsDir: string;
  /** argv prefix that runs a command inside the node: its network, mount and UTS namespaces */
  readonly enter: readonly string[];
  docker(...args: string[]): string;
  /** how netlens reads the node: its engine and its host shell */
  readonly session: SessionOptions;
  /** a namespace of this machine, or a virtual machine with a kernel of its own */
  readonly kind: 'namespace' | 'vm';
}

export interface SwarmLabOptions {
  /** node2: a dockerd in a namespace of this machine (default), or the IPVS virtual machine */
  readonly worker?: 'namespace' | 'vm';
}

/** With a VM worker: node1's attachable container only (see startSwarmLab) */
export type SwarmMeshLab = Omit<SwarmLab, 'containers'> & { readonly containers: readonly [string] };

export interface SwarmLab {
  readonly nodes: readonly [SwarmNode, SwarmNode];
  readonly network: string;
  /** one attachable container on the overlay per node, in node order (with a VM worker: SwarmMeshLab) */
  readonly containers: readonly [string, string];
  /** global (a task on each node); with a VM worker replicated once on node1 */
  readonly service: string;
  readonly publishedPort: number;
  readonly worker: 'namespace' | 'vm';
  stop(): void;
}

const PREFIX = 'nlswm';
const SUBNET = '10.213.96.0/24';
const PUBLISHED = 18096;

interface Paths {
  name: string;
  dir: string;
  data: string;
  exec: string;
  socket: string;
  pidfile: string;
  log: string;
}

function paths(name: string): Paths {
  const dir = `/var/lib/${name}`;
  return { name, dir, data: `${dir}/data`, exec: `${dir}/exec`, socket: `unix://${dir}/docker.sock`, pidfile: `${dir}/docker.pid`, log: `${dir}/dockerd.log` };
}

const NODES = [
  { name: `${PREFIX}1`, address: '10.213.95.1' },
  { name: `${PREFIX}2`, address: '10.213.95.2' },
] as const;

function netnsInode(name: string): number | null {
  const r = spawnSync('stat', ['-L', '-c', '%i', `/run/netns/${name}`], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** Processes of a node: in its network namespace (dockerd, containerd, shims) or in its containers' cgroup parent. */
function nodeProcesses(name: string): number[] {
  const inode = netnsInode(name);
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const ns = readlinkSync(`/proc/${e}/ns/net`);
      if (inode !== null && ns === `net:[${inode}]`) {
        out.push(Number(e));
        continue;
      }
      if (readFileSync(`/proc/${e}/cgroup`, 'utf8').includes(`/${name}-cg/`)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function dockerH(p: Paths, args: readonly string[], timeout = 30_000): { status: number | null; stdout: string } {
  const r = spawnSync('docker', ['-H', p.socket, ...args], { encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout ?? '' };
}

function removeNode(name: string): void {
  const p = paths(name);
  // Both nodes go together and all their state is in their own directories: no swarm to leave
  // politely, no container to stop one by one (a global service would restart them meanwhile).
  // Every process of the node ends — dockerd, containerd, shims, tasks — also a crashed run's.
  for (let round = 0; round < 20; round++) {
    const left = nodeProcesses(name);
    if (!left.length) break;
    if (round === 19) throw new Error(`${name}: processes ${left.join(' ')} outlived SIGKILL`);
    tryRun('kill', ['-9', ...left.map(String)]);
    spawnSync('sleep', ['0.1']);
  }
  tryRun('ip', ['netns', 'del', name]);
  // the node's mounts live in its own mount namespace, which ended with its last process
  rmSync(p.dir, { recursive: true, force: true });
  // the containers' cgroups under its cgroup parent (children first; empty once their processes ended)
  for (const h of ['/sys/fs/cgroup', ...listCgroupHierarchies()]) {
    const parent = `${h}/${name}-cg`;
    if (!existsSync(parent)) continue;
    for (const child of readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory())) tryRun('rmdir', [`${parent}/${child.name}`]);
    tryRun('rmdir', [parent]);
  }
}

function listCgroupHierarchies(): string[] {
  try {
    return readdirSync('/sys/fs/cgroup').map((d) => `/sys/fs/cgroup/${d}`);
  } catch {
    return [];
  }
}

export function removeSwarmLab(): void {
  for (const n of NODES) removeNode(n.name);
  // a VM worker's qemu ran in node1's namespace and ended with it; its forwards and SSH master too
  removeVmNode(NODES[1].name);
}

/** Our busybox image, built as scripts/lab/engine-lib.sh builds it, so the nodes need nothing from this machine's engine. */
function imageTar(): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-img-`));
  const root = join(dir, 'root');
  for (const d of ['bin', 'www', 'etc', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const applet of run('/bin/busybox', ['--list']).split('\n')) if (applet && applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'www/index.html'), 'netlens test page\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const tar = join(dir, 'image.tar');
  run('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

async function startNode(n: (typeof NODES)[number]): Promise<SwarmNode> {
  const p = paths(n.name);
  mkdirSync(p.exec, { recursive: true });
  // its own data root, exec root, pidfile and socket, never this machine's engine's (/var/run/docker*);
  // its own mount namespace keeps the mounts it makes (its netns files, overlay2) to itself
  const script = `hostname ${n.name} && exec dockerd --host ${p.socket} --data-root ${p.data} --exec-root ${p.exec} --pidfile ${p.pidfile} --cgroup-parent /${n.name}-cg`;
  const log = `${p.log}`;
  const child = spawn('sh', ['-c', `exec nsenter --net=/run/netns/${n.name} unshare --mount --uts --propagation slave sh -c '${script}' >${log} 2>&1 </dev/null`], { detached: true, stdio: 'ignore' });
  child.unref();
  const deadline = Date.now() + 30_000;
  while (dockerH(p, ['version'], 5000).status !== 0) {
    if (Date.now() > deadline) throw new Error(`dockerd of ${n.name} did not answer within 30 s:\n${existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = Number(readFileSync(p.pidfile, 'utf8').trim());
  const enter = ['nsenter', `--net=/run/netns/${n.name}`, `--mount=/proc/${pid}/ns/mnt`, `--uts=/proc/${pid}/ns/uts`];
  return {
    name: n.name,
    socket: p.socket,
    address: n.address,
    netnsDir: `${p.exec}/netns`,
    enter,
    docker: (...args: string[]) => run('docker', ['-H', p.socket, ...args]),
    session: { dockerHost: p.socket, localShell: { prefix: enter } },
    kind: 'namespace',
  };
}

export async function startSwarmLab(opts?: { worker?: 'namespace' }): Promise<SwarmLab>;
export async function startSwarmLab(opts: { worker: 'vm' }): Promise<SwarmMeshLab>;
export async function startSwarmLab(opts: SwarmLabOptions = {}): Promise<SwarmLab | SwarmMeshLab> {
  const worker = opts.worker ?? 'namespace';
  removeSwarmLab();
  const [a, b] = NODES;
  const stop = (): void => removeSwarmLab();
  try {
    const t0 = Date.now();
    let nodes: readonly [SwarmNode, SwarmNode];
    if (worker === 'vm') {
      run('ip', ['netns', 'add', a.name]);
      run('ip', ['-n', a.name, 'link', 'set', 'lo', 'up']);
      // the VM's tap becomes node1's eth0; qemu runs in node1's namespace, so it ends with node1
      const vm = startVmNode(b.name, b.address, a.name, a.address);
      vm.catch(() => undefined); // awaited below; a failure of node1 first must not leave it unhandled
      const m = await startNode(a);
      nodes = [m, { ...(await vm), kind: 'vm' }];
    } else {
      for (const n of NODES) {
        run('ip', ['netns', 'add', n.name]);
        run('ip', ['-n', n.name, 'link', 'set', 'lo', 'up']);
      }
      run('ip', ['link', 'add', `${PREFIX}v1`, 'netns', a.name, 'type', 'veth', 'peer', 'name', `${PREFIX}v2`, 'netns', b.name]);
      for (const [n, dev] of [[a, `${PREFIX}v1`], [b, `${PREFIX}v2`]] as const) {
        run('ip', ['-n', n.name, 'link', 'set', dev, 'name', 'eth0']);
        run('ip', ['-n', n.name, 'addr', 'add', `${n.address}/30`, 'dev', 'eth0']);
        run('ip', ['-n', n.name, 'link', 'set', 'eth0', 'up']);
      }
      nodes = [await startNode(a), await startNode(b)] as const;
    }
    const tar = imageTar();
    try {
      for (const n of nodes) run('docker', ['-H', n.socket, 'import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin', tar, IMAGE]);
    } finally {
      rmSync(join(tar, '..'), { recursive: true, force: true });
    }
    const [m, w] = nodes;
    m.docker('swarm', 'init', '--advertise-addr', m.address, '--listen-addr', `${m.address}:2377`, '--data-path-addr', m.address);
    const token = m.docker('swarm', 'join-token', '-q', 'worker');
    w.docker('swarm', 'join', '--token', token, '--advertise-addr', w.address, '--listen-addr', `${w.address}:2377`, '--data-path-addr', w.address, `${m.address}:2377`);
    const network = `${PREFIX}ov`;
    m.docker('network', 'create', '-d', 'overlay', '--attachable', '--subnet', SUBNET, network);
    const service = `${PREFIX}web`;
    // with a VM worker: one task, on node1 only, so node2 answers its published port only through the mesh
    const placement = worker === 'vm' ? ['--mode', 'replicated', '--replicas', '1', '--constraint', `node.hostname==${m.name}`] : ['--mode', 'global'];
    m.docker('service', 'create', '-d', '--quiet', '--name', service, ...placement, '--network', network, '--publish', `${PUBLISHED}:80`, '--no-healthcheck', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
    const containers = [`${PREFIX}c1`, `${PREFIX}c2`] as const;
    m.docker('run', '-d', '--name', containers[0], '--network', network, IMAGE, 'sleep', '3600');
    // not on a VM worker: attaching a container there timed out at the manager ("context deadline
    // exceeded") more often than not while TCG was slow, and the mesh needs none
    if (worker !== 'vm') w.docker('run', '-d', '--name', containers[1], '--network', network, IMAGE, 'sleep', '3600');
    // a task on each node, running (with a VM worker: on node1 only)
    const want = worker === 'vm' ? [1, 0] : [1, 1];
    const limit = worker === 'vm' ? 120_000 : 30_000;
    const deadline = Date.now() + limit;
    for (;;) {
      const running = nodes.map((n) => n.docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`, '--filter', 'status=running').split('\n').filter(Boolean).length);
      if (running.every((c, i) => c === want[i])) break;
      if (Date.now() > deadline) throw new Error(`service ${service}: running tasks per node ${running.join(', ')} after ${limit / 1000} s (want ${want.join(', ')})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    if (worker === 'vm') {
      // the mesh on node2 is programmed when gossip has brought it the service: a fwmark service in
      // its ingress sandbox's IPVS table with a real server (the task's ingress address)
      const ipvs = (): string => spawnSync(w.enter[0]!, [...w.enter.slice(1), 'nsenter', `--net=${w.netnsDir}/ingress_sbox`, 'cat', '/proc/net/ip_vs'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
      // and the DNAT of the published port to the ingress sandbox in its host namespace
      const dnat = (): string => spawnSync(w.enter[0]!, [...w.enter.slice(1), 'iptables', '-t', 'nat', '-S', 'DOCKER-INGRESS'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
      const meshDeadline = Date.now() + 120_000;
      while (!/^\s+-> /m.test(ipvs()) || !dnat().includes(`--dport ${PUBLISHED} `)) {
        if (Date.now() > meshDeadline) throw new Error(`${w.name}: no IPVS real server in its ingress sandbox or no ingress DNAT after 120 s:\n${ipvs()}\n${dnat()}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      console.log(`      swarm with a VM worker ready, its mesh programmed, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    return worker === 'vm' ? { nodes, network, containers: [containers[0]], service, publishedPort: PUBLISHED, worker, stop } : { nodes, network, containers, service, publishedPort: PUBLISHED, worker, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
