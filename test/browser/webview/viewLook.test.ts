import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { loadTopologyFixture, repoRoot } from '../../support/topologyFixtures';
import type { HarnessTheme, WebviewPage } from '../../support/webviewHarnessPage';
import { openWebviewPage, snapshotMessage } from '../../support/webviewHarnessPage';
import { hopSubjects } from '../../../src/core/trace/tracePlaces';
import { subjectKey } from '../../../src/protocol/subject';

const artifacts = resolve(repoRoot, 'test-artifacts');
const base = loadTopologyFixture('lab-20.10');
const busy = loadTopologyFixture('busy-20.10');
const w1 = base.containers.find((c) => c.name === 'nlw-w1')!;
const nodeSel = (id: string): string => `g.node[data-id="${id}"]`;
/** the panel's size in code-server at 1400x900 (the editor area of docs/images/topology-in-vscode.png) */
const panel = { width: 1000, height: 770 };

const scaleOf = async (p: WebviewPage): Promise<number> => {
  const t = await p.page.$eval('.pan-layer', (e) => (e as HTMLElement).style.transform);
  return Number(/scale\(([\d.]+)\)/.exec(t)?.[1] ?? NaN);
};

describe('topology webview: first view, fit and engine picker (headless Chromium)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    wv = await openWebviewPage(panel);
    await wv.post(snapshotMessage(base, 'initial'));
    await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
  });
  after(async () => {
    await wv?.close();
  });

  it('opens fitted to the drawing, the graph as wide as the panel while nothing is selected', async () => {
    const graph = await wv.page.locator('.graph').boundingBox();
    assert.ok(graph && graph.width >= panel.width - 1, `the empty details pane folds away (graph ${graph?.width} wide)`);
    const k = await scaleOf(wv);
    const svg = await wv.page.locator('svg.topology').boundingBox();
    assert.ok(svg && svg.x >= graph.x - 1 && svg.x + svg.width <= graph.x + graph.width + 1 && svg.y + svg.height <= graph.y + graph.height + 1, 'the whole drawing is in view');
    assert.ok(k > 0.55 && k <= 1.1, `initial scale ${k}`);
    const title = await wv.page.locator(`${nodeSel(topologyIds.container(w1.id))} text.node-title`).boundingBox();
    assert.ok(title && title.height >= 7, `a container title is ${title?.height} px tall`);
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-initial.png') });
  });

  it('opens the pane beside the graph on a click and keeps the chosen node in sight', async () => {
    await wv.page.click(`${nodeSel(topologyIds.container(w1.id))} rect.node-box`);
    await wv.page.locator('h2.details-heading', { hasText: 'nlw-w1' }).waitFor();
    await wv.page.waitForTimeout(400);
    const graph = (await wv.page.locator('.graph').boundingBox())!;
    const box = (await wv.page.locator(nodeSel(topologyIds.container(w1.id))).boundingBox())!;
    assert.ok(graph.width < panel.width - 300, 'the pane took its width');
    assert.ok(box.x >= graph.x && box.x + box.width <= graph.x + graph.width + 1, 'the clicked container is still in view');
    await wv.page.click('vscode-button.details-close');
  });

  it('fits only the matches when "only matches" hides the rest', async () => {
    await wv.page.fill('input.search', 'nlw-a');
    await wv.page.check('label.hide-unmatched-toggle input');
    await wv.page.waitForFunction(() => /match/.test(document.querySelector('.match-count')?.textContent ?? ''));
    await wv.page.click('vscode-button.action-fit');
    await wv.page.waitForTimeout(500);
    const graph = (await wv.page.locator('.graph').boundingBox())!;
    const ids = await wv.page.$$eval('g.node.match', (els) => els.map((e) => e.getAttribute('data-id')!));
    assert.ok(ids.length >= 2, `matches: ${ids.join(', ')}`);
    let x0 = Infinity;
    let x1 = -Infinity;
    for (const id of ids) {
      const b = (await wv.page.locator(nodeSel(id)).boundingBox())!;
      assert.ok(b.x >= graph.x - 1 && b.x + b.width <= graph.x + graph.width + 1 && b.y >= graph.y - 1 && b.y + b.height <= graph.y + graph.height + 1, `${id} in view`);
      x0 = Math.min(x0, b.x);
      x1 = Math.max(x1, b.x + b.width);
    }
    assert.ok(x1 - x0 > graph.width * 0.45 || (await scaleOf(wv)) >= 1.09, 'the matches fill the view (or sit at the largest fit scale)');
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-only-matches.png') });
    await wv.page.uncheck('label.hide-unmatched-toggle input');
    await wv.page.fill('input.search', '');
    await wv.page.click('vscode-button.action-fit');
  });

  it('lights a container\'s eth0 from the trace steps, not the host NIC of the same name', async () => {
    const bridge = base.networks.find((n) => n.name === 'bridge')!;
    const ep = bridge.endpoints.find((e) => e.containerId === w1.id)!;
    // the host places each hop (src/core/trace/tracePlaces.ts), the webview lights what it drew for them
    const places = [{ namespace: 'host', interface: 'docker0' }, { namespace: 'host', interface: ep.hostVeth }, { namespace: 'container nlw-w1', interface: 'eth0' }];
    const hops = places.map((p, i) => ({ step: i + 1, keys: hopSubjects(base, p).map(subjectKey) }));
    await wv.post({ type: 'tracePath', traceId: 1, hops, decider: null, verdict: 'delivered', label: 'host → nlw-w1' });
    await wv.page.waitForSelector('svg.has-trace');
    const lit = await wv.page.$$eval('g.node.on-trace', (els) => els.map((e) => e.getAttribute('data-id')).sort());
    assert.deepEqual(lit, [topologyIds.network(bridge.id), topologyIds.endpoint(bridge.id, w1.id), topologyIds.container(w1.id)].sort());
    assert.equal(await wv.page.locator(`g.edge.on-trace[data-id="${topologyIds.edge('veth', topologyIds.endpoint(bridge.id, w1.id))}"]`).count(), 1);
    await wv.post({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' });
    await wv.page.waitForFunction(() => !document.querySelector('svg.has-trace'));
  });

  it('shows the engine picker for two engines, asks for the one picked, and draws it afresh', async () => {
    await wv.post({ type: 'engines', engines: [{ key: 'local', label: 'local' }], selected: 'local' });
    assert.equal(await wv.page.locator('vscode-single-select.engine-picker').isVisible(), false, 'no picker for one engine');
    await wv.post({ type: 'engines', engines: [{ key: 'local', label: 'local' }, { key: 'lab', label: 'lab over ssh' }], selected: 'local' });
    const picker = wv.page.locator('vscode-single-select.engine-picker');
    await picker.waitFor({ state: 'visible' });
    await picker.click();
    await picker.getByRole('option', { name: 'lab over ssh' }).click();
    await wv.page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'selectEngine'));
    const sent = ((await wv.posted()) as { type: string; engineKey?: string }[]).filter((m) => m.type === 'selectEngine');
    assert.deepEqual(sent, [{ type: 'selectEngine', engineKey: 'lab' }]);
    // the host answers: the new choice, then that engine's snapshot (here the busy recording)
    await wv.post({ type: 'engines', engines: [{ key: 'local', label: 'local' }, { key: 'lab', label: 'lab over ssh' }], selected: 'lab' });
    await wv.post(snapshotMessage(busy, 'engine chosen'));
    const shared = busy.containers.find((c) => c.name === 'nlt-shared')!;
    await wv.page.waitForSelector(nodeSel(topologyIds.container(shared.id)));
    assert.match((await wv.page.locator('.status').textContent()) ?? '', /engine chosen/);
    const state = await wv.page.evaluate(() => JSON.parse(sessionStorage.getItem('nlw-webview-state') ?? '{}') as { memory: { columns: string[] } });
    assert.ok(!state.memory.columns.some((c) => base.networks.some((n) => c === `net:${n.id}` && !busy.networks.some((b) => b.id === n.id))), 'a fresh layout, not the last engine\'s slots');
    await wv.page.mouse.move(panel.width - 5, panel.height - 5);
    await wv.page.waitForTimeout(300);
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-topology-engine-picker.png') });
  });
});

