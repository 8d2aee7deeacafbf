/**
 * Traces and the CLI text over a recorded Podman snapshot (test/fixtures/podman/topology.json, see
 * its README): netavark's chains as iptables-save showed them, the publishes on ports.txt.
 * Expected rules are looked up in the recording's own iptables-save.txt.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { formatTrace, tracePacket } from '../../../src/core/trace';
import { renderTopology } from '../../../src/cli/renderTopology';
import { DOCKER_FIXTURES } from '../../support/engineReplayServer';

const PODMAN = join(DOCKER_FIXTURES, '..', 'podman');
const topo = JSON.parse(readFileSync(join(PODMAN, 'topology.json'), 'utf8')) as Topology;
const dump = readFileSync(join(PODMAN, 'iptables-save.txt'), 'utf8').split('\n');
const [port, podPort] = readFileSync(join(PODMAN, 'ports.txt'), 'utf8').trim().split(' ').map(Number) as [number, number];
const ipOf = (name: string) => topo.networks.flatMap((n) => n.endpoints).find((e) => e.containerName === name)!.ipv4!;
const infra = topo.containers.find((c) => c.name.endsWith('-infra'))!;

describe('trace over a recorded Podman snapshot', () => {
  it("host loopback to a publish: netavark's DNAT in NETAVARK-DN-<hash>, its masquerade by mark, delivered", () => {
    const r = tracePacket(topo, { from: 'host', to: `127.0.0.1:${port}`, proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', formatTrace(r));
    const dnat = dump.find((l) => /^-A NETAVARK-DN-\S+ -d 127\.0\.0\.1\/32 /.test(l) && l.includes(`--dport ${port} `) && l.includes(`--to-destination ${ipOf('nlpod-b')}:80`));
    assert.ok(dnat, 'the recording holds the DNAT rule');
    assert.ok(r.hops.some((h) => h.rule?.raw === dnat), formatTrace(r));
    assert.ok(r.hops.some((h) => h.rule?.chain === 'NETAVARK-HOSTPORT-MASQ'), 'masqueraded by the hostport mark');
  });

  it("to the pod's publish and to a pod member: the infra container's address", () => {
    const pub = tracePacket(topo, { from: 'host', to: `127.0.0.1:${podPort}`, proto: 'tcp' });
    assert.equal(pub.verdict, 'delivered', formatTrace(pub));
    assert.match(pub.decidedBy, new RegExp(`in container ${infra.name.replace(/[.-]/g, '\\$&')}`));
    const member = tracePacket(topo, { from: 'nlpod-a', to: 'nlpod-p1:80', proto: 'tcp' });
    assert.equal(member.verdict, 'delivered', formatTrace(member));
    assert.ok(member.hops.some((h) => h.packet.dst === ipOf(infra.name)));
  });

  it('between containers of the network: through NETAVARK_FORWARD', () => {
    const r = tracePacket(topo, { from: 'nlpod-a', to: 'nlpod-b:80', proto: 'tcp' });
    assert.equal(r.verdict, 'delivered', formatTrace(r));
    assert.ok(r.hops.some((h) => h.rule?.chain === 'NETAVARK_FORWARD'), formatTrace(r));
  });
});

describe('netlens topology text over a recorded Podman snapshot', () => {
  const text = renderTopology(topo);
  it('names the engine and its bridges as Podman and the kernel do, and says what the API lacks', () => {
    assert.match(text, new RegExp(`^engine \\S+ — Podman ${topo.engine.version.replace(/\./g, '\\.')} `));
    for (const limit of topo.engine.apiLimits ?? []) assert.ok(text.includes(`api limit: ${limit}`));
    const net = topo.networks.find((n) => n.name === 'nlpod-net')!;
    assert.match(text, new RegExp(`bridge ${net.bridge}\\n`));
    assert.doesNotMatch(text, /br-[0-9a-f]{12}.*nlpod|missing on host/);
    assert.match(text, /bridge podman0 \(not on the host: netavark makes it when a container of the network starts\)/);
  });
});
