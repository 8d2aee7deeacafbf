import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { topologyProtocolVersion } from '../../../src/protocol/topologyProtocol';
import { layoutTopology } from '../../../webview/layout';
import { loadTopologyFixture, repoRoot } from '../../support/topologyFixtures';
import type { WebviewPage } from '../../support/webviewHarnessPage';
import { openWebviewPage, snapshotMessage } from '../../support/webviewHarnessPage';

const artifacts = resolve(repoRoot, 'test-artifacts');
const base = loadTopologyFixture('lab-20.10');
const plusW3 = loadTopologyFixture('lab-20.10-plus-w3');
const w1 = base.containers.find((c) => c.name === 'nlw-w1')!;
const bridge = base.networks.find((n) => n.name === 'bridge')!;
const w1Endpoint = bridge.endpoints.find((e) => e.containerId === w1.id)!;

const nodeSel = (id: string): string => `g.node[data-id="${id}"]`;
const texts = (p: WebviewPage, selector: string): Promise<string[]> => p.page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));

describe('topology webview in headless Chromium (recorded real topology)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(base, 'initial'));
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
  });
  after(async () => {
    await wv?.close();
  });

  it('says ready with the protocol version, then draws every node and edge of the layout', async () => {
    const posted = await wv.posted();
    assert.deepEqual(posted[0], { type: 'ready', protocolVersion: topologyProtocolVersion });
    const layout = layoutTopology(base);
    assert.equal(await wv.page.locator('g.node').count(), layout.nodes.length);
    assert.equal(await wv.page.locator('g.edge').count(), layout.edges.length);
    const titles = await texts(wv, 'text.node-title');
    for (const t of ['eth0', 'docker0', 'nlw-w1', 'nlw-w2', w1Endpoint.hostVeth!, 'nlw-mvp0', 'nlw-mv', 'nlw-br0', 'nlw-RED', 'nlw-BLUE', 'nlw-none']) assert.ok(titles.includes(t), `title ${t} drawn`);
    const labels = await texts(wv, 'text.edge-label');
    assert.ok(labels.includes('0.0.0.0:28080 · [::]:28080 → 80/tcp'));
    assert.ok(labels.includes(`eth0 ${w1Endpoint.ipv4}/16`));
    assert.ok(labels.includes('reth0 10.201.0.2/24'));
    assert.ok((await texts(wv, 'g.mark text')).includes('MASQUERADE'));
    assert.deepEqual(await wv.cspViolations(), [], 'nothing the CSP had to block');
  });

  it('opens the drill-down pane with the IP and the veth when a container is clicked', async () => {
    await wv.page.click(`${nodeSel(topologyIds.container(w1.id))} rect.node-box`);
    const pane = wv.page.locator('aside.details');
    await pane.locator('h2.details-heading', { hasText: 'nlw-w1' }).waitFor();
    const text = (await pane.textContent()) ?? '';
    assert.ok(text.includes(`${w1Endpoint.ipv4}/16`), 'IP in the pane');
    assert.ok(text.includes(w1Endpoint.hostVeth!), 'veth in the pane');
    assert.match(text, /--dport 28080 -j DNAT/);
    await pane.locator('vscode-button.action-inspect').click();
    const posted = await wv.posted();
    assert.deepEqual(posted[posted.length - 1], { type: 'openInspect', itemId: topologyIds.container(w1.id) });
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology.png') });
  });

  it('opens a publish edge and a NAT mark with their rules', async () => {
    await wv.page.click(`g.mark[data-id="${topologyIds.mark('masquerade', bridge.id)}"]`);
    await wv.page.locator('aside.details pre.fact-code', { hasText: 'MASQUERADE' }).first().waitFor();
    const pub = topologyIds.publish(w1.id, '0.0.0.0', 28080, 'tcp');
    await wv.page.locator(`g.edge[data-id="${pub}"] path.edge-hit`).dispatchEvent('click');
    await wv.page.locator('h2.details-heading', { hasText: '0.0.0.0:28080 → nlw-w1:80/tcp' }).waitFor();
    // the proxy's command line, quoted as the recording has it, under its own label
    const proxy = base.publishes.find((p) => p.containerId === w1.id && p.hostIp === '0.0.0.0' && p.hostPort === 28080)!.proxy!;
    await wv.page.locator('aside.details pre.fact-code', { hasText: `pid ${proxy.pid}: ${proxy.args}` }).waitFor();
  });

  it('walks nodes with the arrow keys and opens the pane with Enter', async () => {
    const start = topologyIds.endpoint(bridge.id, w1.id);
    await wv.page.focus(nodeSel(start));
    await wv.page.keyboard.press('ArrowRight');
    assert.equal(await wv.page.evaluate(() => document.activeElement?.getAttribute('data-id')), topologyIds.container(w1.id));
    await wv.page.keyboard.press('Enter');
    await wv.page.locator('h2.details-heading', { hasText: 'nlw-w1' }).waitFor();
  });

  it('highlights the path to the host NIC on hover', async () => {
    await wv.page.hover(`${nodeSel(topologyIds.container(w1.id))} rect.node-box`);
    const onPath = await wv.page.$$eval('.on-path', (els) => els.map((e) => e.getAttribute('data-id')));
    for (const id of [topologyIds.endpoint(bridge.id, w1.id), topologyIds.network(bridge.id), topologyIds.hostInterface('eth0')]) assert.ok(onPath.includes(id), `${id} on the path`);
    await wv.page.mouse.move(2, 2);
  });

  it('filters by port and keeps only matches when asked', async () => {
    await wv.page.fill('input.search', 'port:28080');
    await wv.page.waitForFunction(() => document.querySelector('.match-count')?.textContent === '1 match');
    assert.deepEqual(await wv.page.$$eval('g.node.match', (els) => els.map((e) => e.getAttribute('data-id'))), [topologyIds.container(w1.id)]);
    await wv.page.click('vscode-button.action-fit');
    await wv.page.waitForTimeout(500);
    const box = await wv.page.locator(nodeSel(topologyIds.container(w1.id))).boundingBox();
    // zoomed in to the fit's cap (1.1): the 190-unit container is drawn ~209 px wide
    assert.ok(box && box.width > 200, `Fit zooms onto the one match (drawn ${box?.width} px wide)`);
    await wv.page.fill('input.search', '');
    await wv.page.waitForFunction(() => document.querySelector('.match-count')?.textContent === '');
    await wv.page.click('vscode-button.action-fit');
    await wv.page.waitForTimeout(400);
    assert.ok(((await wv.page.locator(nodeSel(topologyIds.container(w1.id))).boundingBox())?.width ?? 999) < 190, 'Fit without a search shows everything again');
  });

  it('keeps nodes in place when a container starts, animating the newcomer in', async () => {
    const before = await wv.page.$$eval('g.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-id'), e.getAttribute('transform')])));
    await wv.post(snapshotMessage(plusW3, 'event'));
    const w3 = plusW3.containers.find((c) => c.name === 'nlw-w3')!;
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w3.id)));
    await wv.page.waitForTimeout(600);
    const after = await wv.page.$$eval('g.node', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-id'), e.getAttribute('transform')])));
    for (const [id, transform] of Object.entries(before)) assert.equal(after[id], transform, `${id} stayed`);
  });

  it('collapses a network and expands it again', async () => {
    const head = topologyIds.network(bridge.id);
    await wv.page.click(`${nodeSel(head)} g.collapse-toggle`);
    await wv.page.waitForFunction((sel) => document.querySelector(sel) === null, nodeSel(topologyIds.endpoint(bridge.id, w1.id)));
    assert.match((await wv.page.locator(`${nodeSel(head)} text.node-collapsed`).textContent()) ?? '', /^\d+ hidden$/);
    await wv.page.click(`${nodeSel(head)} g.collapse-toggle`);
    await wv.page.waitForSelector(nodeSel(topologyIds.endpoint(bridge.id, w1.id)));
    await wv.page.click(`${nodeSel(head)} g.collapse-toggle`);
    await wv.page.waitForFunction((sel) => document.querySelector(sel) === null, nodeSel(topologyIds.container(w1.id)));
    await wv.post({ type: 'focus', target: w1.id });
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
    await wv.page.locator('h2.details-heading', { hasText: 'nlw-w1' }).waitFor();
    assert.equal(await wv.page.locator(`${nodeSel(head)} text.node-collapsed`).textContent(), '', 'focusing a hidden container opens its network');
  });

  it('exports SVG and PNG through the save request and shows where they went', async () => {
    await wv.page.click('vscode-button.action-export-svg');
    await wv.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'request'));
    let posted = (await wv.posted()) as { type: string; requestId: number; format: string; data: string; suggestedName: string }[];
    const svgReq = posted.find((m) => m.type === 'request')!;
    assert.equal(svgReq.format, 'svg');
    assert.match(svgReq.data, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svgReq.data.includes('nlw-w1') && svgReq.data.includes('0.0.0.0:28080 · [::]:28080 → 80/tcp'));
    writeFileSync(resolve(artifacts, 'webview-topology-export.svg'), svgReq.data);
    await wv.post({ type: 'reply', requestId: svgReq.requestId, ok: true, result: { path: '/tmp/nlw-topology.svg' } });
    await wv.page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Saved /tmp/nlw-topology.svg');

    await wv.page.click('vscode-button.action-export-png');
    await wv.page.waitForFunction(() => (window as unknown as { __posted: { format?: string }[] }).__posted.some((m) => m.format === 'png'), undefined, { timeout: 30_000 });
    posted = (await wv.posted()) as typeof posted;
    const pngReq = posted.find((m) => m.format === 'png')!;
    const png = Buffer.from(pngReq.data, 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    writeFileSync(resolve(artifacts, 'webview-topology-export.png'), png);
    await wv.post({ type: 'reply', requestId: pngReq.requestId, ok: false, error: 'EACCES: permission denied' });
    await wv.page.waitForFunction(() => document.querySelector('.status')?.textContent === 'Export failed: EACCES: permission denied');
  });

  it('comes back after a reload with its selection, collapsed network, search and view', async () => {
    const head = topologyIds.network(bridge.id);
    const nlwNet = base.networks.find((n) => n.name === 'nlw-net')!;
    await wv.post(snapshotMessage(base, 'event'));
    await wv.page.click(`${nodeSel(topologyIds.network(nlwNet.id))} g.collapse-toggle`);
    await wv.page.click(`${nodeSel(topologyIds.container(w1.id))} rect.node-box`);
    await wv.page.fill('input.search', 'nlw');
    await wv.page.waitForTimeout(400);
    const view = await wv.page.$eval('.pan-layer', (e) => (e as HTMLElement).style.transform);
    const place = await wv.page.$eval(nodeSel(head), (e) => e.getAttribute('transform'));
    await wv.reload();
    await wv.post(snapshotMessage(base, 'initial'));
    await wv.page.locator('h2.details-heading', { hasText: 'nlw-w1' }).waitFor();
    assert.equal(await wv.page.inputValue('input.search'), 'nlw');
    assert.match((await wv.page.locator(`${nodeSel(topologyIds.network(nlwNet.id))} text.node-collapsed`).textContent()) ?? '', /^2 hidden$/);
    assert.equal(await wv.page.$eval('.pan-layer', (e) => (e as HTMLElement).style.transform), view);
    assert.equal(await wv.page.$eval(nodeSel(head), (e) => e.getAttribute('transform')), place);
    await wv.page.click(`${nodeSel(topologyIds.network(nlwNet.id))} g.collapse-toggle`);
    await wv.page.fill('input.search', '');
  });

  it('focuses what the host names and follows the engine state', async () => {
    await wv.post({ type: 'focus', target: 'netns:nlw-RED' });
    await wv.page.locator('h2.details-heading', { hasText: 'nlw-RED' }).waitFor();
    assert.equal(await wv.page.evaluate(() => document.activeElement?.getAttribute('data-id')), topologyIds.namedNetns('nlw-RED'));
    await wv.post({ type: 'engineState', state: 'reconnecting', stale: true, message: 'connect ENOENT /var/run/docker.sock' });
    await wv.page.waitForFunction(() => document.body.classList.contains('is-stale'));
    assert.match((await wv.page.locator('.status').textContent()) ?? '', /engine reconnecting: connect ENOENT/);
    assert.deepEqual(await wv.cspViolations(), []);
  });
});

