/**
 * A trace's path on the topology webview (headless Chromium), fed what the extension posts for
 * real traces on the recorded Engine 20.10 trace lab (test/fixtures/trace): the snapshot of that
 * lab, then the `tracePath` message the trace view's host builds (src/extension/trace/traceView.ts).
 * The path lights, the deciding place is marked apart in the verdict's colour with the verdict as
 * text, a click on the path asks the trace view for that hop, a hop's focus selects its place.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { tracePacket } from '../../../src/core/trace';
import { hopFocusTarget, tracePathMessage } from '../../../src/extension/trace/traceView';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { FIXTURES } from '../../support/netfilterFixtures';
import { repoRoot } from '../../support/topologyFixtures';
import type { WebviewPage } from '../../support/webviewHarnessPage';
import { openWebviewPage, snapshotMessage } from '../../support/webviewHarnessPage';

const artifacts = resolve(repoRoot, 'test-artifacts');
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const a1 = LAB.containers.find((c) => c.name === 'nlt-a1')!;
const netA = LAB.networks.find((n) => n.name === 'nlt-a')!;
const hostEnd = LAB.host!.interfaces.find((i) => i.peerNetns === 'nlt-OUT')!;
const nodeSel = (id: string): string => `g.node[data-id="${id}"]`;
const ids = (p: WebviewPage, selector: string): Promise<string[]> => p.page.$$eval(selector, (els) => els.map((e) => e.getAttribute('data-id') ?? '').sort());

describe('trace path on the topology webview (headless Chromium, recorded trace lab)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  const dropped = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
  const delivered = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
  before(async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(LAB, 'initial'));
    await wv.page.waitForSelector(nodeSel(topologyIds.container(a1.id)));
  });
  after(async () => {
    await wv?.close();
  });

  it('lights the dropped trace\'s path and marks where it was dropped, in the verdict\'s colour, with the rule as text', async () => {
    assert.equal(dropped.verdict, 'dropped');
    await wv.post(tracePathMessage(7, LAB, dropped));
    await wv.page.waitForSelector('svg.has-trace');
    const lit = await ids(wv, 'g.node.on-trace');
    // the outside netns and the host end of its veth (drawn as that NIC or bridge port)
    assert.ok(lit.includes(topologyIds.namedNetns('nlt-OUT')), `lit: ${lit.join(' ')}`);
    const endDrawn = [topologyIds.hostInterface(hostEnd.name), topologyIds.bridgePort(hostEnd.name)].filter((id) => lit.includes(id));
    assert.equal(endDrawn.length, 1, `the host end ${hostEnd.name} is lit as what was drawn for it`);
    // dropped before the bridge: nlt-a and nlt-a1 stay dark
    assert.equal(lit.includes(topologyIds.network(netA.id)), false);
    assert.equal(lit.includes(topologyIds.container(a1.id)), false);
    // its DNAT rule was taken (PREROUTING, before the drop): the publish is lit as taken, not as arrived
    const taken = await ids(wv, 'g.edge.on-trace.trace-partial');
    assert.equal(taken.length, 1, `one publish taken: ${taken.join(' ')}`);
    const pub = LAB.publishes.find((p) => topologyIds.publish(p.containerId, p.hostIp, p.hostPort, p.protocol) === taken[0])!;
    assert.ok(pub && pub.hostPort === 47153 && pub.protocol === 'udp', `the publish of port 47153/udp: ${taken[0]}`);
    assert.notEqual(await wv.page.$eval(`g.edge[data-id="${taken[0]}"] .edge-line`, (e) => getComputedStyle(e).strokeDasharray), 'none', 'drawn dashed');
    assert.deepEqual(await ids(wv, 'g.node.trace-decider'), endDrawn, 'the drop happened at the host end of the outside veth');
    const badge = wv.page.locator('g.trace-badge');
    assert.equal(await badge.getAttribute('data-for'), endDrawn[0]);
    assert.equal(await badge.locator('title').textContent(), `dropped: ${dropped.decidedBy}`);
    assert.match((await badge.locator('text').textContent())!, /^dropped: filter DOCKER-USER rule/);
    // the verdict's colour comes from the theme: the decider's stroke is the theme's red, the path's its yellow
    const stroke = (sel: string) => wv.page.$eval(sel, (e) => getComputedStyle(e).stroke);
    const themeColour = (name: string) => wv.page.evaluate((n) => {
      const probe = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      probe.style.stroke = `var(${n})`;
      document.querySelector('svg.topology')!.appendChild(probe);
      const c = getComputedStyle(probe).stroke;
      probe.remove();
      return c;
    }, name);
    assert.equal(await stroke(`${nodeSel(endDrawn[0]!)} rect.node-box`), await themeColour('--vscode-charts-red'));
    assert.equal(await stroke(`${nodeSel(topologyIds.namedNetns('nlt-OUT'))} rect.node-box`), await themeColour('--vscode-charts-yellow'));
    mkdirSync(artifacts, { recursive: true });
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-trace-dropped.png') });
  });

  it('a click on the path asks the trace view for that hop (the decider\'s own step on the decider); a click off the path asks nothing', async () => {
    const endDrawn = (await ids(wv, 'g.node.trace-decider'))[0]!;
    const before = (await wv.posted()).length;
    await wv.page.click(nodeSel(endDrawn));
    await wv.page.click(nodeSel(topologyIds.namedNetns('nlt-OUT')));
    await wv.page.click(nodeSel(topologyIds.container(a1.id)));
    await wv.page.waitForTimeout(200);
    const asked = (await wv.posted()).slice(before).filter((m) => (m as { type: string }).type === 'selectTraceHop');
    const last = dropped.hops[dropped.hops.length - 1]!;
    assert.deepEqual(asked, [
      { type: 'selectTraceHop', traceId: 7, step: last.step },
      { type: 'selectTraceHop', traceId: 7, step: dropped.hops[0]!.step },
    ]);
  });

  it('a hop picked in the trace view is selected on the graph (the host sends its place as a focus)', async () => {
    const hop = delivered.hops.find((h) => h.namespace === 'container nlt-a1')!;
    await wv.post(tracePathMessage(8, LAB, delivered));
    await wv.post({ type: 'focus', target: hopFocusTarget(LAB, hop)! });
    await wv.page.waitForSelector(`${nodeSel(topologyIds.container(a1.id))}.selected`);
    // delivered: the receiving container decided, in the theme's green
    assert.ok((await ids(wv, 'g.node.trace-decider')).includes(topologyIds.container(a1.id)));
    assert.match((await wv.page.locator('g.trace-badge text').textContent())!, /^delivered: arrived at /);
  });

  it('the badge is text only, and a clearing message takes path, decider and badge away', async () => {
    const m = tracePathMessage(9, LAB, dropped);
    await wv.post({ ...m, decider: { ...m.decider!, text: HOSTILE } });
    await wv.page.locator('g.trace-badge title', { hasText: HOSTILE }).waitFor({ state: 'attached' });
    assert.equal(await wv.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await wv.page.locator('g.trace-badge img').count(), 0);
    await wv.post({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' });
    await wv.page.waitForFunction(() => !document.querySelector('svg.has-trace') && !document.querySelector('g.trace-badge') && !document.querySelector('.trace-decider'));
    assert.deepEqual(await wv.cspViolations(), []);
  });
});
