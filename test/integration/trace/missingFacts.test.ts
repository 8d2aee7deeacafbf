/**
 * A missing fact is never an empty fact: on the real engine and kernel, each fact a trace needs is
 * taken away in turn — by a host shell that really lacks the tool, or by dropping that one fact from
 * a real collection — and a trace whose way crosses it must be `uncertain`, naming it, where the
 * full facts give a firm verdict.
 */
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { resolveEngineEndpoint } from '../../../src/core/docker/connection';
import { createDockerClient } from '../../../src/core/docker/client';
import { collectEngineFacts } from '../../../src/core/docker/engine';
import { ContainerDetailsCache } from '../../../src/core/docker/containerDetails';
import type { EngineFacts } from '../../../src/core/docker/types';
import { collectHostFacts } from '../../../src/core/host/collect';
import { createLocalShell } from '../../../src/core/host/shell';
import type { HostFacts } from '../../../src/core/host/types';
import { unknown } from '../../../src/core/known';
import { buildTopology } from '../../../src/core/model/build';
import type { Gap, Topology } from '../../../src/core/model/types';
import { hostRulesets } from '../../../src/core/session';
import { tracePacket, type TraceRequest } from '../../../src/core/trace';
import { pathWithout } from '../../support/pathWithout';
import { OUT_IP, OUT_NS, PUBLISHED, attempt, down, up } from './traceLab';

function model(engine: EngineFacts, host: HostFacts): Topology {
  const gaps: Gap[] = [];
  const rules = hostRulesets(host, gaps);
  return buildTopology({ engine, host, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps });
}

describe('trace with one fact missing at a time (real engine, real host facts)', function () {
  this.timeout(300_000);
  let engine: EngineFacts;
  let host: HostFacts;
  let full: Topology;

  before(async function () {
    assert.equal(process.getuid?.(), 0, 'this suite needs root (netns, iptables)');
    assert.ok(attempt('docker', ['version']).ok, 'this suite needs the real dockerd');
    up();
    const endpoint = resolveEngineEndpoint({ env: process.env });
    const docker = createDockerClient(endpoint);
    const listed = await collectEngineFacts(docker, endpoint);
    engine = { ...listed, containers: (await new ContainerDetailsCache(docker).enrich(listed.containers)).containers };
    host = await collectHostFacts(createLocalShell());
    full = model(engine, host);
  });

  after(() => down());

  /** The full facts give `firm`; with the fact removed the same trace is uncertain and names it. */
  function expectUncertain(without: Topology, req: TraceRequest, firm: 'delivered' | 'dropped', fact: RegExp): void {
    const before = tracePacket(full, req);
    assert.equal(before.verdict, firm, `with every fact: ${before.decidedBy}`);
    assert.deepEqual(before.missing, [], 'with every fact nothing is missing');
    const after = tracePacket(without, req);
    assert.equal(after.verdict, 'uncertain', `without the fact: ${after.decidedBy}`);
    assert.ok(after.missing.some((m) => fact.test(m.fact)), `missing names it: ${JSON.stringify(after.missing)}`);
    assert.match(after.decidedBy, /^not known: /);
  }

  it('the firewall, unreadable because iptables-save and nft are not on the shell\'s PATH: across networks is uncertain, not delivered', async () => {
    const dir = pathWithout(['iptables-save', 'ip6tables-save', 'nft', 'iptables']);
    try {
      const partial = await collectHostFacts(createLocalShell({ env: { PATH: dir } }));
      assert.equal(partial.iptablesSave.known, false, 'the shell really cannot read the firewall');
      const topo = model(engine, partial);
      assert.match(topo.host!.unknown!.firewallIpv4!, /iptables-save/);
      expectUncertain(topo, { from: 'nlt-a2', to: 'nlt-b1:80', proto: 'tcp' }, 'dropped', /host firewall/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the host's routes: a packet the host forwards is uncertain", () => {
    const topo = model(engine, { ...host, routes: unknown('removed by the test') });
    assert.deepEqual(topo.host!.routes, []);
    assert.equal(topo.host!.unknown!.routes, 'removed by the test');
    expectUncertain(topo, { from: `netns:${OUT_NS}`, to: `host:${PUBLISHED}`, proto: 'tcp' }, 'delivered', /host's routes/);
  });

  it('the sysctls (ip_forward): a forwarded publish is uncertain', () => {
    const topo = model(engine, { ...host, sysctls: unknown('removed by the test') });
    expectUncertain(topo, { from: `netns:${OUT_NS}`, to: `host:${PUBLISHED}`, proto: 'tcp' }, 'delivered', /ip_forward/);
  });

  it("a container's namespace: a trace from it is uncertain", () => {
    const a2 = engine.containers.find((c) => c.name === 'nlt-a2')!;
    assert.ok(host.containerNetns.known);
    const { [a2.id]: _gone, ...rest } = host.containerNetns.value;
    const topo = model(engine, { ...host, containerNetns: { known: true, value: rest } });
    assert.match(topo.containers.find((c) => c.name === 'nlt-a2')!.unknown!.netns!, /no process/);
    expectUncertain(topo, { from: 'nlt-a2', to: `${OUT_IP}:80`, proto: 'tcp' }, 'delivered', /interfaces of container nlt-a2/);
  });

  it("a container's listening sockets: a port nobody holds is uncertain, not refused", () => {
    const a1 = engine.containers.find((c) => c.name === 'nlt-a1')!;
    assert.ok(host.containerNetns.known);
    const netns = { ...host.containerNetns.value, [a1.id]: { ...host.containerNetns.value[a1.id]!, listeners: unknown('removed by the test') } };
    const topo = model(engine, { ...host, containerNetns: { known: true, value: netns } });
    expectUncertain(topo, { from: 'nlt-a2', to: 'nlt-a1:81', proto: 'tcp' }, 'dropped', /listening sockets of container nlt-a1/);
  });

  it("a named netns's routes: a trace from it is uncertain", () => {
    assert.ok(host.namedNetns.known);
    const named = host.namedNetns.value.map((n) => (n.name === OUT_NS ? { ...n, routes: unknown('removed by the test') } : n));
    const topo = model(engine, { ...host, namedNetns: { known: true, value: named } });
    expectUncertain(topo, { from: `netns:${OUT_NS}`, to: `host:${PUBLISHED}`, proto: 'tcp' }, 'delivered', new RegExp(`routes of netns ${OUT_NS}`));
  });
});
