/**
 * The firewall backend in the model and in the three views that show it. Inputs are recordings:
 * the seed lab's engine and host facts (Engine 20.10, which reports no backend, on a host whose
 * `iptables -V` says nf_tables), the 20.10 `/info` with Engine 28.5.2's FirewallBackend member laid
 * over it (test/fixtures/docker/README.md).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseInfo } from '../../../src/core/docker/normalise';
import type { EngineFacts, EngineInfo } from '../../../src/core/docker/types';
import type { HostFacts } from '../../../src/core/host/types';
import { unknown } from '../../../src/core/known';
import { buildTopology } from '../../../src/core/model/build';
import { firewallBackendText } from '../../../src/core/model/firewallBackend';
import type { Topology } from '../../../src/core/model/types';
import { fixtureJson } from '../../support/engineReplayServer';

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
