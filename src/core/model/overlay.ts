/**
 * The overlay join. On Linux an overlay network's bridge (br0) and VXLAN device (vxlan0) live in a
 * namespace Docker makes for the network under /var/run/docker/netns/, not on the host; a
 * container's eth0 on the overlay is a veth whose peer is a port of that br0. Everything here comes
 * from the kernel (HostFacts.dockerNetns and the containers' namespaces) and the engine's listing.
 */
import type { DockerNetwork } from '../docker/types';
import type { ContainerNetns, DockerNetns, NetInterface } from '../host/types';
import { DOCKER_NETNS_DIR } from '../host/commands/dockerNetns';
import { subjects } from '../../protocol/subject';
import type { Gap, OverlayNode, OverlayPeer, OverlayPort, OverlayRemote, OverlayVxlan } from './types';
import { known, unknown, type Known } from '../known';

/** Docker's osl.GenerateKey cuts every namespace name to 12 characters. */
const KEY_LENGTH = 12;

/**
 * The namespace of an overlay network: `<epoch>-<id>` cut to 12 characters. The epoch counts how
 * often the driver re-made the sandbox (1 the first time); with several, the newest is live.
 */
export function overlayNamespaceOf(networkId: string, namespaces: readonly DockerNetns[]): DockerNetns | undefined {
  let best: { ns: DockerNetns; epoch: number } | undefined;
  for (const ns of namespaces) {
    const m = /^(\d+)-(.+)$/.exec(ns.name);
    if (!m || ns.name !== `${m[1]}-${networkId}`.slice(0, KEY_LENGTH)) continue;
    const epoch = Number(m[1]);
    if (!best || epoch > best.epoch) best = { ns, epoch };
  }
  return best?.ns;
}

/** The directory the namespaces were listed in (a daemon's own --exec-root, else Docker's default). */
function netnsDirOf(namespaces: readonly DockerNetns[]): string {
  return namespaces[0]?.path.replace(/\/[^/]+$/, '') ?? DOCKER_NETNS_DIR;
}

/** The name Docker would give the first sandbox of this network, for messages when none exists. */
export function expectedOverlayNamespace(networkId: string): string {
  return `1-${networkId}`.slice(0, KEY_LENGTH);
}

function engineVni(n: DockerNetwork): number | null {
  // a comma-separated list, one VNI per subnet; the first belongs to the first subnet
  const first = n.options['com.docker.network.driver.overlay.vxlanid_list']?.split(',')[0]?.trim();
  return first && /^\d+$/.test(first) ? Number(first) : null;
}

function numberDetail(i: NetInterface, key: string): number | null {
  const v = i.details[key];
  return typeof v === 'number' ? v : null;
}

function vxlanOf(i: NetInterface): OverlayVxlan {
  const local = i.details.local;
  return { name: i.name, index: i.index, vni: numberDetail(i, 'vxlanId'), port: numberDetail(i, 'port'), local: typeof local === 'string' ? local : null };
}

/** A veth pair's two ends name each other: our iflink is its index and its iflink is ours. */
function isPeerOf(a: NetInterface, b: NetInterface): boolean {
  return a.linkIndex === b.index && b.linkIndex === a.index;
}

export interface OverlayContext {
  /** null: Docker's namespaces are unknown (no host shell, facts without them, read failed) */
  readonly dockerNetns: readonly DockerNetns[] | null;
  /** why they are unknown, for the gap */
  readonly dockerNetnsReason: string | null;
  /** namespace owners only (not `container:<id>` sharers), keyed by container id */
  readonly containerNetns: Readonly<Record<string, ContainerNetns>>;
}

