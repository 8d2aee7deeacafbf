/**
 * The Swarm ingress routing mesh, real (issue 13). This machine's kernel has no IPVS, so Docker
 * writes no ingress DNAT here; the worker of this suite's Swarm is a virtual machine with Debian's
 * kernel, which has (test/support/swarmLab.ts with `worker: 'vm'`, test/support/swarmVm.ts; the
 * image comes from scripts/lab/ipvs-vm.sh). A service replicated once on node1 is published through
 * ingress: node2 runs no task of it, and a real request to node2's published port gets the task's
 * page. node2's kernel shows the mesh did it: the DOCKER-INGRESS DNAT of its host namespace counts
 * the request, its ingress sandbox's mangle MARK rule counts it, and that sandbox's IPVS fwmark
 * service — with the task's ingress address as its one real server — counts the connection.
 * netlens reads each node with a shell of its own (node1: its namespaces entered; node2: SSH).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createSession } from '../../../src/core/session';
import type { Topology } from '../../../src/core/model/types';
import { run } from '../../support/lab';
import { startSwarmLab, type SwarmMeshLab, type SwarmNode } from '../../support/swarmLab';
import { traceSeveralHosts } from '../../../src/cli/severalHosts';

describe('the Swarm routing mesh on a worker whose kernel has IPVS (a VM of the suite’s own): a request to node2’s published port reaches the task on node1', function () {
  this.timeout(120_000);
  let lab: SwarmMeshLab | undefined;
  const models: Topology[] = [];

  const inNode = (n: SwarmNode, ...argv: string[]): string => run(n.enter[0]!, [...n.enter.slice(1), ...argv]);
  const inSbox = (n: SwarmNode, ...argv: string[]): string => inNode(n, 'nsenter', `--net=${n.netnsDir}/ingress_sbox`, ...argv);
  /** packets counted by the one rule of `iptables-save -c` output that contains every `needle` */
  const counted = (save: string, ...needles: string[]): number => {
    const lines = save.split('\n').filter((l) => needles.every((x) => l.includes(x)));
    assert.equal(lines.length, 1, `one rule with ${needles.join(' ')}:\n${save}`);
    return Number(/^\[(\d+):\d+\]/.exec(lines[0]!)?.[1]);
  };
  /** the page, from node1's own namespace (busybox wget, bounded) */
  const request = (url: string): { status: number | null; stdout: string; stderr: string } => spawnSync('nsenter', [`--net=/run/netns/${lab!.nodes[0].name}`, 'busybox', 'wget', '-qO-', url], { encoding: 'utf8', timeout: 15_000 });

  before(async function () {
    this.timeout(420_000);
    if (process.getuid?.() !== 0) throw new Error('this suite needs root (namespaces, dockerd, qemu)');
    const t0 = Date.now();
    lab = await startSwarmLab({ worker: 'vm' });
    console.log(`      nodes: Engine ${lab.nodes.map((n) => `${n.docker('version', '--format', '{{.Server.Version}}')} (kernel ${inNode(n, 'uname', '-r')})`).join(', ')}`);
    for (const n of lab.nodes) {
      const s = createSession(n.session);
      try {
        models.push(await s.snapshot());
      } finally {
        await s.dispose();
      }
    }
    console.log(`      bed and both snapshots in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  after(function () {
    this.timeout(60_000);
    lab?.stop();
    if (!lab) return;
    for (const n of lab.nodes) assert.ok(!existsSync(`/run/netns/${n.name}`), `${n.name}'s namespace is gone`);
    const qemu = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/var/lib/nlswm2/');
      } catch {
        return false;
      }
    })());
    assert.deepEqual(qemu, [], 'no process of the VM node is left');
  });

  it('reads each node with its own shell (node2 over SSH): its hostname, its Docker namespaces with the ingress sandbox, no gap', () => {
    lab!.nodes.forEach((n, i) => {
      const t = models[i]!;
      assert.equal(t.host?.hostname, n.name);
      assert.equal(t.engine.swarm.state, 'active');
      assert.ok((t.host?.dockerNetns ?? []).every((x) => x.path === `${n.netnsDir}/${x.name}`));
      assert.ok((t.host?.dockerNetns ?? []).some((x) => x.name === 'ingress_sbox'), `${n.name}: ${JSON.stringify(t.host?.dockerNetns)}`);
      assert.deepEqual(t.gaps, [], `${n.name}: ${t.gaps.map((g) => `${g.subject}: ${g.reason}`).join('; ')}`);
      const ingress = t.networks.find((x) => x.ingress && x.driver === 'overlay');
      assert.ok(ingress?.overlay?.ports.some((p) => p.peerNamespace === 'ingress_sbox'), `${n.name}: the ingress sandbox behind a port of the ingress bridge: ${JSON.stringify(ingress?.overlay?.ports)}`);
    });
    assert.equal(lab!.nodes[1].kind, 'vm');
    assert.match(models[1]!.host!.target, /127\.0\.0\.1/, `node2's host facts over SSH: ${models[1]!.host!.target}`);
  });

  it('places the only task on node1: node2 runs no container of the service', () => {
    const [a, b] = lab!.nodes;
    const tasks = (n: SwarmNode): string[] => n.docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${lab!.service}`).split('\n').filter(Boolean);
    assert.equal(tasks(a).length, 1);
    assert.deepEqual(tasks(b), []);
    assert.equal(models[1]!.containers.filter((c) => c.labels['com.docker.swarm.service.name'] === lab!.service).length, 0);
  });

  it('a request to node2’s published port gets the task’s page, and node2’s kernel counts it at the DNAT, the MARK and the IPVS service whose real server is the task', async () => {
    const [a, b] = lab!.nodes;
    const port = String(lab!.publishedPort);
    const taskId = a.docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${lab!.service}`);
    const taskIngress = a.docker('inspect', '-f', '{{.NetworkSettings.Networks.ingress.IPAddress}}', taskId);
    assert.match(taskIngress, /^\d+\.\d+\.\d+\.\d+$/);
    const dnat = (): number => counted(inNode(b, 'iptables-save', '-c', '-t', 'nat'), '-A DOCKER-INGRESS', `--dport ${port}`, '-j DNAT');
    const mark = (): number => counted(inSbox(b, 'iptables-save', '-c', '-t', 'mangle'), '-A PREROUTING', `--dport ${port}`, '-j MARK');
    // the fwmark the sandbox sets is the IPVS service's
    const markRule = inSbox(b, 'iptables-save', '-t', 'mangle').split('\n').find((l) => l.includes(`--dport ${port}`) && l.includes('MARK'))!;
    const fwmark = Number(/--set-xmark (0x[0-9a-f]+)/.exec(markRule)?.[1]);
    const ipvs = (): { servers: string[]; conns: number } => {
      const out = inSbox(b, 'ipvsadm', '-Ln', '--stats', '--exact');
      const lines = out.split('\n');
      const at = lines.findIndex((l) => new RegExp(`^FWM\\s+${fwmark}\\s`).test(l));
      assert.ok(at >= 0, `an IPVS fwmark service ${fwmark} in node2's ingress sandbox:\n${out}`);
      const servers: string[] = [];
      for (const l of lines.slice(at + 1)) {
        const m = /^\s+->\s+(\S+)/.exec(l);
        if (!m) break;
        servers.push(m[1]!);
      }
      return { servers, conns: Number(lines[at]!.trim().split(/\s+/)[2]) };
    };
    const before = { dnat: dnat(), mark: mark(), ipvs: ipvs() };
    assert.deepEqual(before.ipvs.servers, [`${taskIngress}:0`], 'the task’s ingress address is the one real server');
    // /proc/net/ip_vs says the same in hex
    const hex = taskIngress.split('.').map((x) => Number(x).toString(16).padStart(2, '0').toUpperCase()).join('');
    assert.match(inSbox(b, 'cat', '/proc/net/ip_vs'), new RegExp(`FWM\\s+${fwmark.toString(16).padStart(8, '0').toUpperCase()} rr[\\s\\S]*-> ${hex}:0000`));

    const page = request(`http://${b.address}:${port}/`);
    assert.match(page.stdout, /netlens test page/, `node2:${port} answered: ${page.status} ${page.stderr}`);
    const after = { dnat: dnat(), mark: mark(), ipvs: ipvs() };
    assert.ok(after.dnat > before.dnat, `DOCKER-INGRESS DNAT counted the request: ${before.dnat} → ${after.dnat}`);
    assert.ok(after.mark > before.mark, `the sandbox's MARK counted it: ${before.mark} → ${after.mark}`);
    // IPVS sums its per-CPU counters into what ipvsadm shows on its estimator's timer (every 2 s)
    const deadline = Date.now() + 20_000;
    while (after.ipvs.conns <= before.ipvs.conns && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      after.ipvs = ipvs();
    }
    assert.ok(after.ipvs.conns > before.ipvs.conns, `the IPVS service counted the connection: ${before.ipvs.conns} → ${after.ipvs.conns}`);
  });

  it('an open connection through the mesh is in the ingress sandbox’s IPVS connection table: node1 → node2’s gateway in the sandbox → the task', async () => {
    const [a, b] = lab!.nodes;
    const port = lab!.publishedPort;
    const taskIngress = a.docker('inspect', '-f', '{{.NetworkSettings.Networks.ingress.IPAddress}}', a.docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${lab!.service}`));
    const held = spawn('nsenter', [`--net=/run/netns/${a.name}`, 'bash', '-c', `exec 3<>/dev/tcp/${b.address}/${port}; sleep 30`], { stdio: 'ignore' });
    try {
      let line: string | undefined;
      const deadline = Date.now() + 15_000;
      while (!line && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        line = inSbox(b, 'ipvsadm', '-Lnc').split('\n').find((l) => l.includes('ESTABLISHED') && l.includes(`${a.address}:`) && l.includes(`${taskIngress}:${port}`));
      }
      assert.ok(line, `an ESTABLISHED IPVS entry from ${a.address} to ${taskIngress}:${port}:\n${inSbox(b, 'ipvsadm', '-Lnc')}`);
    } finally {
      held.kill('SIGKILL');
    }
  });

  it('node1’s kernel has no IPVS: Docker programs no ingress DNAT there and its published port is refused, though the task runs on it', () => {
    const [a] = lab!.nodes;
    assert.equal(spawnSync(a.enter[0]!, [...a.enter.slice(1), 'test', '-e', '/proc/net/ip_vs']).status, 1);
    assert.ok(!inNode(a, 'iptables-save', '-t', 'nat').includes('-j DNAT'), 'no DNAT in node1’s nat table');
    const page = request(`http://${a.address}:${lab!.publishedPort}/`);
    assert.notEqual(page.status, 0);
    assert.match(page.stderr, /refused/);
  });

  it('models the mesh on each node from its kernel: node2’s DNAT, mark and IPVS service with the task on node1 behind vxlan0; node1’s kernel shows no IPVS', () => {
    const [a, b] = lab!.nodes;
    const m2 = models[1]!.networks.find((x) => x.name === 'ingress')!.mesh!;
    assert.equal(m2.ipvs.known && m2.ipvs.value.present, true, JSON.stringify(m2.ipvs));
    const port = m2.ports.find((p) => p.published === lab!.publishedPort);
    assert.ok(port?.dnat && port.mark && port.ipvs, JSON.stringify(m2.ports));
    // the real servers are what the kernel holds, and each is the task's ingress address on node1
    const task = a.docker('ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${lab!.service}`);
    const taskIngress = a.docker('inspect', '-f', '{{(index .NetworkSettings.Networks "ingress").IPAddress}}', task);
    assert.deepEqual(port.backends.map((x) => [x.address, x.remoteUnderlay]), [[taskIngress, a.address]]);
    assert.match(inSbox(b, 'ipvsadm', '-Ln'), new RegExp(`FWM\\s+${port.fwmark}\\b[\\s\\S]*${taskIngress.replace(/\./g, '\\.')}:0\\s+Masq`));
    const m1 = models[0]!.networks.find((x) => x.name === 'ingress')!.mesh!;
    assert.deepEqual(m1.ipvs, { known: true, value: { present: false, services: [] } });
  });

  it('traces nlswmc1 on node1 to node2’s published port across both hosts, reads the task’s own nat table on the way, and agrees with a real request and with both kernels', async () => {
    const [a, b] = lab!.nodes;
    const to = `${b.address}:${lab!.publishedPort}`;
    const out = await traceSeveralHosts([a.session, b.session], { from: lab!.containers[0], to, proto: 'tcp', json: true, verify: true });
    const r = JSON.parse(out) as { verdict: string; decidedBy: string; missing: unknown[]; hops: { namespace: string; what: string }[]; kernel: { agrees: boolean | null; observed: string; checks: { namespace: string; command: string }[] } };
    const whats = r.hops.map((h) => `${h.namespace} | ${h.what}`).join('\n');
    assert.equal(r.verdict, 'delivered', `${r.decidedBy}\n${whats}`);
    assert.deepEqual(r.missing, []);
    assert.match(whats, /nlswm2: Docker namespace ingress_sbox \| IPVS service FWM \d+/);
    // Docker's REDIRECT in the task, read from its own nat table: the published port becomes the target port
    assert.match(whats, /nlswm1: container nlswmweb\.1\.\w+ \| nat PREROUTING: accepted by rule \d+ \(REDIRECT\); REDIRECT .*:18096 → .*:80/);
    assert.match(whats, /nlswm1: container nlswmweb\.1\.\w+ \| delivered to .* where tcp .*:80 .*listens/);
    // the kernels of both hosts, the sandbox's included, route as the walk says
    assert.equal(r.kernel.agrees, true, `${r.kernel.observed}\n${JSON.stringify(r.kernel.checks.map((c) => c.command))}`);
    assert.ok(r.kernel.checks.some((c) => c.namespace === 'nlswm2: Docker namespace ingress_sbox'), JSON.stringify(r.kernel.checks.map((c) => c.namespace)));
    // and the same request for real, from the same container
    // busybox 1.35's wget -T segfaults: bounded from outside instead
    const page = spawnSync('docker', ['-H', a.socket, 'exec', lab!.containers[0], 'wget', '-qO-', `http://${to}/`], { encoding: 'utf8', timeout: 20_000 });
    assert.match(page.stdout, /netlens test page/, `${page.status} ${page.stderr}`);
  });

  it('a DROP of the port in node2’s DOCKER-USER: the trace says dropped there, and the real request gets no page', async () => {
    const [a, b] = lab!.nodes;
    const to = `${b.address}:${lab!.publishedPort}`;
    const rule = ['DOCKER-USER', '-p', 'tcp', '-m', 'conntrack', '--ctorigdstport', String(lab!.publishedPort), '-m', 'comment', '--comment', 'nlswm-mesh-drop', '-j', 'DROP'];
    inNode(b, 'iptables', '-I', ...rule);
    try {
      const r = JSON.parse(await traceSeveralHosts([a.session, b.session], { from: lab!.containers[0], to, proto: 'tcp', json: true })) as { verdict: string; decidedBy: string };
      assert.equal(r.verdict, 'dropped', r.decidedBy);
      assert.match(r.decidedBy, /DOCKER-USER/);
      const real = spawnSync('docker', ['-H', a.socket, 'exec', lab!.containers[0], 'timeout', '5', 'wget', '-qO-', `http://${to}/`], { encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(real.status, 0, 'no page came back');
    } finally {
      inNode(b, 'iptables', '-D', ...rule);
    }
  });
});
