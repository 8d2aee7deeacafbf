/**
 * One presentation, three renderers: the CLI tree, the extension's sheets (inspect pane HTML and
 * tooltip markdown) and the topology's drill-down pane show the same rows for a container's labels,
 * bind mounts and listeners; and a sheet lists only the gaps of its own subject, matched by identity.
 *
 * No recording holds one container with labels, a bind mount and listeners at once: nle-web of the
 * sidebar lab (test/fixtures/extension) has a label full of markup and a read-only bind, nlk-web of
 * the listener lab (test/fixtures/trace) has sockets. The expected rows are derived from each
 * container's own recorded facts, not from the presentation code under test.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopology } from '../../../src/cli/renderTopology';
import { buildTopology, type ModelInput } from '../../../src/core/model/build';
import type { EngineFacts } from '../../../src/core/docker/types';
import type { HostFacts } from '../../../src/core/host/types';
import type { ContainerNode, Topology } from '../../../src/core/model/types';
import { parseIptablesSave } from '../../../src/core/netfilter/iptablesSave';
import { valueText } from '../../../src/protocol/facts/sheet';
import { containerSheet, hostSheet, networkSheet } from '../../../src/extension/facts/sheets';
import { sheetMarkdown } from '../../../src/extension/facts/sheetMarkdown';
import { inspectSheetView } from '../../../src/extension/inspect/inspectView';
import { markdownText } from '../../../src/extension/text/markdownText';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { itemFacts } from '../../../webview/itemFacts';
import { labTopology } from '../extension/sidebarFixture';
import { FIXTURES } from '../../support/netfilterFixtures';
import { repoRoot } from '../../support/topologyFixtures';

interface Row {
  readonly section: 'Labels' | 'Mounts' | 'Listening';
  readonly label: string;
  readonly text: string;
}

/** The rows a reader must see, from the recorded facts alone. */
function expectedRows(c: ContainerNode): Row[] {
  const rows: Row[] = [];
  if (c.listeners?.known) {
    const seen = new Set<string>();
    for (const l of c.listeners.value) {
      const r: Row =
        l.address === '127.0.0.11'
          ? { section: 'Listening', label: 'Docker DNS', text: '127.0.0.11' }
          : { section: 'Listening', label: `${l.protocol}/${l.port}`, text: l.address === '0.0.0.0' || l.address === '::' ? 'any address' : l.address };
      if (!seen.has(`${r.label} ${r.text}`)) rows.push(r);
      seen.add(`${r.label} ${r.text}`);
    }
  }
  for (const m of c.mounts) {
    if (m.type === 'bind') rows.push({ section: 'Mounts', label: m.destination, text: `bind · ${m.rw ? 'rw' : 'ro'} · host ${m.source}` });
  }
  for (const k of Object.keys(c.labels).sort()) rows.push({ section: 'Labels', label: k, text: c.labels[k]! });
  return rows;
}

const CLI_PREFIX = { Listening: 'listening', Mounts: 'mount', Labels: 'label' } as const;

/** The CLI's lines under a container's own entry in the `containers` block. */
function cliLines(t: Topology, name: string): string[] {
  const lines = renderTopology(t).split('\n');
  const start = lines.indexOf('containers');
  assert.ok(start >= 0, 'the tree has a containers block');
  const entry = lines.indexOf(`├─ ${name}`, start);
  assert.ok(entry > start, `${name} has an entry`);
  const rest = lines.slice(entry + 1);
  const end = rest.findIndex((l) => !l.startsWith('│  ├─ '));
  return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.slice('│  ├─ '.length));
}

const listenerLab: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));
const sidebarLab = labTopology();