export function buildOverlay(n: DockerNetwork, hasLocalEndpoints: boolean, ctx: OverlayContext, gaps: Gap[]): OverlayNode {
  const vni = engineVni(n);
  const empty = { bridge: null, bridgeAddresses: [], vxlan: null, engineVni: vni, ports: [] };
  if (ctx.dockerNetns === null) {
    if (ctx.dockerNetnsReason) gaps.push({ subject: `network ${n.name} overlay`, reason: `Docker's network namespaces are unknown: ${ctx.dockerNetnsReason}`, about: subjects.network(n.id) });
    return { namespace: expectedOverlayNamespace(n.id), namespacePresent: null, ...empty };
  }
  const ns = overlayNamespaceOf(n.id, ctx.dockerNetns);
  if (!ns) {
    // Docker makes the namespace when the first local endpoint joins; without one its absence is normal.
    if (hasLocalEndpoints) {
      gaps.push({ subject: `network ${n.name} overlay`, reason: `containers here are attached but no namespace ${expectedOverlayNamespace(n.id)} was found under ${netnsDirOf(ctx.dockerNetns)}`, about: subjects.network(n.id) });
    }
    return { namespace: expectedOverlayNamespace(n.id), namespacePresent: false, ...empty };
  }
  if (!ns.interfaces.known) {
    gaps.push({ subject: `network ${n.name} overlay namespace ${ns.name}`, reason: ns.interfaces.reason, about: subjects.network(n.id) });
    return { namespace: ns.name, namespacePresent: true, ...empty };
  }
  const inside = ns.interfaces.value;
  const vxlanDev = inside.find((i) => i.kind === 'vxlan');
  // The bridge is the vxlan device's master; fall back to the only bridge there is.
  const bridge = inside.find((i) => i.kind === 'bridge' && i.name === vxlanDev?.master) ?? inside.find((i) => i.kind === 'bridge');
  const ports: OverlayPort[] = bridge
    ? inside.filter((i) => i.master === bridge.name && i.kind === 'veth').map((p) => ({ ...portPeer(p, ns, ctx), name: p.name, index: p.index, state: typeof p.details.portState === 'string' ? p.details.portState : null }))
    : [];
  const remotes = remotesOf(ns, vxlanDev);
  return {
    namespace: ns.name,
    namespacePresent: true,
    bridge: bridge?.name ?? null,
    bridgeAddresses: bridge ? bridge.addresses.map((a) => `${a.address}/${a.prefixLen}`) : [],
    vxlan: vxlanDev ? vxlanOf(vxlanDev) : null,
    engineVni: vni,
    ports,
    ...(remotes ? { remotes } : {}),
  };
}

/**
 * The endpoints behind the tunnel: vxlan0's forwarding entries with a remote (dst) address, joined
 * to the neighbour entries Docker writes on vxlan0 for the same MAC. Undefined where the forwarding
 * table was not part of the facts (recordings from before netlens read it).
 */
function remotesOf(ns: DockerNetns, vxlanDev: NetInterface | undefined): Known<readonly OverlayRemote[]> | undefined {
  if (!ns.fdb) return undefined;
  if (!ns.fdb.known) return ns.fdb;
  if (!vxlanDev) return known([]);
  const neighbours = ns.neighbours.known ? ns.neighbours.value.filter((n) => n.dev === vxlanDev.name && n.lladdr !== null) : null;
  if (neighbours === null && !ns.neighbours.known) return unknown(`the neighbour table of ${ns.name} is unknown: ${ns.neighbours.reason}`);
  const out: OverlayRemote[] = [];
  for (const e of ns.fdb.value) {
    if (e.dev !== vxlanDev.name || e.dst === null) continue;
    const mac = e.mac.toLowerCase();
    out.push({ mac, underlay: e.dst, addresses: (neighbours ?? []).filter((n) => n.lladdr?.toLowerCase() === mac).map((n) => n.dst) });
  }
  return known(out);
}

function portPeer(p: NetInterface, own: DockerNetns, ctx: OverlayContext): Pick<OverlayPort, 'peerContainerId' | 'peerNamespace' | 'peerInterface'> {
  for (const [id, ns] of Object.entries(ctx.containerNetns)) {
    const hit = ns.interfaces.known ? ns.interfaces.value.find((x) => isPeerOf(x, p)) : undefined;
    if (hit) return { peerContainerId: id, peerNamespace: null, peerInterface: hit.name };
  }
  for (const ns of ctx.dockerNetns ?? []) {
    if (ns === own || !ns.interfaces.known) continue;
    const hit = ns.interfaces.value.find((x) => isPeerOf(x, p));
    if (hit) return { peerContainerId: null, peerNamespace: ns.name, peerInterface: hit.name };
  }
  return { peerContainerId: null, peerNamespace: null, peerInterface: null };
}

/** The overlay-side end of a container interface (its veth peer in the overlay's namespace). */
export function overlayPeerOf(containerIface: NetInterface, overlay: OverlayNode, namespaces: readonly DockerNetns[] | null): OverlayPeer | null {
  const ns = namespaces?.find((x) => x.name === overlay.namespace);
  if (!ns || !ns.interfaces.known) return null;
  const hit = ns.interfaces.value.find((x) => isPeerOf(x, containerIface));
  return hit ? { namespace: ns.name, interface: hit.name, index: hit.index, bridge: hit.master } : null;
}
