/**
 * trace --probe judged on recorded sections (test/fixtures/trace/probe): the attempt's outcome,
 * the rule counters before and after, and the verdict against the trace.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBatch } from '../../../src/core/host/batch';
import { formatProbe, judgeProbe, probeCommand, ruleCounters, type ProbePlan } from '../../../src/core/trace/probe';
import type { TraceResult } from '../../../src/core/trace/types';

const dir = join(__dirname, '../../../../test/fixtures/trace/probe');
const DELIMITER = 'NLBprobefixture0123456789';

function recorded(name: string) {
  const { result, plan } = JSON.parse(readFileSync(join(dir, `${name}.trace.json`), 'utf8')) as { result: TraceResult; plan: ProbePlan };
  const section = parseBatch(readFileSync(join(dir, `${name}.batch.txt`), 'utf8'), DELIMITER, ['probe']).get('probe')!;
  return { result, plan, section };
}

describe('trace --probe (recorded)', () => {
  it('reads packet counters per table, chain and rule number from iptables-save -c', () => {
    const { section } = recorded('delivered');
    const before = ruleCounters(section.parts.find((p) => p.name === 'before')!.text)!;
    const after = ruleCounters(section.parts.find((p) => p.name === 'after')!.text)!;
    assert.ok(before.size > 20, `${before.size} rules`);
    assert.deepEqual([...before.keys()], [...after.keys()], 'the same rules before and after');
    assert.ok([...before.keys()].some((k) => /^filter FORWARD \d+$/.test(k)));
    assert.equal(ruleCounters('netlens: iptables-save failed\n'), null, 'no ruleset: no counters, not zeros');
  });

  it('delivered: the connection was made and every rule the trace names on the way counted it', () => {
    const { result, plan, section } = recorded('delivered');
    assert.equal(result.verdict, 'delivered');
    const p = judgeProbe(result, plan, section, null);
    assert.equal(p.outcome, 'connected');
    assert.equal(p.agrees, true, formatProbe(p).join('\n'));
    assert.ok(p.rules.length >= 1 && p.rules.every((r) => (r.packets ?? 0) > 0), formatProbe(p).join('\n'));
  });

  it('refused: the kernel answered RST where the trace said no process listens', () => {
    const { result, plan, section } = recorded('refused');
    assert.equal(result.verdict, 'dropped');
    const p = judgeProbe(result, plan, section, null);
    assert.equal(p.outcome, 'refused');
    assert.equal(p.agrees, true, formatProbe(p).join('\n'));
    assert.match(p.observed, /^the connection was refused in \d+ ms \(.*Connection refused\), as the trace says/);
  });

  it('a firewall changed after the snapshot: the trace said delivered, the probe got no answer', () => {
    const { result, plan, section } = recorded('rule-added-after');
    assert.equal(result.verdict, 'delivered');
    const p = judgeProbe(result, plan, section, null);
    assert.equal(p.outcome, 'timeout');
    assert.equal(p.agrees, false);
    assert.match(p.observed, /^the kernel disagrees: the trace says delivered, but no answer came/);
  });

  it('a shell that could not run it, or a trace that cannot be probed, settles nothing and says why', () => {
    const { result, plan } = recorded('delivered');
    const failed = judgeProbe(result, plan, undefined, 'nsenter not found on the host (command -v), needed for probe');
    assert.equal(failed.agrees, null);
    assert.match(failed.observed, /^the probe could not run: nsenter not found/);
    assert.ok(failed.rules.every((r) => r.packets === null));
    const cannot = judgeProbe(result, 'the packet starts outside this host: netlens sends probes only from namespaces on it', undefined, null);
    assert.equal(cannot.agrees, null);
    assert.match(cannot.observed, /^not probed: the packet starts outside/);
  });

  it('puts into the script only the validated plan, each value quoted', () => {
    const { plan } = recorded('delivered');
    const script = probeCommand(plan).script;
    assert.ok(script.includes(`nsenter -t '${(plan.place as { pid: number }).pid}' -n timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe '${plan.dst}' '${plan.dport}'`), script);
  });
});
