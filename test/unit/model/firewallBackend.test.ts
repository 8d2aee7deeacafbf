/**
 * The firewall backend in the model and in the three views that show it. Inputs are recordings:
 * the seed lab's engine and host facts (Engine 20.10, which reports no backend, on a host whose
 * `iptables -V` says nf_tables), the 20.10 `/info` with Engine 28.5.2's FirewallBackend member laid
 * over it (test/fixtures/docker/README.md), and recorded topologies from before the model kept the
 * backend's source. The CLI, the sidebar and the webview must say the same words.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopology } from '../../../src/cli/renderTopology';
import { normaliseInfo } from '../../../src/core/docker/normalise';
import type { EngineFacts, EngineInfo } from '../../../src/core/docker/types';
import type { HostFacts } from '../../../src/core/host/types';
import { unknown } from '../../../src/core/known';
import { buildTopology } from '../../../src/core/model/build';
import { firewallBackendText } from '../../../src/protocol/facts/firewallText';
import type { Topology } from '../../../src/core/model/types';
import { hostSheet } from '../../../src/extension/facts/sheets';
import { valueText } from '../../../src/protocol/facts/sheet';
import type { EngineView } from '../../../src/extension/engines/engineStatus';
import { engineRoot } from '../../../src/extension/trees/engineRoots';
import { topologyIds } from '../../../src/protocol/topologyIds';
import { itemFacts } from '../../../webview/itemFacts';
import { fixtureJson } from '../../support/engineReplayServer';
import { loadTopologyFixture } from '../../support/topologyFixtures';

interface Recorded {
  engine: EngineFacts;
  host: HostFacts;
}
const rec = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/model/seed-lab.json'), 'utf8')) as Recorded;

const endpoint = rec.engine.info.endpoint;
const raw2010 = fixtureJson('info.json') as Record<string, unknown>;
const info2010 = normaliseInfo(raw2010, fixtureJson('version.json'), endpoint);
const info28 = normaliseInfo({ ...raw2010, ...(fixtureJson('info-28.5.2-firewall.json') as Record<string, unknown>) }, fixtureJson('version.json'), endpoint);

function model(info: EngineInfo, host: HostFacts | null = rec.host): Topology {
  return buildTopology({ engine: { ...rec.engine, info }, host, ipv4Rules: null, ipv6Rules: null });
}

const recordedIptablesV = (): string => {
  assert.ok(rec.host.iptablesVersion.known);
  return rec.host.iptablesVersion.value;
};

/** The words each view shows for the backend: CLI header, host sheet, Host tree, webview host facts. */
function shownIn(t: Topology): { cli: string | undefined; sheet: string | undefined; tree: string | undefined; webview: string | undefined } {
  const cli = renderTopology(t).split('\n').find((l) => l.startsWith('firewall '))?.slice('firewall '.length);
  const found = t.host ? hostSheet('local', t).sections.flatMap((s) => s.rows).find((r) => r.label === 'Firewall backend') : undefined;
  const sheet = found ? valueText(found.value) : undefined;
  const view: EngineView = { key: 'local', label: 'local', status: { kind: 'connected', since: t.collectedAt }, topology: t };
  const tree = engineRoot('host', view).children.find((c) => c.label === 'Firewall backend')?.description;
  const nic = t.host?.interfaces.find((i) => i.kind === 'physical');
  const facts = itemFacts(t, nic ? topologyIds.hostInterface(nic.name) : topologyIds.group('host'));
  const row = facts?.sections.flatMap((s) => s.rows).find((r) => r.label === 'Firewall backend');
  const webview = row ? valueText(row.value) : undefined;
  return { cli, sheet, tree, webview };
}

describe('model: the firewall backend and where it came from', () => {
  it('infers it from the recorded iptables -V when the engine says nothing (Engine 20.10)', () => {
    assert.equal(info2010.firewallBackend, null);
    assert.match(recordedIptablesV(), /\(nf_tables\)/);
    const fw = model(info2010).host!.firewall;
    assert.equal(fw.backend, 'iptables-nft');
    assert.equal(fw.backendSource, 'iptables-version');
    assert.deepEqual(fw.backendInfo, []);
    assert.equal(fw.iptablesVersion, recordedIptablesV());
  });

  it("takes the engine's word where it gives one (Engine 28.5.2), keeping iptables -V beside it", () => {
    const fw = model(info28).host!.firewall;
    assert.equal(fw.backend, 'iptables');
    assert.equal(fw.backendSource, 'engine');
    assert.deepEqual(fw.backendInfo, []);
    assert.equal(fw.iptablesVersion, recordedIptablesV());
  });

  it('is unknown, not guessed, when the engine says nothing and iptables -V was not read', () => {
    const fw = model(info2010, { ...rec.host, iptablesVersion: unknown('iptables: not found') }).host!.firewall;
    assert.equal(fw.backend, null);
    assert.equal(fw.backendSource, null);
    assert.equal(firewallBackendText(model(info2010, null)), 'unknown (the engine does not say, and iptables -V was not read)');
  });

  it("still says the engine's word without a host shell", () => {
    const t = model(info28, null);
    assert.equal(t.host, null);
    assert.equal(firewallBackendText(t), 'iptables (reported by the engine)');
  });

  it("names the engine's Info pairs after its word", () => {
    // Not a recording (no Engine 29 runs here): moby's FirewallInfo shape, Driver plus [label, value] pairs.
    const info29 = normaliseInfo({ ...raw2010, FirewallBackend: { Driver: 'nftables+firewalld', Info: [['ReloadedAt', '2025-01-01T00:00:00Z']] } }, fixtureJson('version.json'), endpoint);
    const t = model(info29);
    assert.deepEqual(t.host!.firewall.backendInfo, [['ReloadedAt', '2025-01-01T00:00:00Z']]);
    assert.equal(firewallBackendText(t), 'nftables+firewalld (reported by the engine: ReloadedAt 2025-01-01T00:00:00Z)');
  });
});

describe('views: the CLI header, the host sheet and tree, and the webview say the same', () => {
  it("shows the engine's word as the engine's", () => {
    const words = 'iptables (reported by the engine)';
    assert.deepEqual(shownIn(model(info28)), { cli: words, sheet: words, tree: words, webview: words });
  });

  it('shows an inference as an inference', () => {
    const words = 'iptables-nft (inferred from iptables -V; the engine does not say)';
    assert.deepEqual(shownIn(model(info2010)), { cli: words, sheet: words, tree: words, webview: words });
  });

  it('reads models recorded before the source was kept: Engine 20.10 said nothing, so the backend was inferred', () => {
    const lab = loadTopologyFixture('lab-20.10');
    assert.equal(lab.engine.firewallBackend, null);
    assert.equal(lab.host?.firewall.backendSource, undefined);
    const words = 'iptables-nft (inferred from iptables -V; the engine does not say)';
    assert.deepEqual(shownIn(lab), { cli: words, sheet: words, tree: words, webview: words });
  });

  it('shows host facts on the placeholder the webview draws when the host has no NIC', () => {
    const t = model(info28, null);
    const facts = itemFacts(t, topologyIds.group('host'));
    const row = facts?.sections.flatMap((s) => s.rows).find((r) => r.label === 'Firewall backend');
    assert.equal(row && valueText(row.value), 'iptables (reported by the engine)');
    assert.equal(renderTopology(t).split('\n')[1], 'firewall iptables (reported by the engine)');
  });
});
