import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { tracePacket } from '../../../src/core/trace';
import { traceHtml } from '../../../src/extension/trace/traceHtml';
import { recheckTrace, hopFocusTarget, traceShownView, traceSignature, traceTitle } from '../../../src/extension/trace/traceView';
import { isTraceShownView } from '../../../src/protocol/traceProtocol';
import { FIXTURES } from '../../support/netfilterFixtures';

// A real snapshot of this machine's Engine 20.10 with the trace lab up (see test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const view = (topology: Topology, result = tracePacket(topology, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' })) =>
  traceShownView({ id: 7, engine: 'local', tracedAt: new Date(0), topology, result, status: { kind: 'current', text: 'current' } });

describe('the trace view model (what the extension posts to the trace view)', () => {
  it('is what the protocol guard accepts, with every hop, the reply, the NAT rewrite and the CLI line', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    const v = view(LAB, r);
    assert.ok(isTraceShownView(v));
    assert.equal(v.title, 'netns:nlt-OUT → host:47180 (tcp)');
    assert.equal(v.cli, 'netlens trace --from netns:nlt-OUT --to host:47180 --proto tcp');
    assert.deepEqual(v.hops.map((h) => h.step), r.hops.map((h) => h.step));
    assert.equal(v.reply.length, r.reply!.length);
    assert.ok(v.hops.some((h) => h.rewrites.includes('dst 10.213.99.1:47180 → 10.213.20.2:80')));
    // a reply's first hop is the answer, not a rewrite of the forward packet
    assert.deepEqual(v.reply[0]!.rewrites, []);
    assert.deepEqual(v.changes, [], 'delivered: nothing to change');
  });

  it('marks the hop at a rule netlens cannot evaluate as uncertain, and the suggestion offers the probe', () => {
    const v = view(LAB, tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-b1:80', proto: 'tcp' }));
    assert.equal(v.verdict, 'uncertain');
    assert.ok(v.hops.at(-1)!.uncertain);
    assert.ok(v.changes.some((c) => c.command === 'netlens trace --from nlt-a2 --to nlt-b1:80 --proto tcp --probe'));
  });

  it('the signature tells a changed answer (ip_forward turned off) from the same one', () => {
    const req = { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' } as const;
    const off: Topology = { ...LAB, host: { ...LAB.host!, sysctls: { ...LAB.host!.sysctls, 'net.ipv4.ip_forward': '0' } } };
    assert.equal(traceSignature(tracePacket(LAB, req)), traceSignature(tracePacket(JSON.parse(JSON.stringify(LAB)) as Topology, req)));
    assert.notEqual(traceSignature(tracePacket(LAB, req)), traceSignature(tracePacket(off, req)));
  });

  it('a hop focuses the topology on its container, named netns or host interface (by subject key)', () => {
    assert.equal(hopFocusTarget(LAB, { namespace: 'container nlt-a1', interface: 'eth0' }), `ctr:${LAB.containers.find((c) => c.name === 'nlt-a1')!.id}`);
    assert.equal(hopFocusTarget(LAB, { namespace: 'netns nlt-OUT', interface: 'nlt-out0' }), 'ns:nlt-OUT');
    assert.equal(hopFocusTarget(LAB, { namespace: 'host', interface: 'nlt-outh' }), 'nic:nlt-outh');
    assert.equal(hopFocusTarget(LAB, { namespace: 'outside', interface: null }), null);
    assert.equal(traceTitle({ from: 'a', to: 'b', proto: 'udp', port: 53, family: 'ipv6' }), 'a → b port 53 (udp, IPv6)');
  });

  it('the page holds no trace data: one script, ours, under a nonce-only CSP', () => {
    const html = traceHtml({ nonce: 'n0nce', scriptUri: 'https://x.vscode-cdn.net/dist/trace.js' });
    assert.deepEqual(html.match(/<script\b[^>]*>/g), ['<script nonce="n0nce" src="https://x.vscode-cdn.net/dist/trace.js">']);
    assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-n0nce&#39;; script-src &#39;nonce-n0nce&#39;;/);
  });

  describe('after an engine event', () => {
    const req = { from: 'netns:nlt-OUT', to: 'nlt-a1:80', proto: 'tcp' } as const;
    const a1 = LAB.containers.find((c) => c.name === 'nlt-a1')!;
    const kept = { topology: LAB, result: tracePacket(LAB, req), containers: [a1.id] };
    const at = new Date('2026-11-30T17:00:05Z');

    it('the same answer on the new model: nothing to say', () => {
      assert.deepEqual(recheckTrace(kept, LAB, tracePacket(JSON.parse(JSON.stringify(LAB)) as Topology, req), at), { kind: 'same' });
    });

    it('a changed answer (ip_forward turned off) replaces the shown one and says what it was', () => {
      const off: Topology = { ...LAB, host: { ...LAB.host!, sysctls: { ...LAB.host!.sysctls, 'net.ipv4.ip_forward': '0' } } };
      const r = recheckTrace(kept, off, tracePacket(off, req), at);
      assert.equal(r.kind, 'updated');
      if (r.kind !== 'updated') return;
      assert.equal(r.result.verdict, 'dropped');
      assert.equal(r.status.text, `updated after an engine event at 17:00:05 UTC: it was delivered (${kept.result.decidedBy}); the kernel check and probe, if any, were for the old answer`);
    });

    it('a container of the trace gone: stale, naming it; a trace that can no longer be asked: stale, saying why', () => {
      const without: Topology = { ...LAB, containers: LAB.containers.filter((c) => c.id !== a1.id) };
      const r = recheckTrace(kept, without, null, at);
      assert.equal(r.kind, 'stale');
      assert.match(r.kind === 'stale' ? r.status.text : '', /^stale: nlt-a1 is gone \(removed or re-created\)/);
      let err: Error | undefined;
      try {
        tracePacket(without, req);
      } catch (e) {
        err = e as Error;
      }
      assert.ok(err, 'tracing to a removed container throws');
      const asked = recheckTrace({ ...kept, containers: [] }, without, err, at);
      assert.equal(asked.kind, 'stale');
      assert.match(asked.kind === 'stale' ? asked.status.text : '', /^stale: after an engine event this trace can no longer be asked \(.*nlt-a1/);
    });
  });
});
