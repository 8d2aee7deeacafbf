/**
 * The inspect pane's app in headless Chromium, fed what the extension posts for the recorded
 * sidebar lab: it renders the sheet as text, updates it in place when a new sheet comes (the
 * reader's scroll position and the unchanged sections stay), and answers in the typed protocol.
 */
import { strict as assert } from 'node:assert';
import { containerSheet } from '../../../src/extension/facts/sheets';
import { inspectSheetView } from '../../../src/extension/inspect/inspectView';
import { inspectProtocolVersion } from '../../../src/protocol/inspectProtocol';
import { labTopology, MARKUP_LABEL } from '../../unit/extension/sidebarFixture';
import { openInspectPage } from '../../support/inspectHarnessPage';
import type { WebviewPage } from '../../support/webviewHarnessPage';

const topology = labTopology();
const web = topology.containers.find((c) => c.name === 'nle-web')!;
const item = { view: 'containers' as const, id: `local/ctr/${web.id}` };
const sheetMessage = (banner?: string, container = web) => ({
  type: 'sheet',
  protocolVersion: inspectProtocolVersion,
  sheet: inspectSheetView(containerSheet('local', topology, container), { canShowTopology: true, item, ...(banner ? { banner } : {}) }),
});

describe('inspect pane app (headless Chromium)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  before(async () => {
    wv = await openInspectPage();
  });
  after(async () => {
    await wv?.close();
  });

  it('says ready with its protocol version, then shows the sheet, Docker text as text', async () => {
    assert.deepEqual((await wv.posted())[0], { type: 'ready', protocolVersion: inspectProtocolVersion });
    await wv.post(sheetMessage());
    await wv.page.locator('h1', { hasText: 'nle-web' }).waitFor();
    const label = wv.page.locator('section', { has: wv.page.locator('h2', { hasText: 'Labels' }) }).locator('td');
    assert.equal(await label.first().textContent(), MARKUP_LABEL);
    assert.equal(await wv.page.locator('#sheet img, #sheet script').count(), 0);
    const mounts = await wv.page.locator('section', { has: wv.page.locator('h2', { hasText: 'Mounts' }) }).locator('tr').allTextContents();
    const bind = web.mounts.find((m) => m.type === 'bind')!;
    assert.ok(mounts.includes(`${bind.destination}bind · ${bind.rw ? 'rw' : 'ro'} · host ${bind.source}`), mounts.join('\n'));
    assert.deepEqual(await wv.cspViolations(), []);
  });

  it('updates in place: a new sheet keeps the scroll position and the sections that did not change', async () => {
    await wv.page.evaluate(() => {
      document.querySelectorAll('section').forEach((s) => s.setAttribute('data-marker', 'kept'));
      window.scrollTo(0, 400);
    });
    const before = await wv.page.evaluate(() => window.scrollY);
    assert.ok(before > 100, `the sheet is long enough to scroll (${before})`);
    // what an engine event brings: the container's status line changed, nothing else
    const status = `${web.status} (later)`;
    await wv.post(sheetMessage(undefined, { ...web, status }));
    await wv.page.locator('td', { hasText: status }).waitFor();
    assert.equal(await wv.page.evaluate(() => window.scrollY), before, 'the reader stays where they were');
    const headings = await wv.page.locator('section:not([data-marker]) h2').allTextContents();
    assert.deepEqual(headings, ['Container'], 'only the changed section was rebuilt');
    // a stale model shows its banner without rebuilding a section
    await wv.post(sheetMessage('engine unreachable: showing the last model', { ...web, status }));
    await wv.page.locator('.banner', { hasText: 'engine unreachable' }).waitFor();
    assert.deepEqual(await wv.page.locator('section:not([data-marker]) h2').allTextContents(), ['Container']);
  });

  it('posts typed commands for links and buttons, and saves the item for a reload', async () => {
    const link = wv.page.locator('a').first();
    await link.click();
    const posted = (await wv.posted()) as { type: string }[];
    assert.equal(posted[posted.length - 1]!.type, 'reveal');
    await wv.page.locator('button[data-action="raw"]').click();
    await wv.page.locator('button[data-action="topology"]').click();
    assert.deepEqual(((await wv.posted()) as { type: string }[]).slice(-2), [{ type: 'openRaw' }, { type: 'openTopology' }]);
    assert.deepEqual(await wv.page.evaluate(() => JSON.parse(sessionStorage.getItem('nlw-webview-state') ?? 'null')), item);
  });

  it('refuses a sheet in another protocol version', async () => {
    await wv.post({ ...sheetMessage(), protocolVersion: inspectProtocolVersion + 1 });
    await wv.page.locator('.banner', { hasText: `protocol ${inspectProtocolVersion}` }).waitFor();
    assert.equal(await wv.page.locator('h1').count(), 0);
  });
});
