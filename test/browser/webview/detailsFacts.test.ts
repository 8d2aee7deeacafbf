/**
 * The drill-down pane in headless Chromium shows a container's labels, bind mounts and listeners —
 * the rows the CLI and the inspect pane show (test/unit/present/sameFacts.test.ts) — as text.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { layoutTopology } from '../../../webview/layout';
import { topologyProtocolVersion } from '../../../src/protocol/topologyProtocol';
import { labTopology } from '../../unit/extension/sidebarFixture';
import { FIXTURES } from '../../support/netfilterFixtures';
import { openWebviewPage, snapshotMessage, type WebviewPage } from '../../support/webviewHarnessPage';

/** The rows of one section of the open pane, as [label, value] text pairs. */
async function paneRows(wv: WebviewPage, heading: string): Promise<[string, string][]> {
  return wv.page.$$eval(
    `aside.details vscode-collapsible[heading="${heading}"] vscode-table-row`,
    (rows) => rows.map((r) => [r.querySelector('.fact-label')?.textContent ?? '', r.querySelector('.fact-value')?.textContent ?? ''] as [string, string]),
  );
}

const listenerLab = (): Topology => JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8')) as Topology;

async function openContainer(wv: WebviewPage, t: Topology, name: string): Promise<void> {
  const c = t.containers.find((x) => x.name === name)!;
  await wv.post(snapshotMessage(t, 'initial'));
  await wv.page.locator(`g.node[data-id="${topologyIds.container(c.id)}"] rect.node-box`).click();
  await wv.page.locator('h2.details-heading', { hasText: name }).waitFor();
}

describe('drill-down pane: labels, mounts and listeners (headless Chromium)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  before(async () => {
    wv = await openWebviewPage();
  });
  after(async () => {
    await wv?.close();
  });

  it("shows a container's labels as text and its bind mount with the host path", async () => {
    const t = labTopology();
    await openContainer(wv, t, 'nle-web');
    const c = t.containers.find((x) => x.name === 'nle-web')!;
    const labels = await paneRows(wv, 'Labels');
    assert.deepEqual(labels, Object.keys(c.labels).sort().map((k) => [k, c.labels[k]]));
    const mounts = new Map(await paneRows(wv, 'Mounts'));
    for (const m of c.mounts.filter((x) => x.type === 'bind')) assert.equal(mounts.get(m.destination), `bind · ${m.rw ? 'rw' : 'ro'} · host ${m.source}`);
    assert.equal(await wv.page.locator('aside.details img, aside.details script').count(), 0, 'markup in a label stays text');
    assert.deepEqual(await wv.cspViolations(), []);
  });

  it("shows who listens in a container's namespace", async () => {
    const t = listenerLab();
    await openContainer(wv, t, 'nlk-web');
    const c = t.containers.find((x) => x.name === 'nlk-web')!;
    assert.ok(c.listeners?.known);
    const rows = new Map(await paneRows(wv, 'Listening'));
    for (const l of c.listeners.value) {
      if (l.address === '127.0.0.11') assert.equal(rows.get('Docker DNS'), '127.0.0.11');
      else if (l.address === '0.0.0.0' || l.address === '::') assert.equal(rows.get(`${l.protocol}/${l.port}`), 'any address');
    }
    assert.ok(rows.size > 0);
  });

  it('draws no snapshot of another protocol version, and says so', async () => {
    const t = labTopology();
    const drawn = layoutTopology(t).nodes.length;
    await wv.post(snapshotMessage(t, 'event'));
    await wv.page.waitForFunction((n) => document.querySelectorAll('g.node').length === n, drawn);
    const other = listenerLab();
    await wv.post({ ...snapshotMessage(other, 'event'), protocolVersion: topologyProtocolVersion + 1 });
    await wv.page.locator('aside.details', { hasText: `protocol ${topologyProtocolVersion + 1}` }).waitFor();
    await wv.page.waitForTimeout(1000);
    assert.equal(await wv.page.locator('g.node').count(), drawn, 'the drawing is untouched');
    assert.notEqual(layoutTopology(other).nodes.length, drawn, 'the refused snapshot would have drawn another picture');
  });
});
