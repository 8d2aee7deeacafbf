import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tracePacket } from '../../../src/core/trace';
import type { ContainerNode, Topology } from '../../../src/core/model/types';
import { FIXTURES } from '../../support/netfilterFixtures';

// A real snapshot with the listener lab up (test/support/listenerLab.ts, test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));
const withContainer = (name: string, edit: (c: ContainerNode) => ContainerNode): Topology => ({
  ...LAB,
  containers: LAB.containers.map((c) => (c.name === name ? edit(c) : c)),
});
const lastHop = (r: ReturnType<typeof tracePacket>) => r.hops[r.hops.length - 1]!;
const listenAssumption = /a (host )?process listens on/;

describe('trace: who listens decides the last step', () => {
  it('the recording holds the listeners the lab started', () => {
    const web = LAB.containers.find((c) => c.name === 'nlk-web')!;
    assert.ok(web.listeners?.known);
    assert.ok(web.listeners.value.some((l) => l.protocol === 'tcp' && l.address === '::' && l.port === 80));
    assert.ok(web.listeners.value.some((l) => l.protocol === 'udp' && l.address === '0.0.0.0' && l.port === 5353));
    const hostnet = LAB.containers.find((c) => c.name === 'nlk-hostnet')!;
    assert.deepEqual(hostnet.listeners, LAB.host!.listeners, 'a --network host container listens in the host namespace');
  });

  it('tcp to a port with a listener: delivered, the hop names the socket, no listener assumption', () => {
    const r = tracePacket(LAB, { from: 'nlk-cli', to: 'nlk-web:80', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered');
    assert.match(lastHop(r).what, /^delivered to 10\.213\.40\.2 in container nlk-web, where tcp \[::\]:80 \(socket inode \d+\) listens$/);
    assert.ok(!r.assumptions.some((a) => listenAssumption.test(a)), r.assumptions.join('\n'));
    // a [::] socket takes IPv4 only without IPV6_V6ONLY, which /proc cannot show: said as assumed
    assert.ok(r.assumptions.some((a) => /tcp \[::\]:80 socket in container nlk-web takes IPv4 too/.test(a)));
  });

  it('tcp to a port nobody listens on: dropped, answered with a RST', () => {
    const r = tracePacket(LAB, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.equal(r.decidedBy, 'no process listens on tcp/81 in container nlk-web: the kernel answers the SYN with a TCP RST (connection refused)');
    assert.equal(lastHop(r).kind, 'drop');
    assert.equal(r.reply, undefined);
  });

  it('udp: a bound 0.0.0.0 socket takes it (no assumption at all); an empty port is ICMP port unreachable', () => {
    const ok = tracePacket(LAB, { from: 'nlk-cli', to: 'nlk-web:5353', proto: 'udp' });
    assert.equal(ok.verdict, 'delivered');
    assert.match(lastHop(ok).what, /where udp 0\.0\.0\.0:5353 .* listens$/);
    assert.ok(!ok.assumptions.some((a) => listenAssumption.test(a) || /takes IPv4 too/.test(a)), ok.assumptions.join('\n'));
    const no = tracePacket(LAB, { from: 'nlk-cli', to: 'nlk-web:5399', proto: 'udp' });
    assert.equal(no.verdict, 'dropped');
    assert.equal(no.decidedBy, 'no process listens on udp/5399 in container nlk-web: the kernel answers with ICMP port unreachable');
  });

  it('a named netns listening on 127.0.0.1 only refuses a connection to its veth address', () => {
    const r = tracePacket(LAB, { from: 'host', to: '10.213.41.2:7777', proto: 'tcp' });
    assert.equal(r.verdict, 'dropped');
    assert.match(r.decidedBy, /^no process listens on tcp\/7777 in netns nlk-ns: /);
    assert.equal(tracePacket(LAB, { from: 'host', to: '10.213.41.2:7778', proto: 'udp' }).verdict, 'delivered');
  });

  it('the host: docker-proxy is a listener there; a host port nobody holds is refused', () => {
    const proxied = tracePacket(LAB, { from: 'host', to: '127.0.0.1:47290', proto: 'tcp' });
    assert.equal(proxied.verdict, 'delivered', proxied.decidedBy);
    assert.match(proxied.decidedBy, /^docker-proxy \(userland\) relayed the publish/);
    const empty = tracePacket(LAB, { from: 'host', to: '127.0.0.1:47299', proto: 'tcp' });
    assert.equal(empty.verdict, 'dropped');
    assert.match(empty.decidedBy, /^no process listens on tcp\/47299 in host: /);
    const wrongAddress = tracePacket(LAB, { from: 'nlk-cli', to: 'host:47290', proto: 'tcp' });
    assert.equal(wrongAddress.verdict, 'dropped');
    assert.ok(!wrongAddress.assumptions.some((a) => /no other host process listens/.test(a)), 'the host sockets were read: nothing to assume');
  });

  it('listeners unknown: uncertain, naming the sockets and the reason they are missing', () => {
    const topo = withContainer('nlk-web', (c) => ({ ...c, listeners: { known: false, reason: '/proc/123/net/tcp: permission denied' } }));
    const r = tracePacket(topo, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.deepEqual(r.missing, [{ fact: 'the listening sockets of container nlk-web', why: '/proc/123/net/tcp: permission denied', assumed: 'a process listens on tcp/81' }]);
    assert.match(r.decidedBy, /^not known: the listening sockets of container nlk-web \(\/proc\/123\/net\/tcp: permission denied\); if a process listens on tcp\/81, the packet would be delivered: arrived at /);
  });

  it('a model without listener facts (recorded before netlens read them) is uncertain too', () => {
    const topo = withContainer('nlk-web', ({ listeners: _dropped, ...c }) => c);
    const r = tracePacket(topo, { from: 'nlk-cli', to: 'nlk-web:81', proto: 'tcp' });
    assert.equal(r.verdict, 'uncertain');
    assert.deepEqual(r.missing.map((m) => m.why), ['the model has no listening sockets for it']);
  });
});