/** The recorded topology with its Docker-supplied strings replaced by markup (the shapes stay real). */
function hostile(t: Topology): { topology: Topology; payloads: string[] } {
  const payloads = [`<img src=x onerror="window.__pwned='img'">`, `"><script>window.__pwned='script'</script>`, `' onmouseover='window.__pwned=1' "quoted"`, '<svg onload="window.__pwned=\'svg\'"></svg>'];
  const json = JSON.stringify(t)
    .replaceAll('"nlw-w1"', JSON.stringify(payloads[0]))
    .replaceAll('"nlw-w2"', JSON.stringify(payloads[1]))
    .replaceAll('"nlw-net"', JSON.stringify(payloads[2]))
    .replaceAll('"netlens-busybox:1"', JSON.stringify(payloads[3]))
    .replaceAll('"nlw-RED"', JSON.stringify(payloads[3]));
  return { topology: JSON.parse(json) as Topology, payloads };
}

describe('topology webview with markup in every name', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  after(async () => {
    await wv?.close();
  });

  it('runs none of it and shows it literally as text', async () => {
    const { topology, payloads } = hostile(base);
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(topology, 'initial'));
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
    const titles = await texts(wv, 'text.node-title');
    assert.ok(titles.includes(payloads[0]!), 'the img payload is a title, as text');
    assert.ok(titles.includes(payloads[1]!), 'the script payload is a title, as text');
    await wv.page.click(`${nodeSel(topologyIds.container(w1.id))} rect.node-box`);
    await wv.page.locator('h2.details-heading').waitFor();
    assert.equal(await wv.page.locator('h2.details-heading').textContent(), payloads[0]);
    await wv.post({ type: 'focus', target: payloads[1] });
    await wv.page.waitForFunction((p) => document.querySelector('h2.details-heading')?.textContent === p, payloads[1]);
    await wv.post({ type: 'focus', target: '<b onclick=alert(1)>nothing</b>' });
    await wv.page.waitForFunction(() => (document.querySelector('aside.details')?.textContent ?? '').includes('<b onclick=alert(1)>nothing</b>'));
    await wv.page.hover(nodeSel(topologyIds.container(w1.id)));
    await wv.page.waitForTimeout(300);
    assert.equal(await wv.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    assert.equal(await wv.page.locator('img').count(), 0, 'no <img> element was made');
    assert.equal(await wv.page.evaluate(() => document.scripts.length), 1, 'only our own script element');
    assert.equal(await wv.page.evaluate(() => document.querySelectorAll('svg svg, [onerror], [onload], [onmouseover]').length), 0);
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-hostile.png') });
  });
});

