/**
 * Which firewall backend Docker programs on this host, and on whose word. Engines from API 1.49
 * (Docker 28) say it in GET /info (`FirewallBackend.Driver`: iptables, nftables, either with
 * `+firewalld`); older ones say nothing, and then the best netlens can do is infer the iptables
 * flavour from `iptables -V` on the host — shown as inferred, never as the engine's word.
 *
 * Podman says nothing either: its firewall is netavark's, whose driver shows in what it wrote —
 * `table inet netavark` (the nftables driver, Podman 5's default) or NETAVARK chains in iptables'
 * tables (the iptables driver, Podman 4's netavark). That is netavark's own work, seen in the
 * ruleset: said as such, ahead of the `iptables -V` inference (which names iptables' flavour, not
 * whether netavark uses it).
 *
 * One sentence for the CLI, the sidebar and the webview, so all three say the same thing.
 */
import type { EngineInfo } from '../docker/types';
import type { Ruleset } from '../netfilter/types';
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

/** The driver netavark's own rules show: its nft table, or its chains in iptables' tables; null when neither is there. */
export function netavarkDriver(rules: Ruleset | null): { driver: 'nftables' | 'iptables'; seen: string } | null {
  if (!rules) return null;
  if (rules.tables['inet netavark']) return { driver: 'nftables', seen: 'table inet netavark' };
  for (const t of Object.values(rules.tables)) {
    if (t.nftFamily !== undefined) continue;
    const chain = Object.keys(t.chains).find((c) => /^NETAVARK[-_]/.test(c));
    if (chain) return { driver: 'iptables', seen: `chain ${chain} in iptables' ${t.name} table` };
  }
  return null;
}

/**
 * The engine's report where it gives one; for Podman the driver netavark's rules show; else the
 * inference from `iptables -V`, else unknown.
 */
export function decideFirewallBackend(info: EngineInfo, iptablesVersion: string | null, rules: Ruleset | null = null): FirewallBackendFacts {
  if (info.firewallBackend !== null) {
    return { backend: info.firewallBackend, backendSource: 'engine', backendInfo: info.firewallBackendInfo ?? [] };
  }
  const netavark = info.product === 'podman' ? netavarkDriver(rules) : null;
  if (netavark) return { backend: netavark.driver, backendSource: 'netavark-rules', backendInfo: [['seen', netavark.seen]] };
  if (iptablesVersion !== null) return { backend: inferredFromIptablesVersion(iptablesVersion), backendSource: 'iptables-version', backendInfo: [] };
  return { backend: null, backendSource: null, backendInfo: [] };
}
