/**
 * Which firewall backend Docker programs on this host, and on whose word. Engines from API 1.49
 * (Docker 28) say it in GET /info (`FirewallBackend.Driver`: iptables, nftables, either with
 * `+firewalld`); older ones say nothing, and then the best netlens can do is infer the iptables
 * flavour from `iptables -V` on the host — shown as inferred, never as the engine's word.
 *
 * One sentence for the CLI, the sidebar and the webview, so all three say the same thing.
 */
import type { EngineInfo } from '../docker/types';
import type { FirewallBackendSource, FirewallNode, Topology } from './types';

export interface FirewallBackendFacts {
  readonly backend: string | null;
  readonly backendSource: FirewallBackendSource | null;
  readonly backendInfo: readonly (readonly [string, string])[];
}

/** `iptables v1.8.9 (nf_tables)` → iptables-nft, `(legacy)` → iptables-legacy, an older one without either → iptables. */
function inferredFromIptablesVersion(version: string): string {
  if (version.includes('nf_tables')) return 'iptables-nft';
  if (version.includes('legacy')) return 'iptables-legacy';
  return 'iptables';
}

/** The engine's report where it gives one, else the inference from `iptables -V`, else unknown. */
export function decideFirewallBackend(info: EngineInfo, iptablesVersion: string | null): FirewallBackendFacts {
  if (info.firewallBackend !== null) {
    return { backend: info.firewallBackend, backendSource: 'engine', backendInfo: info.firewallBackendInfo ?? [] };
  }
  if (iptablesVersion !== null) return { backend: inferredFromIptablesVersion(iptablesVersion), backendSource: 'iptables-version', backendInfo: [] };
  return { backend: null, backendSource: null, backendInfo: [] };
}

/**
 * The backend facts of a topology. Models recorded before `backendSource` existed chose the same
 * way (the engine's report, else `iptables -V`), so the source follows from the engine's field.
 */
function firewallBackendOf(t: Topology): FirewallBackendFacts {
  const fw: FirewallNode | undefined = t.host?.firewall;
  if (!fw) return decideFirewallBackend(t.engine, null);
  if (fw.backendSource !== undefined) return { backend: fw.backend, backendSource: fw.backendSource, backendInfo: fw.backendInfo ?? [] };
  if (fw.backend === null) return { backend: null, backendSource: null, backendInfo: [] };
  const fromEngine = t.engine.firewallBackend !== null && t.engine.firewallBackend === fw.backend;
  return { backend: fw.backend, backendSource: fromEngine ? 'engine' : 'iptables-version', backendInfo: fromEngine ? (t.engine.firewallBackendInfo ?? []) : [] };
}

/**
 * e.g. `nftables (reported by the engine)`,
 * `iptables+firewalld (reported by the engine: ReloadedAt 2025-01-01T00:00:00Z)`,
 * `iptables-nft (inferred from iptables -V; the engine does not say)`.
 */
export function firewallBackendText(t: Topology): string {
  const f = firewallBackendOf(t);
  if (f.backend === null) return 'unknown (the engine does not say, and iptables -V was not read)';
  if (f.backendSource === 'engine') {
    const details = f.backendInfo.map(([label, value]) => `${label} ${value}`).join(', ');
    return `${f.backend} (reported by the engine${details ? `: ${details}` : ''})`;
  }
  return `${f.backend} (inferred from iptables -V; the engine does not say)`;
}
