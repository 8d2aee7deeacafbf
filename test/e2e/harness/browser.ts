/**
 * Debian's headless Chromium driven by playwright-core (no browser download is possible here), with
 * a profile and HOME of its own inside the code-server run's folder.
 */
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IsolatedRun } from './toolScripts';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(run: IsolatedRun): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = join(run.dir, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, env: run.env as Record<string, string>,
    viewport: { width: 1400, height: 900 }, timeout: 60_000,
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: () => context.close(),
  };
}
