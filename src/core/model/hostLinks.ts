/**
 * What joins several Docker hosts (`netlens topology --docker-host A --docker-host B`): for each
 * host, the way its kernel would send a packet to each address of the other — the route it picks
 * (longest prefix, as routeLookup does for a trace) and the interface it leaves by. Only the
 * underlay counts: the other host's addresses on bridges Docker made and on its containers' veths are left out
 * (every host has its own docker0 at 172.17.0.1, which says nothing of how the hosts meet), and so
 * are routes by Docker's bridges. A host whose facts were not read links to nothing, saying why.
 */
import type { Topology } from './types';
import { hostNamespace } from '../route/namespaces';
import { lookupRoute, sourceAddress } from '../route/routeLookup';

export interface HostLink {
  /** index of the sending host's model in the list, and its name */
  readonly from: number;
  readonly fromName: string;
  readonly to: number;
  readonly toName: string;
  /** the other host's address this way reaches, and the interface it sits on there */
  readonly address: string;
  readonly toInterface: string;
  /** the sending host's route and the interface it leaves by; `direct` when on the same link (no gateway) */
  readonly route: string;
  readonly dev: string;
  readonly via: string | null;
  readonly direct: boolean;
}

/**
 * An overlay network's VXLAN tunnel from one host to another: the sending host's vxlan0 has
 * forwarding entries whose remote (dst) is an underlay address of the other host. Its packets are
 * UDP to `port` from `local` to `remote`, leaving by `dev` as the sending kernel routes them.
 */
export interface OverlayTunnel {
  readonly from: number;
  readonly fromName: string;
  readonly to: number;
  readonly toName: string;
  readonly networkId: string;
  readonly networkName: string;
  /** the VNI the sending kernel's vxlan0 holds (the engine's where the kernel's was not read) */
  readonly vni: number | null;
  /** UDP destination port of the encapsulated packets */
  readonly port: number | null;
  /** the underlay source address the sending kernel picks for `remote` (null when it has no route) */
  readonly local: string | null;
  readonly remote: string;
  /** the interface and route by which the sending host reaches `remote`, null when it has none */
  readonly dev: string | null;
  readonly route: string | null;
  /** the overlay namespace of the same network on the far host, null when it has none (or it was not read) */
  readonly farNamespace: string | null;
  /** the remote endpoints (MAC, overlay addresses) the forwarding entries put behind this tunnel */
  readonly endpoints: readonly { readonly mac: string; readonly addresses: readonly string[] }[];
}

export interface HostLinks {
  readonly links: readonly HostLink[];
  /** pairs that could not be joined, and why */
  readonly unknown: readonly string[];
  /** overlay tunnels between the hosts (absent from results of older builds) */
  readonly tunnels?: readonly OverlayTunnel[];
}

/** The host's name and the engine it serves: two hosts in one machine's namespaces share a hostname. */
export function nameOf(t: Topology, i: number): string {
  return `${t.host?.hostname ?? (t.engine.name || `engine #${i + 1}`)} (${t.engine.endpoint.url})`;
}

/** Each host's routes to each other host's underlay addresses (IPv4). */
export function hostLinks(models: readonly Topology[]): HostLinks {
  const links: HostLink[] = [];
  const unknown: string[] = [];
  models.forEach((a, i) => {
    const ns = hostNamespace(a);
    const dockerBridges = new Set((a.host?.interfaces ?? []).filter((x) => x.dockerNetworkId !== null).map((x) => x.name));
    models.forEach((b, j) => {
      if (i === j) return;
      if (!ns || !a.host) {
        unknown.push(`${nameOf(a, i)} → ${nameOf(b, j)}: the host facts of ${nameOf(a, i)} were not read`);
        return;
      }
      if (!b.host) {
        unknown.push(`${nameOf(a, i)} → ${nameOf(b, j)}: the host facts of ${nameOf(b, j)} were not read`);
        return;
      }
      const targets = b.host.interfaces
        // not a container's cable or a bridge port: a veth that is the link itself (hosts in namespaces) stays
        .filter((x) => x.kind !== 'loopback' && x.dockerNetworkId === null && x.master === null && x.peerContainerId === null && !x.peerDockerNetns && x.state !== 'DOWN')
        .flatMap((x) => x.addressDetails.filter((d) => d.family === 'inet' && d.scope === 'global').map((d) => ({ address: d.address, iface: x.name })));
      for (const t of targets) {
        const choice = lookupRoute(ns, t.address);
        if (choice.kind !== 'route' || dockerBridges.has(choice.dev)) continue;
        links.push({
          from: i,
          fromName: nameOf(a, i),
          to: j,
          toName: nameOf(b, j),
          address: t.address,
          toInterface: t.iface,
          route: choice.text,
          dev: choice.dev,
          via: choice.route.gateway,
          direct: choice.route.gateway === null && choice.route.dst !== 'default',
        });
      }
    });
  });
  return { links, unknown, tunnels: overlayTunnels(models, unknown) };
}

