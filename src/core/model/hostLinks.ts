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
import { lookupRoute } from '../route/routeLookup';

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

export interface HostLinks {
  readonly links: readonly HostLink[];
  /** pairs that could not be joined, and why */
  readonly unknown: readonly string[];
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
  return { links, unknown };
}

/** Text lines for the CLI: one per link, then what could not be joined. */
export function formatHostLinks(h: HostLinks): string[] {
  const out = ['Between the hosts:'];
  if (h.links.length === 0 && h.unknown.length === 0) out.push('  no route from one host to another was found');
  for (const l of h.links) out.push(`  ${l.fromName} → ${l.toName} ${l.address} (${l.toInterface}): ${l.direct ? 'on the same link' : `via ${l.via ?? 'the default route'}`}, dev ${l.dev} — route ${l.route}`);
  for (const u of h.unknown) out.push(`  ? ${u}`);
  return out;
}
