/**
 * The snapshot the topology webview is sent (protocol 5): the drawn engine's view and, with several
 * engines configured, every other engine's view beside it, the underlay links between the hosts and
 * the overlays' VXLAN tunnels (src/core/model/hostLinks.ts), each side keyed by its connection key. No vscode here: the panel
 * and the tests build the same message.
 */
import { composeProjects } from '../../core/model/projects';
import { hostLinks, nameOf } from '../../core/model/hostLinks';
import type { Topology } from '../../core/model/types';
import type { HostLinkUnknown, HostLinkView, HostTunnelView, SeveralHosts, SnapshotNotification } from '../../protocol/topologyProtocol';
import { topologyProtocolVersion } from '../../protocol/topologyProtocol';
import { topologyView } from '../../protocol/topologyView';

/** One configured engine as the panel knows it: its model, or why there is none. */
export interface EngineModel {
  readonly key: string;
  readonly label: string;
  readonly topology: Topology | undefined;
  /** why there is no model (the engine's error), null while connecting or when there is one */
  readonly reason: string | null;
}

const view = (t: Topology) => topologyView(t, composeProjects(t));

/** Every host side by side and what joins them; null for fewer than two engines or a drawn engine not among them. */
export function severalHosts(self: string, engines: readonly EngineModel[]): SeveralHosts | null {
  if (engines.length < 2 || !engines.some((e) => e.key === self)) return null;
  const present = engines.filter((e): e is EngineModel & { topology: Topology } => e.topology !== undefined);
  const joined = hostLinks(present.map((e) => e.topology));
  const links: HostLinkView[] = joined.links.map((l) => ({
    from: present[l.from]!.key,
    fromInterface: l.dev,
    to: present[l.to]!.key,
    toInterface: l.toInterface,
    address: l.address,
    direct: l.direct,
    via: l.via,
    route: l.route,
  }));
  const tunnels: HostTunnelView[] = (joined.tunnels ?? []).map((t) => ({
    from: present[t.from]!.key,
    fromInterface: t.dev,
    to: present[t.to]!.key,
    networkId: t.networkId,
    networkName: t.networkName,
    vni: t.vni,
    port: t.port,
    local: t.local,
    remote: t.remote,
  }));
  const unknown: HostLinkUnknown[] = [];
  present.forEach((a, i) =>
    present.forEach((b, j) => {
      if (i === j) return;
      // hostLinks names each pair it could not join as `<from> → <to>: <why>`
      const head = `${nameOf(a.topology, i)} → ${nameOf(b.topology, j)}: `;
      for (const u of joined.unknown.filter((x) => x.startsWith(head))) unknown.push({ from: a.key, to: b.key, reason: u.slice(head.length) });
    }),
  );
  const anchor = present.find((e) => e.key === self) ?? present[0];
  for (const e of engines.filter((x) => x.topology === undefined)) {
    if (anchor) unknown.push({ from: anchor.key, to: e.key, reason: `the model of ${e.label} was not read${e.reason ? `: ${e.reason}` : ' yet'}` });
  }
  return {
    self,
    sides: engines.map((e) => ({ key: e.key, label: e.label, view: e.key === self || !e.topology ? null : view(e.topology), reason: e.topology ? null : e.reason ?? 'not read yet' })),
    links,
    tunnels,
    unknown,
  };
}

/** The model as the webview gets it: a TopologyView, with the protocol version it is written in, and the other hosts beside it. */
export function topologySnapshot(t: Topology | undefined, reason: string, engines?: { readonly self: string; readonly all: readonly EngineModel[] }): SnapshotNotification {
  return { type: 'snapshot', protocolVersion: topologyProtocolVersion, view: t ? view(t) : null, reason, hosts: engines ? severalHosts(engines.self, engines.all) : null };
}