/** Each host's global IPv4/IPv6 addresses, to find which host a forwarding entry's dst is. */
function addressesOf(t: Topology): Set<string> {
  return new Set((t.host?.interfaces ?? []).flatMap((x) => x.addressDetails.filter((d) => d.scope === 'global').map((d) => d.address)));
}

/**
 * The VXLAN tunnels: for each host's overlay network whose forwarding entries are known, one tunnel
 * per other host that holds a dst address of them. A dst that is no address of any host read here
 * stays out of the tunnels and is said in `unknown`; a host whose forwarding entries were not read
 * says so there too.
 */
function overlayTunnels(models: readonly Topology[], unknown: string[]): OverlayTunnel[] {
  const tunnels: OverlayTunnel[] = [];
  const owned = models.map(addressesOf);
  models.forEach((a, i) => {
    const ns = hostNamespace(a);
    for (const n of a.networks) {
      const ov = n.overlay;
      if (!ov?.remotes) continue;
      if (!ov.remotes.known) {
        unknown.push(`${nameOf(a, i)}: overlay ${n.name}'s tunnels: ${ov.remotes.reason}`);
        continue;
      }
      const byDst = new Map<string, { mac: string; addresses: readonly string[] }[]>();
      for (const r of ov.remotes.value) byDst.set(r.underlay, [...(byDst.get(r.underlay) ?? []), { mac: r.mac, addresses: r.addresses }]);
      for (const [remote, endpoints] of byDst) {
        const j = owned.findIndex((set, k) => k !== i && set.has(remote));
        if (j < 0) {
          unknown.push(`${nameOf(a, i)}: overlay ${n.name} reaches ${endpoints.length} endpoint(s) at ${remote}, an address of no host read here`);
          continue;
        }
        const choice = ns ? lookupRoute(ns, remote) : null;
        const route = choice?.kind === 'route' ? choice : null;
        const far = models[j]!.networks.find((x) => x.id === n.id)?.overlay;
        tunnels.push({
          from: i,
          fromName: nameOf(a, i),
          to: j,
          toName: nameOf(models[j]!, j),
          networkId: n.id,
          networkName: n.name,
          vni: ov.vxlan?.vni ?? ov.engineVni,
          port: ov.vxlan?.port ?? null,
          local: route && ns ? sourceAddress(ns, route, remote) : null,
          remote,
          dev: route?.dev ?? null,
          route: route?.text ?? null,
          farNamespace: far?.namespacePresent ? far.namespace : null,
          endpoints,
        });
      }
    }
  });
  return tunnels;
}

/** Text lines for the CLI: one per link, then what could not be joined. */
export function formatHostLinks(h: HostLinks): string[] {
  const out = ['Between the hosts:'];
  if (h.links.length === 0 && h.unknown.length === 0) out.push('  no route from one host to another was found');
  for (const l of h.links) out.push(`  ${l.fromName} → ${l.toName} ${l.address} (${l.toInterface}): ${l.direct ? 'on the same link' : `via ${l.via ?? 'the default route'}`}, dev ${l.dev} — route ${l.route}`);
  for (const t of h.tunnels ?? []) {
    const via = t.dev ? `dev ${t.dev}` : 'no route';
    out.push(`  ${t.fromName} → ${t.toName}: overlay ${t.networkName} VXLAN VNI ${t.vni ?? '?'} udp/${t.port ?? '?'} ${t.local ?? '?'} → ${t.remote} (${via}), ${t.endpoints.length} endpoint(s) there${t.farNamespace ? `, namespace ${t.farNamespace}` : ''}`);
  }
  for (const u of h.unknown) out.push(`  ? ${u}`);
  return out;
}
