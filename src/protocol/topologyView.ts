/**
 * What the topology webview is sent: a view of the model, not the model. It leaves out what only
 * the extension host needs — the parsed rulesets, which a trace walks and which make up most of a
 * busy host's snapshot — and keeps the rest under the model's names, so the layout and the
 * presentation (src/protocol/facts) read it as they read a Topology.
 */
import type { ComposeProject, HostNode, Topology, TopologyWithoutRules } from '../core/model/types';

/**
 * The model without its rulesets, and the Compose projects derived from its labels
 * (src/core/model/projects.ts; the protocol takes no values from the core, so the sender derives
 * them). Every snapshot since protocol 3 carries `projects` (isSnapshotNotification checks it); a
 * view built from a bare Topology (the layout's Node tests) has none, and draws no frames.
 */
export type TopologyView = TopologyWithoutRules & { readonly projects?: readonly ComposeProject[] };

function hostView(h: HostNode): TopologyView['host'] {
  const { ipv4: _ipv4, ipv6: _ipv6, ...firewall } = h.firewall;
  return { ...h, firewall };
}

export function topologyView(t: Topology, projects: readonly ComposeProject[]): TopologyView {
  return { ...t, host: t.host ? hostView(t.host) : null, projects };
}
