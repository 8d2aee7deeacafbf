/**
 * trace --verify, without a kernel: which routing steps of a trace on the recorded Engine 20.10
 * lab become `ip route get` checks, that nothing unvalidated reaches their command, and how
 * recorded answers of iproute2 (test/fixtures/trace/route-get/) are judged.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSection } from '../../../src/core/host/batch';
import type { Topology } from '../../../src/core/model/types';
import { formatTrace, judgeRouteChecks, routeCheckCommand, routeChecks, tracePacket, type RouteCheck } from '../../../src/core/trace';
import { FIXTURES } from '../../support/netfilterFixtures';

const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const answer = (name: string): string => readFileSync(join(FIXTURES, 'trace', 'route-get', name), 'utf8');
const section = (...texts: string[]): BatchSection => ({ stdout: '', code: 0, parts: texts.map((text, i) => ({ name: `check:${i}`, text })) });
const check = (expected: RouteCheck['expected']): RouteCheck => ({ step: 1, namespace: 'host', place: { kind: 'host' }, dst: '172.17.0.5', expected, command: 'ip route get 172.17.0.5' });
const container = (name: string) => LAB.containers.find((c) => c.name === name)!;

describe('trace --verify: the routing steps asked of the kernel', () => {
  it('a trace across bridges asks the source container, then the host for the forwarded packet with its way in', () => {
    const result = tracePacket(LAB, { from: 'nlt-a1', to: 'nlt-b1:80', proto: 'tcp' });
    const { checks } = routeChecks(LAB, result);
    const a1 = container('nlt-a1');
    const first = checks[0]!;
    assert.deepEqual(first.place, { kind: 'container', pid: a1.pid, name: 'nlt-a1' });
    assert.match(first.command, new RegExp(`^nsenter -t ${a1.pid} -n ip route get ${result.hops[0]!.packet.dst.replace(/\./g, '\\.')}$`));
    const forwarded = checks.find((c) => c.place.kind === 'host' && c.iif);
    assert.ok(forwarded, formatTrace(result));
    // the way in is the bridge of the source's network, as the trace walked it
    assert.equal(forwarded.iif, LAB.networks.find((n) => n.name === 'nlt-a')!.bridge);
    assert.equal(forwarded.from, a1.networks.length && LAB.networks.find((n) => n.name === 'nlt-a')!.endpoints.find((e) => e.containerId === a1.id)!.ipv4);
    assert.deepEqual(forwarded.expected, { type: 'unicast', dev: LAB.networks.find((n) => n.name === 'nlt-b')!.bridge, via: null });
  });

  it('a container sharing another one\'s namespace is entered through that one\'s process; a host-network one is the host', () => {
    const shared = container('nlt-shared');
    const owner = LAB.containers.find((c) => c.id === shared.sharesNetnsWith)!;
    const viaShared = routeChecks(LAB, tracePacket(LAB, { from: 'nlt-shared', to: 'nlt-b1:80', proto: 'tcp' })).checks[0]!;
    // the walk names the namespace by its owner; the kernel is asked through the owner's process
    assert.equal(viaShared.place.kind, 'container');
    assert.equal(viaShared.place.kind === 'container' && viaShared.place.pid, owner.pid);
    const hostNet = routeChecks(LAB, tracePacket(LAB, { from: 'nlt-hostnet', to: 'nlt-b1:80', proto: 'tcp' })).checks;
    assert.ok(hostNet.length > 0 && hostNet.every((c) => c.place.kind === 'host' || c.namespace !== 'container nlt-hostnet'));
  });

  it('names Docker or a user chose never reach the command: a hostile namespace or device is skipped, saying why', () => {
    const result = tracePacket(LAB, { from: 'nlt-a1', to: 'nlt-b1:80', proto: 'tcp' });
    const hostile = {
      ...result,
      hops: result.hops.map((h) =>
        h.kind === 'routing' ? { ...h, interface: 'br0;reboot' } : h.namespace === 'container nlt-a1' && h.kind === 'route' ? { ...h, namespace: 'netns $(reboot)' } : h,
      ),
    };
    const { checks, skipped } = routeChecks(LAB, hostile);
    assert.equal(checks.length + skipped.length, routeChecks(LAB, result).checks.length);
    assert.ok(skipped.some((s) => /netns name "\$\(reboot\)"/.test(s)), skipped.join('\n'));
    assert.ok(skipped.some((s) => /interface "br0;reboot"/.test(s)), skipped.join('\n'));
    const script = routeCheckCommand(checks).script;
    assert.doesNotMatch(script, /reboot/);
    // every value in the script is one of the validated ones, quoted
    for (const c of checks) assert.ok(script.includes(`'${c.dst}'`));
  });
});

describe('trace --verify: recorded kernel answers judged', () => {
  it('the same device agrees; another device, or no route at all, disagrees and says where', () => {
    const k = judgeRouteChecks(
      [check({ type: 'unicast', dev: 'docker0', via: null }), check({ type: 'unicast', dev: 'br-0123456789ab', via: null })],
      [],
      section(answer('docker0.txt'), answer('docker0.txt')),
      null,
    );
    assert.deepEqual(k.checks.map((c) => c.agrees), [true, false]);
    assert.equal(k.agrees, false);
    assert.match(k.observed, /the trace chose dev br-0123456789ab, `ip route get 172\.17\.0\.5` says dev docker0/);
    const none = judgeRouteChecks([check({ type: 'unicast', dev: 'eth0', via: null })], [], section(answer('unreachable.txt')), null);
    assert.equal(none.agrees, false);
    assert.match(none.checks[0]!.observed, /^unreachable \(RTNETLINK answers: Network is unreachable\)/);
  });

  it('the gateway counts: the same device through another gateway disagrees', () => {
    const right = judgeRouteChecks([check({ type: 'unicast', dev: 'eth0', via: '172.17.0.1' })], [], section(answer('container-via-gateway.txt')), null);
    assert.equal(right.agrees, true);
    assert.equal(right.checks[0]!.observed, 'dev eth0 via 172.17.0.1');
    const wrong = judgeRouteChecks([check({ type: 'unicast', dev: 'eth0', via: null })], [], section(answer('container-via-gateway.txt')), null);
    assert.equal(wrong.agrees, false);
  });

  it('a local delivery is recognised; an answer that settles nothing leaves the check open, not agreed', () => {
    assert.equal(judgeRouteChecks([check({ type: 'local' })], [], section(answer('local.txt')), null).agrees, true);
    const open = judgeRouteChecks([check({ type: 'local' }), check({ type: 'unicast', dev: 'docker0', via: null })], [], section(answer('nodevice.txt'), answer('docker0.txt')), null);
    assert.equal(open.agrees, null);
    assert.match(open.observed, /agrees at 1 of 2 routing steps; step 1 \(host\) is not settled: Cannot find device "nlv-nosuchdev"/);
  });

  it('without a kernel to ask, nothing is claimed', () => {
    const k = judgeRouteChecks([check({ type: 'local' })], [], undefined, 'no shell on the Docker host is configured');
    assert.equal(k.agrees, null);
    assert.match(k.observed, /could not be asked: no shell on the Docker host/);
    assert.deepEqual(k.checks.map((c) => c.observed), ['not asked']);
  });
});