describe('topology webview on a busy recorded engine', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  after(async () => {
    await wv?.close();
  });

  it('draws host-network containers and opens the ip_forward mark', async () => {
    const busy = loadTopologyFixture('busy-20.10');
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(busy, 'initial'));
    const hostnet = busy.containers.find((c) => c.name === 'nlt-hostnet')!;
    await wv.page.waitForSelector(`g.node.role-hostContainer[data-id="${topologyIds.container(hostnet.id)}"]`);
    assert.equal(await wv.page.locator('g.node').count(), layoutTopology(busy).nodes.length);
    await wv.page.click(`g.mark[data-id="${topologyIds.mark('ip-forward-off', 'host')}"]`);
    await wv.page.locator('h2.details-heading', { hasText: 'ip_forward is off' }).waitFor();
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-busy.png') });
    assert.deepEqual(await wv.cspViolations(), []);
  });
});

describe('topology webview trace highlight and quick refreshes', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  after(async () => {
    await wv?.close();
  });

  it('highlights the hops a trace names and clears them again', async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(base, 'initial'));
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
    const epW1 = topologyIds.endpoint(bridge.id, w1Endpoint.containerId);
    await wv.post({
      type: 'tracePath',
      traceId: 1,
      hops: [
        { step: 1, keys: [topologyIds.hostInterface('eth0')] },
        { step: 2, keys: [topologyIds.network(bridge.id)] },
        { step: 3, keys: [epW1] },
        { step: 4, keys: [topologyIds.container(w1.id), epW1] },
      ],
      decider: null,
      verdict: 'delivered',
      label: 'eth0 → nlw-w1',
    });
    await wv.page.waitForSelector('svg.has-trace');
    const onTrace = await wv.page.$$eval('g.node.on-trace', (els) => els.map((e) => e.getAttribute('data-id')).sort());
    assert.deepEqual(onTrace, [topologyIds.hostInterface('eth0'), topologyIds.network(bridge.id), topologyIds.endpoint(bridge.id, w1.id), topologyIds.container(w1.id)].sort());
    assert.ok(await wv.page.locator(`g.edge.on-trace[data-id="${topologyIds.edge('veth', topologyIds.endpoint(bridge.id, w1.id))}"]`).count() === 1, 'the veth edge between two hops is lit');
    await wv.post({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' });
    await wv.page.waitForFunction(() => !document.querySelector('svg.has-trace'));
  });

  it('brings back a container that left and returned within one animation, fully opaque', async () => {
    const w3 = plusW3.containers.find((c) => c.name === 'nlw-w3')!;
    await wv.post(snapshotMessage(plusW3, 'event'));
    await wv.page.waitForTimeout(600);
    await wv.post(snapshotMessage(base, 'event'));
    await wv.page.waitForTimeout(100);
    await wv.post(snapshotMessage(plusW3, 'event'));
    await wv.page.waitForTimeout(700);
    assert.equal(await wv.page.locator(nodeSel(topologyIds.container(w3.id))).count(), 1);
    assert.equal(await wv.page.$eval(nodeSel(topologyIds.container(w3.id)), (e) => getComputedStyle(e).opacity), '1');
  });
});