describe('topology webview in light, dark and high-contrast themes', function () {
  this.timeout(120_000);
  for (const theme of ['light', 'dark', 'high-contrast'] as HarnessTheme[]) {
    it(`${theme}: text and boxes take the theme's colours`, async () => {
      const wv = await openWebviewPage(panel, theme);
      try {
        await wv.post(snapshotMessage(base, 'initial'));
        await wv.page.waitForSelector(nodeSel(topologyIds.container(w1.id)));
        await wv.page.waitForTimeout(200);
        const look = await wv.page.evaluate((id) => {
          const cs = (sel: string) => getComputedStyle(document.querySelector(sel)!);
          const root = getComputedStyle(document.documentElement);
          return {
            fg: root.getPropertyValue('--vscode-foreground').trim(),
            bg: root.getPropertyValue('--vscode-editor-background').trim(),
            contrast: root.getPropertyValue('--vscode-contrastBorder').trim(),
            title: cs(`g.node[data-id="${id}"] text.node-title`).fill,
            line: cs(`g.node[data-id="${id}"] text.node-line-1`).fill,
            box: cs(`g.node[data-id="${id}"] rect.node-box`).stroke,
            body: cs('body').backgroundColor,
            label: cs('text.edge-label').stroke,
          };
        }, topologyIds.container(w1.id));
        const rgb = (hex: string) => `rgb(${parseInt(hex.slice(1, 3), 16)}, ${parseInt(hex.slice(3, 5), 16)}, ${parseInt(hex.slice(5, 7), 16)})`;
        assert.equal(look.title, rgb(look.fg), 'titles in the foreground colour');
        assert.equal(look.body, rgb(look.bg), 'the editor background');
        assert.equal(look.label, rgb(look.bg), 'edge labels haloed in the background colour');
        if (theme === 'high-contrast') assert.equal(look.box, rgb(look.contrast), 'boxes in the contrast border');
        await wv.page.screenshot({ path: resolve(artifacts, `webview-topology-${theme}.png`) });
        assert.deepEqual(await wv.cspViolations(), []);
      } finally {
        await wv.close();
      }
    });
  }
});
