/**
 * Compose projects in the topology webview, over the project docker-compose 1.29.2 made on a real
 * engine (test/fixtures/model/compose-project.json): one frame per project around its networks and
 * containers, depends_on edges where the labels say it, and project and service names drawn as text
 * whatever they hold.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildTopology } from '../../../src/core/model/build';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { repoRoot } from '../../support/topologyFixtures';
import type { WebviewPage } from '../../support/webviewHarnessPage';
import { openWebviewPage, snapshotMessage } from '../../support/webviewHarnessPage';

const artifacts = resolve(repoRoot, 'test-artifacts');
const rec = JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/model/compose-project.json'), 'utf8')) as { project: string; externalNetwork: string; engine: EngineFacts };
const P = rec.project;
const compose: Topology = buildTopology({ engine: rec.engine, host: null, ipv4Rules: null, ipv6Rules: null, collectedAt: new Date('2026-11-30T17:00:00Z') });
const idOf = (service: string): string => compose.containers.find((c) => c.labels['com.docker.compose.service'] === service)!.id;
// the same project brought up by Compose v2 (compose-project-v2.json): its containers carry the depends_on label
const recV2 = JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/model/compose-project-v2.json'), 'utf8')) as { engine: EngineFacts };
const composeV2: Topology = buildTopology({ engine: recV2.engine, host: null, ipv4Rules: null, ipv6Rules: null, collectedAt: new Date('2026-11-30T17:00:00Z') });
const idOfV2 = (service: string): string => composeV2.containers.find((c) => c.labels['com.docker.compose.service'] === service)!.id;

/** The recorded project with its labels rewritten: markup as the project name and as web's service name. */
function relabelled(t: Topology, project: string, service: string): Topology {
  const label = (labels: Readonly<Record<string, string>>, extra: Record<string, string> = {}): Record<string, string> =>
    labels['com.docker.compose.project'] ? { ...labels, 'com.docker.compose.project': project, ...extra } : { ...labels };
  return {
    ...t,
    containers: t.containers.map((c) => {
      const s = c.labels['com.docker.compose.service'];
      if (s === 'web') return { ...c, labels: label(c.labels, { 'com.docker.compose.service': service }) };
      return { ...c, labels: label(c.labels) };
    }),
    networks: t.networks.map((n) => ({ ...n, labels: label(n.labels) })),
  };
}

const frameBoxes = (wv: WebviewPage) =>
  wv.page.$$eval('g.project-frame', (gs) =>
    gs.map((g) => ({
      id: g.getAttribute('data-id'),
      label: g.querySelector('text')?.textContent ?? '',
      boxes: Array.from(g.querySelectorAll('rect')).map((r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) })),
    })),
  );
const nodeBox = (wv: WebviewPage, id: string) =>
  wv.page.$eval(`g.node[data-id="${id}"]`, (g) => {
    const m = /translate\(([-\d.]+),\s*([-\d.]+)\)/.exec(g.getAttribute('transform') ?? '');
    const r = g.querySelector('rect.node-box')!;
    return { x: Number(m?.[1]), y: Number(m?.[2]), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) };
  });

describe('topology webview: Compose projects (recorded docker-compose project)', function () {
  this.timeout(90_000);
  let wv: WebviewPage | undefined;
  before(() => mkdirSync(artifacts, { recursive: true }));
  afterEach(async () => {
    await wv?.close();
    wv = undefined;
  });

  it('draws one frame per project around its own networks and its containers, the external network outside', async () => {
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(compose, 'initial'));
    await wv.page.waitForSelector('g.project-frame');
    const frames = await frameBoxes(wv);
    assert.deepEqual(frames.map((f) => [f.id, f.label]), [[topologyIds.project(P), `compose · ${P}`]]);
    const f = frames[0]!;
    assert.ok(f.boxes.length >= 1);
    const inside = async (id: string): Promise<boolean> => {
      const b = await nodeBox(wv!, id);
      return f.boxes.some((r) => b.x >= r.x && b.y >= r.y && b.x + b.w <= r.x + r.w && b.y + b.h <= r.y + r.h);
    };
    const touches = async (id: string): Promise<boolean> => {
      const b = await nodeBox(wv!, id);
      return f.boxes.some((r) => b.x < r.x + r.w && b.x + b.w > r.x && b.y < r.y + r.h && b.y + b.h > r.y);
    };
    for (const s of ['api', 'db', 'web']) assert.ok(await inside(topologyIds.container(idOf(s))), `${s} inside the frame`);
    for (const name of [`${P}_back`, `${P}_front`]) assert.ok(await inside(topologyIds.network(compose.networks.find((n) => n.name === name)!.id)), `${name} inside`);
    let outside = 0;
    for (const n of compose.networks.filter((x) => !x.labels['com.docker.compose.project'])) {
      if ((await wv.page.locator(`g.node[data-id="${topologyIds.network(n.id)}"]`).count()) === 0) continue; // host, none: no head of their own
      outside++;
      assert.ok(!(await touches(topologyIds.network(n.id))), `${n.name} (not the project's) is outside the frame`);
    }
    assert.ok(outside >= 2, 'bridge and the external network were checked');
    // service names as titles, the container name beside
    const titles = await wv.page.$$eval('g.node.role-container', (gs) => gs.map((g) => [g.querySelector('.node-title')?.textContent, g.querySelector('.node-line-1')?.textContent]));
    for (const s of ['api', 'db', 'web']) assert.ok(titles.some(([t, l]) => t === s && l === compose.containers.find((c) => c.id === idOf(s))!.name), s);
    // docker-compose 1.29 wrote no depends_on: no dependency edge is drawn (unknown is not drawn as none either)
    assert.equal(await wv.page.locator('g.edge.role-dependsOn').count(), 0);
    assert.deepEqual(await wv.cspViolations(), []);
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-compose-project.png') });
  });

  it('draws depends_on as its own kind of edge where the label says it, and names as text', async () => {
    const payload = `<img src=x onerror="window.__pwned='frame'">`;
    const servicePayload = `<script>window.__pwned='service'</script>`;
    wv = await openWebviewPage();
    await wv.post(snapshotMessage(relabelled(composeV2, payload, servicePayload), 'initial'));
    await wv.page.waitForSelector('g.edge.role-dependsOn');
    const edge = topologyIds.edge('dependsOn', `${topologyIds.container(idOfV2('api'))}>${topologyIds.container(idOfV2('db'))}`);
    assert.equal(await wv.page.locator(`g.edge[data-id="${edge}"]`).count(), 1, 'api → db');
    assert.ok((await wv.page.$$eval('text.edge-label.role-dependsOn', (ts) => ts.map((t) => t.textContent))).includes('depends on'));
    const frames = await frameBoxes(wv);
    assert.deepEqual(frames.map((f) => f.label), [`compose · ${payload}`], 'the project name, literally');
    await wv.page.waitForTimeout(200);
    assert.equal(await wv.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
    assert.equal(await wv.page.locator('img').count(), 0);
    assert.equal(await wv.page.evaluate(() => document.scripts.length), 1, 'only our own script element');
    await wv.page.screenshot({ path: resolve(artifacts, 'webview-compose-depends-on.png') });
  });
});
