/**
 * The trace view's app in headless Chromium, fed what the extension posts for traces on the
 * recorded Engine 20.10 lab (test/fixtures/trace): hops, rules and rewrites rendered as text,
 * what would change the verdict with its commands, and every button answering in the typed protocol.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { tracePacket } from '../../../src/core/trace';
import type { TraceRequest, TraceResult } from '../../../src/core/trace/types';
import { traceShownView, traceTitle } from '../../../src/extension/trace/traceView';
import { isTraceNotification, traceProtocolVersion, type TraceStatusView } from '../../../src/protocol/traceProtocol';
import { openTracePage } from '../../support/inspectHarnessPage';
import { FIXTURES } from '../../support/netfilterFixtures';
import type { WebviewPage } from '../../support/webviewHarnessPage';

const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const CURRENT: TraceStatusView = { kind: 'current', text: 'current' };

function message(id: number, result: TraceResult, status = CURRENT, history: { id: number; result: TraceResult }[] = [{ id, result }]) {
  const m = {
    type: 'trace',
    protocolVersion: traceProtocolVersion,
    trace: traceShownView({ id, engine: 'local', tracedAt: new Date('2026-11-30T17:00:00Z'), topology: LAB, result, status }),
    restore: { engineKey: 'local', engineLabel: 'local', request: result.request },
    notice: null,
    history: history.map((h) => ({ id: h.id, title: traceTitle(h.result.request), engine: 'local', verdict: h.result.verdict, status: 'current' })),
  };
  assert.ok(isTraceNotification(m), 'the extension side builds what the guard accepts');
  return m;
}

describe('trace view app (headless Chromium)', function () {
  this.timeout(90_000);
  let wv: WebviewPage;
  const userUdp: TraceRequest = { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' };
  const dropped = tracePacket(LAB, userUdp);
  before(async () => {
    wv = await openTracePage();
  });
  after(async () => {
    await wv?.close();
  });

  it('says ready with its protocol version, then shows request, verdict and every hop with its place', async () => {
    assert.deepEqual((await wv.posted())[0], { type: 'ready', protocolVersion: traceProtocolVersion });
    await wv.post(message(1, dropped));
    await wv.page.locator('h1', { hasText: 'netns:nlt-OUT → host:47153 (udp)' }).waitFor();
    assert.equal(await wv.page.locator('.verdict-dropped').first().textContent(), 'DROPPED');
    assert.equal(await wv.page.locator('code.decided-by').textContent(), dropped.decidedBy);
    const hops = wv.page.locator('li.hop');
    assert.equal(await hops.count(), dropped.hops.length + (dropped.reply?.length ?? 0));
    for (const [i, h] of dropped.hops.entries()) {
      const text = await hops.nth(i).locator('> div').first().textContent();
      assert.equal(text, `${h.step}.[${h.namespace}${h.interface ? ` ${h.interface}` : ''}] ${h.what}`);
    }
    // the deciding hop carries its rule: table, chain, position and the raw text in monospace
    const rule = dropped.hops.at(-1)!.rule!;
    const decider = wv.page.locator('li.hop.decider');
    assert.equal(await decider.locator('.decided-rule .ref').textContent(), `${rule.table} ${rule.chain} #${rule.index}: `);
    assert.equal(await decider.locator('.decided-rule code.raw').textContent(), rule.raw);
    assert.deepEqual(await wv.cspViolations(), []);
  });

  it('NAT shows as the address changing between hops', async () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    await wv.post(message(2, r));
    await wv.page.locator('h1', { hasText: 'host:47180' }).waitFor();
    const rewrites = await wv.page.locator('.rewrite').allTextContents();
    assert.ok(rewrites.includes('dst 10.213.99.1:47180 → 10.213.20.2:80'), JSON.stringify(rewrites));
  });

  it('a rule text with markup is shown as text: no element is created from it', async () => {
    const last = dropped.hops.at(-1)!;
    const hostile: TraceResult = { ...dropped, hops: [...dropped.hops.slice(0, -1), { ...last, rule: { ...last.rule!, raw: HOSTILE }, matchedRules: (last.matchedRules ?? []).map((m) => ({ ...m, rule: { ...m.rule, raw: HOSTILE } })) }] };
    await wv.post(message(3, hostile));
    await wv.page.locator('li.hop.decider .decided-rule code.raw', { hasText: HOSTILE }).waitFor();
    assert.equal(await wv.page.locator('#trace img').count(), 0);
    assert.equal(await wv.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('what would change the verdict: the words, the command, and a copy button that posts its index', async () => {
    await wv.post(message(1, dropped));
    const change = wv.page.locator('.change').first();
    await change.waitFor();
    assert.match((await change.locator('.says').textContent())!, /^filter DOCKER-USER rule #\d+ drops it: -A DOCKER-USER/);
    assert.match((await change.locator('code.command').textContent())!, /^iptables -D DOCKER-USER \d+$/);
    const before = (await wv.posted()).length;
    await change.locator('button', { hasText: 'Copy' }).click();
    assert.deepEqual((await wv.posted()).slice(before), [{ type: 'copySuggestion', index: 0 }]);
  });

  it('the toolbar posts copy as CLI / JSON / Markdown, re-run, probe and open as text; a hop click posts focusHop', async () => {
    const before = (await wv.posted()).length;
    for (const label of ['Copy as CLI', 'Copy as JSON', 'Copy as Markdown', 'Re-run', 'Probe…', 'Open as text']) await wv.page.locator('.toolbar button', { hasText: label }).click();
    await wv.page.locator('li.hop').nth(1).click();
    assert.deepEqual((await wv.posted()).slice(before), [
      { type: 'copy', format: 'cli' },
      { type: 'copy', format: 'json' },
      { type: 'copy', format: 'markdown' },
      { type: 'rerun', id: 1 },
      { type: 'probe' },
      { type: 'openText' },
      { type: 'focusHop', step: dropped.hops[1]!.step },
    ]);
    assert.equal(await wv.page.locator('li.hop.selected').count(), 1);
  });

  it('a stale trace says why; the last traces are listed, each re-runnable', async () => {
    const other = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' });
    await wv.post(message(1, dropped, { kind: 'stale', text: 'stale: nlt-a1 is gone' }, [{ id: 4, result: other }, { id: 1, result: dropped }]));
    await wv.page.locator('.status-stale', { hasText: 'stale: nlt-a1 is gone' }).waitFor();
    const rows = wv.page.locator('ul.history li');
    assert.equal(await rows.count(), 2);
    const before = (await wv.posted()).length;
    await rows.nth(0).locator('button', { hasText: 'Show' }).click();
    await rows.nth(0).locator('button', { hasText: 'Re-run' }).click();
    assert.deepEqual((await wv.posted()).slice(before), [{ type: 'show', id: 4 }, { type: 'rerun', id: 4 }]);
  });

  it('a hop picked on the topology is selected here without asking the topology back; another trace\'s pick selects nothing', async () => {
    await wv.post(message(1, dropped));
    await wv.page.locator('li.hop').first().waitFor();
    const before = (await wv.posted()).length;
    const step = dropped.hops[2]!.step;
    await wv.post({ type: 'selectHop', traceId: 1, step });
    await wv.page.locator(`li.hop.selected[data-step="${step}"]`).waitFor();
    await wv.post({ type: 'selectHop', traceId: 99, step: dropped.hops[0]!.step });
    await wv.page.waitForTimeout(150);
    assert.equal(await wv.page.locator(`li.hop.selected[data-step="${step}"]`).count(), 1, 'still the hop of trace 1');
    assert.deepEqual((await wv.posted()).slice(before), [], 'no focusHop echoed back');
  });

  it('marks the hop that decided a delivered trace too (the delivery), and keeps the request for a reload', async () => {
    const delivered = tracePacket(LAB, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    await wv.post(message(5, delivered));
    await wv.page.locator('body[data-verdict="delivered"] li.hop.decider').waitFor();
    const deliver = delivered.hops.find((h) => h.kind === 'deliver')!;
    assert.equal(await wv.page.locator('li.hop.decider').getAttribute('data-step'), String(deliver.step));
    const kept = await wv.page.evaluate(() => sessionStorage.getItem('nlw-webview-state'));
    assert.deepEqual(JSON.parse(kept!), { engineKey: 'local', engineLabel: 'local', request: delivered.request });
  });

  it('a restored view waiting for its engine says so', async () => {
    const notice = 'Restored after a reload: nlt-a2 → nlt-a1:80 (tcp) on local is traced again once local has a model (the engine is connecting).';
    const m = { type: 'trace', protocolVersion: traceProtocolVersion, trace: null, restore: { engineKey: 'local', engineLabel: 'local', request: { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' } }, notice, history: [] };
    assert.ok(isTraceNotification(m));
    assert.equal(isTraceNotification({ ...m, restore: { engineKey: 'local', engineLabel: 'local', request: { from: 'a', to: 'b', proto: 'sctp' } } }), false, 'a request the trace cannot ask is refused');
    await wv.post(m);
    await wv.page.locator('p.empty', { hasText: notice }).waitFor();
  });
});
