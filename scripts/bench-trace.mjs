// Benchmark of the packet trace over a 10,000-rule firewall; prints figures, asserts nothing.
// The dump is SYNTHESISED by scaling the recorded real one in test/fixtures/trace/lab-20.10.topology.json:
// its rules are written back out as iptables-save text (each rule keeps its raw line) and the DOCKER
// chains and nat POSTROUTING get the three rules Engine 20.10 writes per published port (filter
// DOCKER ACCEPT, nat DOCKER DNAT, nat POSTROUTING hairpin MASQUERADE) for synthetic containers
// 172.30.x.y, inserted AHEAD of the real rules so the traced publish is found last (worst case).
// Usage: node scripts/bench-trace.mjs [rules=10000] [runs=20]
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const target = Number(process.argv[2] ?? 10000);
const runs = Number(process.argv[3] ?? 20);

const dir = mkdtempSync(join(tmpdir(), 'nlt-bench-'));
try {
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export { tracePacket } from ${JSON.stringify(join(root, 'src/core/trace/index.ts'))};\nexport { parseIptablesSave } from ${JSON.stringify(join(root, 'src/core/netfilter/iptablesSave.ts'))};\n`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: join(dir, 'trace.cjs'), logLevel: 'error' });
  const { tracePacket, parseIptablesSave } = createRequire(import.meta.url)(join(dir, 'trace.cjs'));

  const lab = JSON.parse(readFileSync(resolve(root, 'test/fixtures/trace/lab-20.10.topology.json'), 'utf8'));
  const real = lab.host.firewall.ipv4;
  const realCount = Object.values(real.tables).reduce((n, t) => n + Object.values(t.chains).reduce((m, c) => m + c.rules.length, 0), 0);
  const perPublish = 3;
  const publishes = Math.max(0, Math.ceil((target - realCount) / perPublish));
  const synthetic = { 'filter DOCKER': [], 'nat DOCKER': [], 'nat POSTROUTING': [] };
  for (let i = 0; i < publishes; i++) {
    const ip = `172.30.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    const port = 20000 + i;
    synthetic['filter DOCKER'].push(`-A DOCKER -d ${ip}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`);
    synthetic['nat DOCKER'].push(`-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${ip}:80`);
    synthetic['nat POSTROUTING'].push(`-A POSTROUTING -s ${ip}/32 -d ${ip}/32 -p tcp -m tcp --dport 80 -j MASQUERADE`);
  }
  const lines = [];
  for (const t of Object.values(real.tables)) {
    lines.push(`*${t.name}`);
    for (const c of Object.values(t.chains)) lines.push(`:${c.name} ${c.policy ?? '-'} [0:0]`);
    for (const c of Object.values(t.chains)) {
      const key = `${t.name} ${c.name}`;
      // DOCKER's RETURN rules for the bridges stay first, as Docker keeps them
      const returns = c.rules.filter((r) => r.target === 'RETURN' && key === 'nat DOCKER').map((r) => r.raw);
      lines.push(...returns, ...(synthetic[key] ?? []), ...c.rules.filter((r) => !returns.includes(r.raw)).map((r) => r.raw));
    }
    lines.push('COMMIT');
  }
  const text = lines.join('\n') + '\n';

  // parsed twice: the first pays for the JIT warming up, the second is what a refresh costs
  const parseTimes = [];
  let ruleset;
  for (let i = 0; i < 2; i++) {
    const t0 = process.hrtime.bigint();
    ruleset = parseIptablesSave(text, 'ipv4', 'bench: scaled lab-20.10');
    parseTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const total = Object.values(ruleset.tables).reduce((n, t) => n + Object.values(t.chains).reduce((m, c) => m + c.rules.length, 0), 0);
  const topo = { ...lab, host: { ...lab.host, firewall: { ...lab.host.firewall, ipv4: ruleset } } };
  const req = { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' };
  // wall time, and CPU time (what the trace itself costs when other work shares the cores)
  const times = [];
  const cpu = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    result = tracePacket(topo, req);
    const dc = process.cpuUsage(c);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    cpu.push((dc.user + dc.system) / 1000);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const cpuSorted = [...cpu].sort((a, b) => a - b);
  const considered = [...result.hops, ...(result.reply ?? [])].reduce((n, h) => n + (h.rulesConsidered ?? 0), 0);
  console.log(`trace bench: ${total} rules (${realCount} recorded + ${publishes} synthetic publishes × ${perPublish}), parse ${parseTimes[0].toFixed(1)} ms cold, ${parseTimes[1].toFixed(1)} ms warm`);
  console.log(`trace bench: ${req.from} → ${req.to}/${req.proto}: ${result.verdict}, ${considered} rule evaluations; first ${times[0].toFixed(1)} ms, median ${sorted[Math.floor(runs / 2)].toFixed(1)} ms, max ${sorted[runs - 1].toFixed(1)} ms over ${runs} runs (CPU median ${cpuSorted[Math.floor(runs / 2)].toFixed(1)} ms; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
