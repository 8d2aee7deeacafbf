/** Loads the recorded firewall dumps under test/fixtures/netfilter (see its README for provenance). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseIptablesSave } from '../../src/core/netfilter/iptablesSave';
import { parseNftJson } from '../../src/core/netfilter/nftables';
import type { Ruleset } from '../../src/core/netfilter/types';

// compiled to out/test/support, the fixtures stay in the source tree
export const NETFILTER_FIXTURES = resolve(__dirname, '../../../test/fixtures/netfilter');

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
