/**
 * What the topology webview is sent: a view of the model, not the model. It leaves out what only
 * the extension host needs — the parsed rulesets, which a trace walks and which make up most of a
 * busy host's snapshot — and keeps the rest under the model's names, so the layout and the
 * presentation (src/protocol/facts) read it as they read a Topology.
 */
import type { HostNode, Topology, TopologyWithoutRules } from '../core/model/types';

export type TopologyView = TopologyWithoutRules;

function hostView(h: HostNode): TopologyView['host'] {
  const { ipv4: _ipv4, ipv6: _ipv6, ...firewall } = h.firewall;
  return { ...h, firewall };
}

export function topologyView(t: Topology): TopologyView {
  return { ...t, host: t.host ? hostView(t.host) : null };
}
