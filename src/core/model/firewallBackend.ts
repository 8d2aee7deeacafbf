/**
 * Which firewall backend Docker programs on this host, and on whose word. Engines from API 1.49
 * (Docker 28) say it in GET /info (`FirewallBackend.Driver`: iptables, nftables, either with
 * `+firewalld`); older ones say nothing, and then the best netlens can do is infer the iptables
 * flavour from `iptables -V` on the host — shown as inferred, never as the engine's word.
 *
 * One sentence for the CLI, the sidebar and the webview, so all three say the same thing.
 */
import type { EngineInfo } from '../docker/types';
import type { FirewallBackendSource } from './types';

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
