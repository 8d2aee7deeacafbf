/** The firewall backend in words, and whose word it is: the engine's report or netlens' inference. */
import type { FirewallBackendFacts } from '../../core/model/firewallBackend';
import type { FirewallNode, TopologyWithoutRules } from '../../core/model/types';

/**
 * The backend facts of a topology. Models recorded before `backendSource` existed chose the same
 * way (the engine's report, else `iptables -V`), so the source follows from the engine's field.
 */
function firewallBackendOf(t: TopologyWithoutRules): FirewallBackendFacts {
  const fw: Omit<FirewallNode, 'ipv4' | 'ipv6'> | undefined = t.host?.firewall;
  // without host facts only the engine can say (decideFirewallBackend in src/core/model/firewallBackend.ts)
  if (!fw) return t.engine.firewallBackend !== null ? { backend: t.engine.firewallBackend, backendSource: 'engine', backendInfo: t.engine.firewallBackendInfo ?? [] } : { backend: null, backendSource: null, backendInfo: [] };
  if (fw.backendSource !== undefined) return { backend: fw.backend, backendSource: fw.backendSource, backendInfo: fw.backendInfo ?? [] };
  if (fw.backend === null) return { backend: null, backendSource: null, backendInfo: [] };
  const fromEngine = t.engine.firewallBackend !== null && t.engine.firewallBackend === fw.backend;
  return { backend: fw.backend, backendSource: fromEngine ? 'engine' : 'iptables-version', backendInfo: fromEngine ? (t.engine.firewallBackendInfo ?? []) : [] };
}

/**
 * e.g. `nftables (reported by the engine)`,
 * `iptables+firewalld (reported by the engine: ReloadedAt 2025-01-01T00:00:00Z)`,
 * `nftables (netavark's driver, seen in the rules it wrote: table inet netavark; Podman does not say)`,
 * `iptables-nft (inferred from iptables -V; the engine does not say)`.
 */
export function firewallBackendText(t: TopologyWithoutRules): string {
  const f = firewallBackendOf(t);
  if (f.backend === null) return 'unknown (the engine does not say, and iptables -V was not read)';
  if (f.backendSource === 'engine') {
    const details = f.backendInfo.map(([label, value]) => `${label} ${value}`).join(', ');
    return `${f.backend} (reported by the engine${details ? `: ${details}` : ''})`;
  }
  if (f.backendSource === 'netavark-rules') {
    const seen = f.backendInfo.find(([label]) => label === 'seen')?.[1];
    return `${f.backend} (netavark's driver, seen in the rules it wrote${seen ? `: ${seen}` : ''}; Podman does not say)`;
  }
  return `${f.backend} (inferred from iptables -V; the engine does not say)`;
}
