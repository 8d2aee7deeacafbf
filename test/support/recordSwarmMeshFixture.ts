/**
 * Records test/fixtures/swarm-mesh/: the Swarm of test/support/swarmLab.ts with a VM worker
 * (`worker: 'vm'`: manager nlswm1 a namespace of this machine, worker nlswm2 Debian's kernel under
 * QEMU, which has IPVS), a service replicated once on nlswm1 and published through ingress, after a
 * real request to nlswm2's published port that the routing mesh sent to the task on nlswm1, and
 * while a second connection through the mesh is held open. For each node, the raw output of the
 * real tools, in its host namespace and in its ingress sandbox (ingress_sbox), the engine's view,
 * and netlens's own model of the node. A command that fails (node1's kernel has no IPVS) is kept as
 * it failed: `<name>.err` holds its exit status and stderr. Everything is removed afterwards, also on
 * failure. Run as root after compiling the tests:
 *   node out/test/support/recordSwarmMeshFixture.js
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { startSwarmLab, type SwarmNode } from './swarmLab';

const dir = join(__dirname, '../../../test/fixtures/swarm-mesh');

function save(path: string, argv: readonly string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.status === 0) {
    writeFileSync(`${path}.txt`, r.stdout);
    return r.stdout;
  }
  writeFileSync(`${path}.err`, `exit ${r.status ?? r.signal}\n${r.stderr}${r.stdout}`);
  return '';
}

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const lab = await startSwarmLab({ worker: 'vm' });
  try {
    const [m, w] = lab.nodes;
    const inNode = (n: SwarmNode, ...argv: string[]): string[] => [...n.enter, ...argv];
    const inSbox = (n: SwarmNode, ...argv: string[]): string[] => inNode(n, 'nsenter', `--net=${n.netnsDir}/ingress_sbox`, ...argv);
    const url = `http://${w.address}:${lab.publishedPort}/`;
    // a real request from node1's namespace to node2's published port: node2 has no task of the service
    const get = () => spawnSync('nsenter', [`--net=/run/netns/${m.name}`, 'busybox', 'wget', '-qO-', url], { encoding: 'utf8', timeout: 10_000 });
    let page = get();
    for (let i = 0; i < 10 && !page.stdout?.includes('netlens test page'); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      page = get();
    }
    if (!page.stdout?.includes('netlens test page')) throw new Error(`no page through the mesh: ${page.status} ${page.stderr}`);
    // a second connection, held open while the IPVS connection tables are read
    const held = spawn('nsenter', [`--net=/run/netns/${m.name}`, 'bash', '-c', `exec 3<>/dev/tcp/${w.address}/${lab.publishedPort}; sleep 60`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    try {
      const facts: Record<string, unknown> = { request: { from: `${m.name} (its namespace)`, url, answer: page.stdout }, heldConnection: `${m.name} → ${w.address}:${lab.publishedPort}, open while ipvsadm -Lnc ran` };
      for (const n of lab.nodes) {
        const d = join(dir, n.name);
        for (const sub of ['host', 'ingress_sbox', 'docker']) mkdirSync(join(d, sub), { recursive: true });
        for (const [where, wrap] of [['host', (...a: string[]) => inNode(n, ...a)], ['ingress_sbox', (...a: string[]) => inSbox(n, ...a)]] as const) {
          save(join(d, where, 'iptables-save-c'), wrap('iptables-save', '-c'));
          save(join(d, where, 'ip-json-addr'), wrap('ip', '-json', 'addr'));
          save(join(d, where, 'ip-json-route'), wrap('ip', '-json', 'route'));
          save(join(d, where, 'ip-json-link'), wrap('ip', '-json', 'link'));
        }
        save(join(d, 'ingress_sbox', 'proc-net-ip_vs'), inSbox(n, 'cat', '/proc/net/ip_vs'));
        save(join(d, 'ingress_sbox', 'proc-net-ip_vs_conn'), inSbox(n, 'cat', '/proc/net/ip_vs_conn'));
        save(join(d, 'ingress_sbox', 'ipvsadm-Ln-exact'), inSbox(n, 'ipvsadm', '-Ln', '--exact'));
        save(join(d, 'ingress_sbox', 'ipvsadm-Ln-stats-exact'), inSbox(n, 'ipvsadm', '-Ln', '--stats', '--exact'));
        save(join(d, 'ingress_sbox', 'ipvsadm-Lnc'), inSbox(n, 'ipvsadm', '-Lnc'));
        save(join(d, 'host', 'ls-netns'), inNode(n, 'ls', n.netnsDir));
        save(join(d, 'host', 'uname-r'), inNode(n, 'uname', '-r'));
        const dk = (...a: string[]): string[] => ['docker', '-H', n.socket, ...a];
        save(join(d, 'docker', 'version'), dk('version', '--format', '{{json .}}'));
        save(join(d, 'docker', 'info'), dk('info', '--format', '{{json .}}'));
        save(join(d, 'docker', 'network-inspect-verbose-ingress'), dk('network', 'inspect', '--verbose', 'ingress'));
        save(join(d, 'docker', 'network-ls'), dk('network', 'ls', '--no-trunc', '--format', '{{json .}}'));
        const ps = save(join(d, 'docker', 'ps-a-no-trunc'), dk('ps', '-a', '--no-trunc', '--format', '{{json .}}'));
        const ids = ps.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { ID: string }).ID);
        if (ids.length) save(join(d, 'docker', 'inspect-containers'), dk('inspect', ...ids));
        const s = createSession(n.session);
        try {
          writeFileSync(join(d, 'model.json'), JSON.stringify(await s.snapshot(), null, 1));
        } finally {
          await s.dispose();
        }
        facts[n.name] = { kind: n.kind, address: n.address, netnsDir: n.netnsDir, socket: n.socket };
      }
      // the manager's view of the swarm
      const dm = (...a: string[]): string[] => ['docker', '-H', m.socket, ...a];
      save(join(dir, 'docker-service-inspect'), dm('service', 'inspect', lab.service));
      save(join(dir, 'docker-service-ps'), dm('service', 'ps', '--no-trunc', '--format', '{{json .}}', lab.service));
      save(join(dir, 'docker-node-ls'), dm('node', 'ls', '--format', '{{json .}}'));
      save(join(dir, 'docker-node-inspect'), dm('node', 'inspect', m.name, w.name));
      writeFileSync(join(dir, 'lab.json'), JSON.stringify({ network: lab.network, containers: lab.containers, service: lab.service, publishedPort: lab.publishedPort, ...facts }, null, 1));
    } finally {
      held.kill('SIGKILL');
    }
  } finally {
    lab.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
