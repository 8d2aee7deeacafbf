/**
 * netlens in a real VS Code: code-server (VS Code served to a browser, with the real Node extension
 * host) driven by Debian's Chromium through playwright-core, against the real engine.
 *
 * Steps, each failing the run with its reason: install code-server into .cache/ (reused when
 * present), build and pack the .vsix, set up the seed scenario (nlx-e2e-*), then
 *  1. the mocha suite in test/e2e/suite/ inside the extension host (the unpacked .vsix as
 *     extensionDevelopmentPath, on a code-server with no other extension), and
 *  2. UI tests through the page on a second code-server that has the packed .vsix installed — what
 *     ships is what is tested.
 * Screenshots go to test-artifacts/e2e/. Everything started is stopped and the lab removed afterwards.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import type { Page } from 'playwright-core';
import { docker } from '../support/lab';
import { startSecondEngine, type SecondEngine } from '../support/secondEngine';
import { launchChromium, type Browser } from './harness/browser';
import { payloadUrl, runHostSuite, type HostSuiteResult } from './harness/hostSuite';
import { seedLabDown, seedLabUp, type SeedLab } from './harness/seedLab';
import { REPO, installer, packager, runner, suiteBundler, type CodeServer, type IsolatedRun } from './harness/toolScripts';
import {
  ARTIFACTS, closePalette, openActivityBarItem, paletteQuery, quickPick, runFromPalette, screenshot, viewLabels, waitForWorkbench,
  webviewFrame, webviewShowing,
} from './harness/workbench';

interface Manifest {
  readonly contributes: {
    readonly commands: readonly { readonly command: string; readonly title: string; readonly category?: string }[];
    readonly menus?: { readonly commandPalette?: readonly { readonly command: string; readonly when?: string }[] };
    readonly viewsContainers?: { readonly activitybar?: readonly { readonly id: string; readonly title: string }[] };
    readonly views?: Readonly<Record<string, readonly { readonly id: string; readonly name: string }[]>>;
  };
}

const manifest = (): Manifest => JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
const log = (m: string): void => console.log(`      e2e: ${m}`);
const elapsed = (t: number): string => `${((Date.now() - t) / 1000).toFixed(1)} s`;

describe('netlens in a real VS Code (code-server + Chromium)', function () {
  let vsix = '';
  let lab: SeedLab | undefined;
  const servers: CodeServer[] = [];
  const browsers: Browser[] = [];

  before(async function () {
    this.timeout(15 * 60_000);
    const t0 = Date.now();
    const { ensureCodeServer } = await installer();
    ensureCodeServer({ log });
    log(`code-server ready after ${elapsed(t0)}`);
    const t1 = Date.now();
    mkdirSync(join(REPO, '.cache'), { recursive: true });
    const packed = (await packager()).packageVsix({ log, out: join(REPO, '.cache', `nlx-e2e-${process.pid}.vsix`) });
    vsix = packed.vsix;
    log(`packed ${packed.bytes} bytes in ${elapsed(t1)}`);
    const { freePort } = await runner();
    lab = seedLabUp([await freePort(), await freePort()]);
    log(`seed lab up: ${lab.containers.join(', ')} on 127.0.0.1:${lab.ports.join(', 127.0.0.1:')}`);
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async function () {
    this.timeout(60_000);
    for (const b of browsers.splice(0)) await b.close().catch(() => {});
    for (const s of servers.splice(0)) {
      if (existsSync(s.logFile)) copyFileSync(s.logFile, join(ARTIFACTS, `code-server-${s.port}.log`));
      await s.stop();
    }
    seedLabDown();
    if (vsix) rmSync(vsix, { force: true });
  });

  async function start(opts: { vsix?: string; env?: Record<string, string>; run?: IsolatedRun; settings?: Record<string, unknown> }): Promise<CodeServer> {
    const { startCodeServer } = await runner();
    // NLX_E2E_KEEP_RUN=1 keeps each code-server's run dir (its logs, the extension's output) for a look afterwards
    const server = await startCodeServer({ folder: REPO, ...opts, log, ...(process.env['NLX_E2E_KEEP_RUN'] === '1' ? { keepRunDir: true } : {}) });
    servers.push(server);
    return server;
  }

  async function stop(server: CodeServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1);
    if (existsSync(server.logFile)) copyFileSync(server.logFile, join(ARTIFACTS, `code-server-${server.port}.log`));
    await server.stop();
  }

  describe('inside the extension host', () => {
    let outcome: HostSuiteResult | undefined;

    // Runs the whole in-host suite, then adds one test here per test it ran, so each in-host
    // result shows (and counts in the closing line) on its own.
    before(async function () {
      this.timeout(5 * 60_000);
      const t = Date.now();
      const { isolatedRun, installVsix } = await runner();
      const run = isolatedRun();
      // The extension under test is the packed .vsix, unpacked by code-server's own installer into a
      // folder that is not the server's extensions dir, so it is loaded once, as the development
      // extension the test runner needs.
      const unpacked = join(run.dir, 'vsix-unpacked');
      installVsix(vsix, { ...run, extensionsDir: unpacked });
      const extDir = readdirSync(unpacked).find((d) => d.startsWith('netlens.netlens-'));
      assert.ok(extDir, `the .vsix did not unpack into ${unpacked}`);
      const entry = await (await suiteBundler()).bundleHostSuite(join(run.dir, 'suite'));
      const reportFile = join(run.dir, 'host-suite.json');
      const server = await start({ run, env: { NLX_E2E_REPORT: reportFile } });
      const browser = await launchChromium(server.run);
      browsers.push(browser);
      try {
        const page = await browser.newPage();
        outcome = await runHostSuite(page, payloadUrl(server, join(unpacked, extDir), entry), reportFile, 4 * 60_000);
        await screenshot(page, 'host-suite');
        log(`in-host suite finished in ${elapsed(t)}`);
      } finally {
        await browser.close();
        browsers.splice(browsers.indexOf(browser), 1);
        await stop(server);
      }
      const report = outcome.report;
      const suite = this.test?.parent;
      if (!report || !suite) return;
      for (const test of report.tests) {
        const failure = report.failures.find((f) => f.title === test.title);
        suite.addTest(new Mocha.Test(`in host: ${test.title}`, () => {
          if (test.state === 'failed') throw new Error(failure?.error ?? 'failed (no message)');
        }));
      }
    });

    it('runs the in-host suite to its end: a report, at least 5 tests, exit code 0', () => {
      assert.ok(outcome, 'the in-host suite did not run');
      const { report, exitCode, log: hostLog } = outcome;
      assert.ok(report, `the in-host suite wrote no report (exit code ${exitCode}); last log lines:\n${hostLog.slice(-30).join('\n')}`);
      assert.ok(report.passed + report.failed >= 5, `only ${report.passed + report.failed} in-host tests ran`);
      assert.equal(exitCode, report.failed > 0 ? 1 : 0, `the host reported exit code ${exitCode} for ${report.failed} failure(s)`);
    });
  });

  describe('through the browser, with the packed .vsix installed', () => {
    let page: Page;

    before(async function () {
      this.timeout(3 * 60_000);
      const server = await start({ vsix });
      const installed = existsSync(join(server.run.extensionsDir, 'extensions.json'))
        ? readFileSync(join(server.run.extensionsDir, 'extensions.json'), 'utf8') : '';
      assert.match(installed, /"netlens\.netlens"/, 'the .vsix did not install into the extensions dir');
      const browser = await launchChromium(server.run);
      browsers.push(browser);
      page = await browser.newPage();
      await page.goto(server.url);
      await waitForWorkbench(page);
      // The palette lists an extension's commands once the workbench has read its contributions;
      // the activity-bar icon appearing says it has.
      const container = manifest().contributes.viewsContainers?.activitybar?.find((v) => /netlens/i.test(v.id));
      assert.ok(container, 'package.json contributes no netlens activity-bar container');
      await page.locator(`.activitybar .action-label[aria-label^="${container.title}"]`).first()
        .waitFor({ state: 'visible', timeout: 60_000 });
    });

    it('finds every netlens command in the F1 palette', async function () {
      this.timeout(2 * 60_000);
      const { commands, menus } = manifest().contributes;
      const hidden = new Set((menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
      const visible = commands.filter((c) => !hidden.has(c.command));
      assert.ok(visible.length > 0, 'package.json declares no palette commands');
      const missing: string[] = [];
      for (const c of visible) {
        const label = c.category ? `${c.category}: ${c.title}` : c.title;
        let rows = await paletteQuery(page, label);
        for (let i = 0; i < 10 && !rows.some((r) => r.includes(label)); i++) {
          await page.waitForTimeout(300);
          rows = await paletteQuery(page, label);
        }
        if (!rows.some((r) => r.includes(label))) missing.push(`${c.command} ("${label}"; saw: ${rows.slice(0, 3).join(' | ') || 'nothing'})`);
      }
      await paletteQuery(page, 'netlens');
      await screenshot(page, 'command-palette');
      await closePalette(page);
      assert.deepEqual(missing, [], `commands the palette does not find:\n${missing.join('\n')}`);
    });

    it('opens the netlens view from the activity bar and lists the engine\'s networks', async function () {
      this.timeout(2 * 60_000);
      const container = manifest().contributes.viewsContainers?.activitybar?.find((v) => /netlens/i.test(v.id));
      assert.ok(container, 'package.json contributes no netlens activity-bar container');
      const networksView = manifest().contributes.views?.[container.id]?.find((v) => v.id === 'netlens.networks');
      assert.ok(networksView, 'package.json contributes no netlens.networks view');
      await openActivityBarItem(page, container.title);
      const before = new Set(docker('network', 'ls', '--format', '{{.Name}}').split('\n').filter(Boolean));
      let shown = new Set<string>();
      let missing: string[] = [];
      const deadline = Date.now() + 45_000;
      do {
        shown = await viewLabels(page, networksView.name);
        // Other suites create and remove networks on the same engine meanwhile: only networks that
        // existed before and still exist must be listed.
        const now = new Set(docker('network', 'ls', '--format', '{{.Name}}').split('\n').filter(Boolean));
        missing = [...before].filter((n) => now.has(n) && !shown.has(n));
        if (!missing.length) break;
        await page.waitForTimeout(1000);
      } while (Date.now() < deadline);
      await screenshot(page, 'networks-view');
      assert.deepEqual(missing, [], `networks missing from the Networks view (saw: ${[...shown].join(', ')})`);
    });

    it('renders the topology webview and opens a container\'s pane on click', async function () {
      this.timeout(2 * 60_000);
      const cmd = manifest().contributes.commands.find((c) => c.command === 'netlens.showTopology');
      assert.ok(cmd, 'package.json declares no netlens.showTopology');
      await runFromPalette(page, cmd.category ? `${cmd.category}: ${cmd.title}` : cmd.title);
      const frame = webviewFrame(page);
      const target = lab!.containers[0];
      const node = frame.locator('svg g.node', { has: frame.locator('text.node-title', { hasText: target }) }).first();
      await node.waitFor({ state: 'visible', timeout: 60_000 }).catch(async (e: Error) => {
        await screenshot(page, 'topology-missing');
        throw new Error(`no drawn node for ${target} in the topology webview: ${e.message}`);
      });
      const texts = await frame.locator('svg text').allTextContents();
      for (const c of lab!.containers) assert.ok(texts.some((t) => t.includes(c)), `the topology draws no ${c}`);
      assert.ok(texts.some((t) => t.includes('docker0') || t.includes('bridge')), 'the topology draws no docker0 bridge');
      await screenshot(page, 'topology');
      await node.click();
      const heading = frame.locator('.details-heading');
      await heading.waitFor({ state: 'visible', timeout: 15_000 });
      assert.match(await heading.textContent() ?? '', new RegExp(target));
      await screenshot(page, 'topology-pane');

      // The same drawing narrowed to this run's containers: the picture a reader can make sense of
      // on an engine others share (and the one the README can show).
      const prefix = target.replace(/w1$/, '');
      await frame.locator('input.search').fill(prefix);
      await frame.locator('label.hide-unmatched-toggle input').check();
      await frame.locator('.match-count').filter({ hasText: /\d/ }).first().waitFor({ timeout: 10_000 });
      const count = (await frame.locator('.match-count').textContent()) ?? '';
      // The containers match, and the items drawn for them (their veths) may too.
      const matches = Number(/(\d+) match/.exec(count)?.[1] ?? 0);
      assert.ok(matches >= 2, `searching ${prefix} should match at least the 2 seed containers; the toolbar says "${count}"`);
      await frame.locator('button.action-fit, .action-fit').first().click();
      await page.waitForTimeout(800);
      await screenshot(page, 'topology-seed');
    });

    it('opens the inspect pane from the topology\'s pane, its sheet sent by message', async function () {
      this.timeout(2 * 60_000);
      const frame = webviewFrame(page);
      const target = lab!.containers[0];
      const node = frame.locator('svg g.node', { has: frame.locator('text.node-title', { hasText: target }) }).first();
      await node.click();
      await frame.locator('.details-heading', { hasText: target }).waitFor({ state: 'visible', timeout: 15_000 });
      await frame.locator('vscode-button.action-inspect').click();
      // the inspect pane is a second webview: find the one whose app shows the container
      const deadline = Date.now() + 30_000;
      let found = false;
      while (!found && Date.now() < deadline) {
        const count = await page.locator('iframe.webview.ready').count();
        for (let i = 0; i < count && !found; i++) {
          const pane = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
          found = (await pane.locator('#sheet h1', { hasText: target }).count().catch(() => 0)) > 0 && (await pane.locator('#sheet h2', { hasText: 'Container' }).count().catch(() => 0)) > 0;
        }
        if (!found) await page.waitForTimeout(500);
      }
      await screenshot(page, 'inspect-pane');
      assert.ok(found, `no inspect pane showing ${target}`);
    });

    it('restores the trace view after a window reload, tracing its request again on the current model', async function () {
      this.timeout(4 * 60_000);
      const target = lab!.containers[0]!;
      await runFromPalette(page, 'netlens: Trace packet');
      await quickPick(page, 'host');
      await quickPick(page, target);
      await quickPick(page, 'icmp');
      const title = `host → ${target} (icmp)`;
      const shown = await webviewShowing(page, '#trace h1', title, 60_000);
      await screenshot(page, 'trace-view');
      assert.ok(shown, `no trace view showing ${title}`);
      const tracedAt = await shown.locator('#trace p.sub').first().textContent();
      // a window reload as the user asks for it: the workbench shuts down (saving its editors and
      // their webviews' state) and loads again; a bare page reload may drop what it had not saved yet
      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
      await runFromPalette(page, 'Developer: Reload Window');
      await reloaded;
      await waitForWorkbench(page);
      const restored = await webviewShowing(page, '#trace h1', title, 90_000);
      await screenshot(page, 'trace-view-restored');
      if (!restored) {
        const said = await webviewShowing(page, '#trace p', '', 1_000);
        assert.fail(`after the reload no trace view shows ${title} again; it says: ${said ? (await said.locator('#trace').textContent()) ?? '' : 'nothing (no trace view)'}`);
      }
      // traced again, not a copy of the old answer: a new time (the verdict may differ — the host's
      // firewall is shared with whatever else runs on it)
      const again = await restored.locator('#trace p.sub').first().textContent();
      assert.match(again ?? '', /^on local, traced /);
      assert.notEqual(again, tracedAt, 'traced anew after the reload');
      assert.match((await restored.locator('#trace .decided .verdict').textContent()) ?? '', /^(DELIVERED|DROPPED|UNCERTAIN)$/);
      // the restored trace's path is lit on the topology the reload brought back too
      const topology = await webviewShowing(page, 'svg.has-trace g.node.on-trace text.node-title', target, 30_000);
      await screenshot(page, 'trace-path-restored');
      assert.ok(topology, `the topology lights no ${target} on the restored trace's path`);
    });
  });
  describe('through the browser, with two engines configured (netlens.engines): the hosts side by side', () => {
    const NODE2 = 'nlxe2n2';
    const HOST_ADDR = '10.213.93.1';
    const PEER_ADDR = '10.213.93.2';
    let page: Page;
    let node2: SecondEngine | undefined;

    before(async function () {
      this.timeout(4 * 60_000);
      // a second engine in a namespace of the suite's own, joined to this machine by a veth /30
      node2 = await startSecondEngine(NODE2, HOST_ADDR, PEER_ADDR);
      node2.docker('run', '-d', '--name', `${NODE2}-web`, 'netlens-busybox:1', 'sleep', '3600');
      const server = await start({
        vsix,
        settings: { 'netlens.engines': [{ name: 'this machine', host: 'unix:///var/run/docker.sock' }, { name: 'node2', host: node2.socket }] },
      });
      const browser = await launchChromium(server.run);
      browsers.push(browser);
      page = await browser.newPage();
      await page.goto(server.url);
      await waitForWorkbench(page);
      const container = manifest().contributes.viewsContainers?.activitybar?.find((v) => /netlens/i.test(v.id));
      assert.ok(container, 'package.json contributes no netlens activity-bar container');
      await page.locator(`.activitybar .action-label[aria-label^="${container.title}"]`).first().waitFor({ state: 'visible', timeout: 60_000 });
    });
    after(function () {
      this.timeout(60_000);
      node2?.stop();
    });

    it('draws each engine\'s host in its own frame and the veth between them as their link', async function () {
      this.timeout(2 * 60_000);
      const cmd = manifest().contributes.commands.find((c) => c.command === 'netlens.showTopology');
      assert.ok(cmd, 'package.json declares no netlens.showTopology');
      await runFromPalette(page, cmd.category ? `${cmd.category}: ${cmd.title}` : cmd.title);
      const frame = webviewFrame(page);
      await frame.locator('svg g.edge.role-hostLink').first().waitFor({ state: 'attached', timeout: 90_000 }).catch(async (e: Error) => {
        await screenshot(page, 'topology-two-hosts-missing');
        throw new Error(`no link between the hosts in the topology webview: ${e.message}`);
      });
      const frames = await frame.locator('svg g.host-frame text').allTextContents();
      assert.equal(frames.length, 2, frames.join(' | '));
      assert.ok(frames[0]!.startsWith('host · this machine — ') && frames[1]!.startsWith(`host · node2 — `) && frames[1]!.includes(node2!.socket), frames.join(' | '));
      const labels = await frame.locator('svg text.edge-label.role-hostLink').allTextContents();
      assert.ok(labels.some((l) => l === `${NODE2}-h ${HOST_ADDR} ⇄ ${PEER_ADDR} eth0 · same link`), labels.join(' | '));
      const titles = await frame.locator('svg g.node text.node-title').allTextContents();
      assert.ok(titles.includes(`${NODE2}-web`), 'node2\'s container drawn in its frame');
      await frame.locator('button.action-fit, .action-fit').first().click();
      await page.waitForTimeout(800);
      await screenshot(page, 'topology-two-hosts');
    });
  });
});
