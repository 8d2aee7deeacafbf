/**
 * The few workbench interactions the UI tests need, by the selectors VS Code 1.139 renders (see
 * ../shared/ENVIRONMENT.md): the F1 palette, an activity-bar container, the sidebar's tree rows and
 * a webview's inner frame. Each waits for what it needs and fails with what it saw instead.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO } from './toolScripts';

export const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench .activitybar').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

const PALETTE_INPUT = '.quick-input-widget input';
const PALETTE_ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/** Opens the F1 palette (idempotent) and types a query after the `>` prefix. */
export async function paletteQuery(page: Page, query: string): Promise<string[]> {
  const input = page.locator(PALETTE_INPUT);
  if (!(await input.isVisible())) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 }, force: true }).catch(() => {});
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
  }
  await input.fill(`>${query}`);
  // The list is filtered asynchronously; wait until it has settled on rows for this query.
  await page.waitForTimeout(150);
  await page.locator(PALETTE_ROWS).first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
  return page.locator(PALETTE_ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
}

/** Picks the row labelled exactly `label` in an open quick pick (a command's question), typing to filter. */
export async function quickPick(page: Page, label: string): Promise<void> {
  const input = page.locator(PALETTE_INPUT);
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // the command's own question, not the palette that ran it
  await page
    .waitForFunction((sel) => !document.querySelector<HTMLInputElement>(sel)?.value.startsWith('>'), PALETTE_INPUT, { timeout: 10_000 })
    .catch(() => {});
  await input.fill(label);
  const row = page.locator(PALETTE_ROWS).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 }).catch(async (e: Error) => {
    const rows = await page.locator(PALETTE_ROWS).evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
    throw new Error(`the quick pick shows no "${label}" (rows: ${rows.join(' | ') || 'none'}): ${e.message}`);
  });
  await row.click();
}

/** Waits for a webview whose app shows `selector` with `text`, among every webview of the workbench. */
export async function webviewShowing(page: Page, selector: string, text: string, timeoutMs: number): Promise<FrameLocator | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const count = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
      if ((await frame.locator(selector, { hasText: text }).count().catch(() => 0)) > 0) return frame;
    }
    await page.waitForTimeout(500);
  }
  return null;
}

export async function closePalette(page: Page): Promise<void> {
  if (await page.locator(PALETTE_INPUT).isVisible()) await page.keyboard.press('Escape');
}

/** Runs a command through the palette, the way a user does. */
export async function runFromPalette(page: Page, label: string): Promise<void> {
  const rows = await paletteQuery(page, label);
  if (!rows.some((r) => r.includes(label))) throw new Error(`the palette shows no "${label}"; rows: ${rows.join(' | ')}`);
  await page.locator(PALETTE_ROWS).filter({ hasText: label }).first().click();
  // the palette closes before the command runs (and may open a quick pick of its own in the same
  // widget): a question asked next must not be typed into the palette still closing
  await page
    .waitForFunction((sel) => {
      const input = document.querySelector<HTMLInputElement>(sel);
      return !input || input.offsetParent === null || !input.value.startsWith('>');
    }, PALETTE_INPUT, { timeout: 10_000 })
    .catch(() => {});
}

export async function openActivityBarItem(page: Page, title: string): Promise<void> {
  const item = page.locator(`.activitybar .action-label[aria-label^="${title.replace(/"/g, '\\"')}"]`).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const container = item.locator('xpath=..');
  const checked = await container.getAttribute('aria-checked').catch(() => null);
  if (checked !== 'true') await item.click();
}

/** The rows of one view of the sidebar, found by its title (a view is a `.pane` under a header). */
function viewRows(viewTitle: string): string {
  const title = viewTitle.replace(/"/g, '\\"');
  return `[id="workbench.parts.sidebar"] .pane:has(.pane-header .title:text-is("${title}")) .monaco-list-row`;
}

/** The labels of every row of one sidebar view, scrolling through a list that renders only what is visible. */
export async function viewLabels(page: Page, viewTitle: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const selector = viewRows(viewTitle);
  const rows = page.locator(selector);
  await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
  const collect = async (): Promise<number> => {
    const before = seen.size;
    for (const l of await page.locator(`${selector} .label-name`).allTextContents()) seen.add(l.trim());
    return seen.size - before;
  };
  await collect();
  await rows.first().click();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('PageDown');
    await page.waitForTimeout(100);
    if ((await collect()) === 0 && i > 2) break;
  }
  await page.keyboard.press('Home');
  return seen;
}

export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}
