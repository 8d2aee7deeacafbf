/**
 * Several hosts in the topology webview, on the recorded pair (test/fixtures/topology/two-hosts):
 * this machine and a second engine in a namespace, joined by the veth /30 10.213.87.1 (nlmhfx-h) –
 * 10.213.87.2 (its eth0). Each host in its own frame, side by side, the frames apart; the underlay
 * link drawn between those two interfaces; a pair that cannot be joined said as such; names as text.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import type { EngineModel } from '../../../src/extension/topology/topologySnapshot';
import { assertNoOverlap } from '../../support/layoutAssertions';
import { repoRoot } from '../../support/topologyFixtures';
import type { WebviewPage } from '../../support/webviewHarnessPage';
import { openWebviewPage, snapshotMessage } from '../../support/webviewHarnessPage';

const artifacts = resolve(repoRoot, 'test-artifacts');
const load = (name: string): Topology => JSON.parse(readFileSync(resolve(repoRoot, `test/fixtures/topology/two-hosts/${name}.json`), 'utf8')) as Topology;
const here = load('here');
const node2 = load('node2');
const web = node2.containers.find((c) => c.name === 'nlmhfx-web')!;

const engines = (all: EngineModel[]) => ({ self: 'local', all });
const pair = (second: Partial<EngineModel> = {}, label2 = 'node2') =>
  engines([
    { key: 'local', label: 'this machine', topology: here, reason: null },
    { key: 'node2', label: label2, topology: node2, reason: null, ...second },
  ]);

type Box = { id: string; x: number; y: number; width: number; height: number };
const frames = (wv: WebviewPage): Promise<(Box & { label: string })[]> =>
  wv.page.$$eval('g.host-frame', (gs) =>
    gs.map((g) => {
      const r = g.querySelector('rect')!;
      return { id: g.getAttribute('data-id') ?? '', label: g.querySelector('text')?.textContent ?? '', x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), width: Number(r.getAttribute('width')), height: Number(r.getAttribute('height')) };
    }),
  );
const nodes = (wv: WebviewPage): Promise<Box[]> =>
  wv.page.$$eval('g.node', (gs) =>
    gs.map((g) => {
      const m = /translate\(([-\d.]+),\s*([-\d.]+)\)/.exec(g.getAttribute('transform') ?? '');
      const r = g.querySelector('rect.node-box')!;
      return { id: g.getAttribute('data-id') ?? '', x: Number(m?.[1]), y: Number(m?.[2]), width: Number(r.getAttribute('width')), height: Number(r.getAttribute('height')) };
    }),
  );
/** the first and last point of an edge's drawn path */
const ends = (wv: WebviewPage, role: string): Promise<{ id: string; label: string; from: [number, number]; to: [number, number] }[]> =>
  wv.page.$$eval(`g.edge.role-${role}`, (gs) =>
    gs.map((g) => {
      const pts = [...(g.querySelector('path.edge-line')?.getAttribute('d') ?? '').matchAll(/[ML]([-\d.]+),([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
      const id = g.getAttribute('data-id') ?? '';
      const label = Array.from(document.querySelectorAll('text.edge-label')).find((t) => t.getAttribute('data-id') === id)?.textContent ?? '';
      return { id, label, from: pts[0]!, to: pts[pts.length - 1]! };
    }),
  );
const inside = (b: Box, f: Box): boolean => b.x >= f.x && b.y >= f.y && b.x + b.width <= f.x + f.width && b.y + b.height <= f.y + f.height;

describe('topology webview: several hosts side by side (recorded two-host pair)', function () {
  this.timeout(90_000);
  let wv: WebviewPage | undefined;
  before(() => mkdirSync(artifacts, { recursive: true }));
  afterEach(async () => {
    await wv?.close();
    wv = undefined;
  });

  it('draws each host in its own frame, side by side and apart, with its NICs, bridges and containers inside', async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(here, 'initial', pair()));
    await wv.page.waitForSelector('g.host-frame');
    const f = await frames(wv);
    assert.deepEqual(f.map((x) => x.id), [topologyIds.hostFrame('local'), topologyIds.hostFrame('node2')]);
    assert.equal(f[0]!.label, 'host · this machine — vm · unix:///var/run/docker.sock');
    assert.equal(f[1]!.label, 'host · node2 — vm · unix:///run/nlmhfx/docker.sock');
    assertNoOverlap(f);
    assert.ok(f[0]!.x + f[0]!.width < f[1]!.x, 'node2 to the right of this machine');
    assert.ok(Math.abs(f[0]!.y - f[1]!.y) < 1, 'side by side, tops aligned');
    const drawn = await nodes(wv);
    assertNoOverlap(drawn);
    const onNode2 = (id: string): string => topologyIds.onHost('node2', id);
    const node2Bridge = node2.networks.find((n) => n.name === 'bridge')!;
    const hereBridge = here.networks.find((n) => n.name === 'bridge')!;
    for (const id of [onNode2(topologyIds.hostInterface('eth0')), onNode2(topologyIds.network(node2Bridge.id)), onNode2(topologyIds.container(web.id))]) {
      const b = drawn.find((n) => n.id === id);
      assert.ok(b, `${id} drawn`);
      assert.ok(inside(b, f[1]!), `${id} inside node2's frame`);
    }
    for (const id of [topologyIds.hostInterface('eth0'), topologyIds.hostInterface('nlmhfx-h'), topologyIds.network(hereBridge.id)]) {
      const b = drawn.find((n) => n.id === id);
      assert.ok(b, `${id} drawn`);
      assert.ok(inside(b, f[0]!), `${id} inside this machine's frame`);
    }
    assert.deepEqual(await wv.cspViolations(), []);
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-two-hosts.png'), fullPage: true });
  });

  it('draws the underlay link between the two hosts\' interfaces it joins, with both addresses', async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(here, 'initial', pair()));
    await wv.page.waitForSelector('g.edge.role-hostLink');
    const links = await ends(wv, 'hostLink');
    assert.equal(links.length, 1, 'one link: the two routes over the same /30 are one cable');
    const l = links[0]!;
    assert.equal(l.label, 'nlmhfx-h 10.213.87.1 ⇄ 10.213.87.2 eth0 · same link');
    const drawn = await nodes(wv);
    const a = drawn.find((n) => n.id === topologyIds.hostInterface('nlmhfx-h'))!;
    const b = drawn.find((n) => n.id === topologyIds.onHost('node2', topologyIds.hostInterface('eth0')))!;
    assert.deepEqual(l.from, [a.x + a.width / 2, a.y], 'starts on this machine\'s nlmhfx-h');
    assert.deepEqual(l.to, [b.x + b.width / 2, b.y], 'ends on node2\'s eth0');
    // this machine's own eth0 is not the link
    const eth0 = drawn.find((n) => n.id === topologyIds.hostInterface('eth0'))!;
    assert.notDeepEqual(l.from, [eth0.x + eth0.width / 2, eth0.y]);
    assert.equal(await wv.page.locator('g.edge.role-hostLinkUnknown').count(), 0);
    // the other host's items open their own facts
    await wv.page.click(`g.node[data-id="${topologyIds.onHost('node2', topologyIds.container(web.id))}"] rect.node-box`);
    await wv.page.locator('aside.details h2.details-heading', { hasText: 'nlmhfx-web' }).waitFor({ timeout: 10_000 });
    assert.match((await wv.page.locator('aside.details').textContent()) ?? '', /172\.17\.0\.2/);
    // its sidebar pane is node2's; no trace from this machine's NIC into another host's model
    assert.equal(await wv.page.locator('aside.details vscode-button.action-trace').count(), 0);
    await wv.page.locator('aside.details vscode-button.action-inspect').click();
    const onWeb = topologyIds.onHost('node2', topologyIds.container(web.id));
    for (let i = 0; !(await wv.posted()).some((m) => JSON.stringify(m) === JSON.stringify({ type: 'openInspect', itemId: onWeb })); i++) {
      assert.ok(i < 50, `no openInspect for ${onWeb}: ${JSON.stringify(await wv.posted())}`);
      await wv.page.waitForTimeout(100);
    }
  });

  it('says a link is unknown when a host\'s facts were not read, and a host whose model was not read', async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(here, 'initial', pair({ topology: { ...node2, host: null } })));
    await wv.page.waitForSelector('g.edge.role-hostLinkUnknown');
    assert.equal(await wv.page.locator('g.edge.role-hostLink').count(), 0, 'no link drawn where none is known');
    const unknown = await ends(wv, 'hostLinkUnknown');
    assert.equal(unknown.length, 1);
    assert.match(unknown[0]!.label, /^link unknown: the host facts of vm \(unix:\/\/\/run\/nlmhfx\/docker\.sock\) were not read$/);
    assert.equal((await frames(wv)).length, 2);
    await wv.post(snapshotMessage(here, 'update', pair({ topology: undefined, reason: 'connect ECONNREFUSED /run/nlmhfx/docker.sock' })));
    await wv.page.locator('g.node.role-group .node-line-1', { hasText: 'model not read' }).waitFor({ timeout: 10_000 });
    assert.match((await ends(wv, 'hostLinkUnknown'))[0]!.label, /^link unknown: the model of node2 was not read: connect ECONNREFUSED/);
    assertNoOverlap(await frames(wv));
  });

  it('draws engine labels as text, whatever they hold', async () => {
    const payload = `<img src=x onerror="window.__pwned='host'">`;
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(here, 'initial', pair({}, payload)));
    await wv.page.waitForSelector('g.host-frame');
    assert.ok((await frames(wv)).some((f) => f.label.startsWith(`host · ${payload} — `)));
    await wv.page.waitForTimeout(200);
    assert.equal(await wv.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await wv.page.locator('img').count(), 0);
  });
});