for (const [lab, name, must] of [
  [sidebarLab, 'nle-web', ['Labels', 'Mounts']],
  [listenerLab, 'nlk-web', ['Listening']],
] as const) {
  describe(`the same rows in every renderer: ${name}`, () => {
    const c = lab.containers.find((x) => x.name === name)!;
    const want = expectedRows(c);

    it('the recording has what the test is about', () => {
      for (const s of must) assert.ok(want.some((r) => r.section === s), `${name} has ${s}`);
    });

    it('the CLI prints exactly those rows under the container', () => {
      const others = ['Labels', 'Mounts', 'Listening'];
      const mine = cliLines(lab, name).filter((l) => others.some((s) => l.startsWith(`${CLI_PREFIX[s as Row['section']]} `)));
      // volumes and tmpfs are mounts too: the CLI prints every mount, the expectation only the binds
      const binds = new Set(c.mounts.filter((m) => m.type !== 'bind').map((m) => `mount ${m.destination}:`));
      assert.deepEqual(
        mine.filter((l) => ![...binds].some((b) => l.startsWith(b))),
        want.map((r) => `${CLI_PREFIX[r.section]} ${r.label}: ${r.text}`),
      );
    });

    it('the inspect pane (what it is sent) and the tooltip markdown show each row', () => {
      const sheet = containerSheet('local', lab, c);
      const sent = inspectSheetView(sheet, { canShowTopology: false }).sections.flatMap((s) => s.rows.map((r) => ({ section: s.heading, label: r.label, text: valueText(r.value) })));
      const md = sheetMarkdown(sheet, { sections: 99, rowsPerSection: 99 });
      for (const r of want) {
        assert.ok(sent.some((x) => x.section === r.section && x.label === r.label && x.text === r.text), `pane ${r.section} ${r.label}`);
        assert.ok(md.includes(`- ${markdownText(r.label)}: ${markdownText(r.text)}`), `markdown ${r.label}`);
      }
    });

    it('the drill-down pane gets the same rows', () => {
      const facts = itemFacts(lab, topologyIds.container(c.id));
      const rows = (facts?.sections ?? []).flatMap((s) => s.rows.map((r) => ({ section: s.heading, label: r.label, text: valueText(r.value) })));
      for (const r of want) assert.ok(rows.some((x) => x.section === r.section && x.label === r.label && x.text === r.text), `${r.section} ${r.label}: ${r.text}`);
    });
  });
}


describe("a sheet lists only its own subject's gaps", () => {
  // The seed lab's recorded facts (test/fixtures/model/seed-lab.json) with one user network's bridge
  // gone from the host: the model's gap about it names that network by id.
  const rec = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/model/seed-lab.json'), 'utf8')) as { engine: EngineFacts; host: HostFacts };
  const victim = rec.engine.networks.find((n) => n.driver === 'bridge' && n.name !== 'bridge')!;
  const bridgeName = `br-${victim.id.slice(0, 12)}`;
  assert.ok(rec.host.interfaces.known && rec.host.interfaces.value.some((i) => i.name === bridgeName), `the recording has ${bridgeName}`);
  const host: HostFacts = { ...rec.host, interfaces: { known: true, value: rec.host.interfaces.value.filter((i) => i.name !== bridgeName) } };
  const input: ModelInput = { engine: rec.engine, host, ipv4Rules: host.iptablesSave.known ? parseIptablesSave(host.iptablesSave.value, 'ipv4', 'iptables-save') : null, ipv6Rules: null };
  const t = buildTopology(input);
  const gap = t.gaps.find((g) => g.about?.kind === 'network' && g.about.id === victim.id);
  const notKnown = (sheet: { sections: readonly { heading: string; rows: readonly { value: { kind: string } }[] }[] }) =>
    sheet.sections.find((s) => s.heading === 'Not known')?.rows.map((r) => valueText(r.value as never)) ?? [];

  it('the model attaches the gap to the network by id', () => {
    assert.ok(gap, JSON.stringify(t.gaps));
    assert.match(gap.subject, /bridge$/, 'its text says "bridge" — which the built-in network `bridge` is named too');
  });

  it("the network's sheet shows it; the `bridge` and `host` networks' sheets do not", () => {
    const byName = (n: string) => t.networks.find((x) => x.name === n)!;
    assert.deepEqual(notKnown(networkSheet('local', t, byName(victim.name))), [`unknown (${gap!.reason})`]);
    assert.deepEqual(notKnown(networkSheet('local', t, byName('bridge'))), []);
    assert.deepEqual(notKnown(networkSheet('local', t, byName('host'))), []);
    for (const n of t.networks.filter((x) => x.id !== victim.id)) {
      assert.ok(!JSON.stringify(inspectSheetView(networkSheet('local', t, n), { canShowTopology: false })).includes(JSON.stringify(gap!.reason)), `${n.name}'s pane`);
      const facts = itemFacts(t, topologyIds.network(n.id));
      assert.ok(!(facts?.sections ?? []).some((s) => s.heading === 'Not known'), `${n.name}'s drill-down`);
    }
    assert.ok((itemFacts(t, topologyIds.network(victim.id))?.sections ?? []).some((s) => s.heading === 'Not known' && s.rows.length === 1));
  });

  it('a gap recorded without a subject is shown with the host, not matched by name', () => {
    // lab-20.10 was recorded before gaps carried `about`: its publish gaps name containers in text only
    const lab = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/topology/lab-20.10.json'), 'utf8')) as Topology;
    const old = lab.gaps.filter((g) => !g.about);
    assert.ok(old.length > 0);
    const w1 = lab.containers.find((c) => old.some((g) => g.subject.includes(c.name)))!;
    assert.deepEqual(notKnown(containerSheet('local', lab, w1)), []);
    assert.deepEqual(notKnown(hostSheet('local', lab)), old.map((g) => `unknown (${g.reason})`));
  });
});
