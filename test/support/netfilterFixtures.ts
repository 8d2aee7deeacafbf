/** Loads the recorded firewall dumps under test/fixtures/netfilter (see its README for provenance). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseIptablesSave } from '../../src/core/netfilter/iptablesSave';
import { parseNftJson } from '../../src/core/netfilter/nftables';
import type { Ruleset } from '../../src/core/netfilter/types';

/** The fixtures stay in the source tree; the compiled test may live in any out dir below the repo (or in /tmp). */
function fixturesRoot(): string {
  for (let d = __dirname; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'test', 'fixtures', 'netfilter', 'README.md'))) return join(d, 'test', 'fixtures');
  }
  const cwd = join(process.cwd(), 'test', 'fixtures');
  if (existsSync(join(cwd, 'netfilter', 'README.md'))) return cwd;
  throw new Error(`test/fixtures/netfilter not found above ${__dirname} or in ${process.cwd()}`);
}

export const FIXTURES = fixturesRoot();
export const NETFILTER_FIXTURES = join(FIXTURES, 'netfilter');

export type Layout = 'engine-20.10' | 'moby-v28.5.2-iptables' | 'moby-v29.7.2-iptables' | 'moby-v29.7.2-nftables';

export function fixtureText(...parts: string[]): string {
  return readFileSync(join(NETFILTER_FIXTURES, ...parts), 'utf8');
}

export function fixtureNames(layout: Layout, ext: string): string[] {
  return readdirSync(join(NETFILTER_FIXTURES, layout)).filter((f) => f.endsWith(ext)).sort();
}

export function loadRuleset(layout: Layout, name: string): Ruleset {
  if (layout === 'moby-v29.7.2-nftables') return parseNftJson(fixtureText(layout, `${name}.json`), 'ipv4', `${layout}/${name}`);
  if (layout === 'engine-20.10') return parseIptablesSave(fixtureText(layout, `${name}.txt`), 'ipv4', `${layout}/${name}`);
  return parseIptablesSave(fixtureText(layout, `${name}.rules`), 'ipv4', `${layout}/${name}`);
}
