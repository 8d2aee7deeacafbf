/**
 * Raw Engine API JSON (list calls) → the typed, camelCase facts of ./types. Pure, so the unit tests
 * run it on recorded answers of a real engine.
 */
import { NetlensError } from '../errors';
import { RawReader, asArray } from './rawFields';
import type {
  DockerContainer,
  DockerEndpoint,
  DockerMount,
  DockerNetwork,
  DockerPort,
  DockerVolume,
  EngineEndpoint,
  EngineInfo,
  EngineProduct,
  IpamConfig,
} from './types';

export function normaliseInfo(rawInfo: unknown, rawVersion: unknown, endpoint: EngineEndpoint): EngineInfo {
  const info = RawReader.of(rawInfo, 'GET /info');
  const version = RawReader.of(rawVersion, 'GET /version');
  const swarm = info.optObj('Swarm');
  const driverStatus = info.arr('DriverStatus');
  // API 1.49+ (Docker 28 on) reports {"FirewallBackend": {"Driver": …, "Info": [[label, value], …]}};
  // older engines, and engines off Linux, leave it out.
  const firewall = info.optObj('FirewallBackend');
  return {
    endpoint,
    name: info.str('Name'),
    version: version.str('Version'),
    apiVersion: version.str('ApiVersion'),
    os: info.optStr('OperatingSystem') ?? version.str('Os'),
    kernelVersion: info.optStr('KernelVersion') ?? version.optStr('KernelVersion') ?? '',
    storageDriver: info.str('Driver'),
    firewallBackend: firewall ? firewall.optStr('Driver') : null,
    firewallBackendInfo: firewall ? labelValuePairs(firewall, 'Info') : [],
    swarm: {
      state: swarm ? (swarm.optStr('LocalNodeState') ?? 'inactive') : 'inactive',
      nodeAddr: swarm ? swarm.optStr('NodeAddr') : null,
    },
    containerdImageStore: usesContainerdSnapshotter(driverStatus),
    product: productOf(version),
  };
}

/**
 * `podman system service` answers GET /version with a "Podman Engine" component beside Conmon and
 * the OCI runtime; Docker's components are "Engine", containerd, runc, docker-init.
 */
function productOf(version: RawReader): EngineProduct {
  const components = version.arr('Components');
  return components.some((c) => typeof c === 'object' && c !== null && (c as { Name?: unknown }).Name === 'Podman Engine') ? 'podman' : 'docker';
}

/**
 * What Podman's Docker-compatible API (4.x) leaves out, and where netlens reads it instead. Said on
 * the model so the CLI and the sidebar show it beside the facts it affects.
 */
export const PODMAN_API_LIMITS: readonly string[] = [
  "Podman's Docker-compatible API lists no host and no none network: a container in either mode belongs to no network here, its mode is read from its inspect (HostConfig.NetworkMode)",
  'it names no bridge interface in a network\'s options: the bridge (podman0, podman1, …) is read from Podman\'s own API (GET /libpod/networks/json, network_interface)',
  'it names each container\'s network by name where Docker gives the id, and gives no endpoint ids',
  'published ports are netavark\'s DNAT rules; conmon holds the host port open but relays nothing, and there is no docker-proxy',
  'it lists each member of a pod with the pod\'s network and ports as its own: members are found in Podman\'s own container list (GET /libpod/containers/json, Pod and IsInfra) and inspected; each shares the infra container\'s namespace (container:<id>), which alone holds the endpoint and the published ports',
  'its event stream reports no network created or removed (only a container\'s disconnect): such a change shows at the next refresh',
];

/** The libpod API's version prefix: Podman's own version, validated before it goes into a path. */
export function libpodPathPrefix(info: EngineInfo): string {
  if (!/^\d+\.\d+\.\d+$/.test(info.version)) {
    throw new NetlensError('PARSE', `GET /version: Podman's Version should be major.minor.patch, got "${info.version.slice(0, 40)}"`, 'GET /version');
  }
  return `/v${info.version}/libpod`;
}

const IFNAME = /^[A-Za-z0-9_.:@+-]{1,15}$/;

/** GET /libpod/networks/json → network id → the bridge Podman made for it (network_interface). */
export function normaliseLibpodBridges(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  asArray(raw, 'GET /libpod/networks/json').forEach((n, i) => {
    const r = RawReader.of(n, `GET /libpod/networks/json [${i}]`);
    const iface = r.optStr('network_interface');
    if (iface === null || iface === '') return; // macvlan without a parent named, …
    if (!IFNAME.test(iface)) throw new NetlensError('PARSE', `${r.what}: network_interface "${iface.slice(0, 40)}" is not an interface name`, r.what);
    out.set(r.str('id'), iface);
  });
  return out;
}

/** The engine's own bridge names joined onto the networks, by id. */
export function withBridgeInterfaces(networks: readonly DockerNetwork[], bridges: ReadonlyMap<string, string>): DockerNetwork[] {
  return networks.map((n) => {
    const iface = bridges.get(n.id);
    return iface ? { ...n, bridgeInterface: iface } : n;
  });
}

/**
 * Each endpoint's NetworkID made a network id. Podman's compatible API puts the network's *name*
 * there (`"NetworkID": "nlpod-net"`); an endpoint whose NetworkID is no network's id but names one
 * gets that network's id, so every later join is by id as on Docker.
 */
export function resolveEndpointNetworks(containers: readonly DockerContainer[], networks: readonly DockerNetwork[]): DockerContainer[] {
  const ids = new Set(networks.map((n) => n.id));
  const byName = new Map(networks.map((n) => [n.name, n.id]));
  return containers.map((c) => {
    if (c.endpoints.every((e) => ids.has(e.networkId) || !byName.has(e.networkId))) return c;
    return { ...c, endpoints: c.endpoints.map((e) => (ids.has(e.networkId) ? e : { ...e, networkId: byName.get(e.networkId) ?? e.networkId })) };
  });
}

/**
 * Containers whose network mode the list leaves unsaid: Podman's list carries no HostConfig, and a
 * container in host or none mode has no network in it either. Only those are inspected.
 */
export function containersWithoutMode(raw: unknown): string[] {
  return asArray(raw, 'GET /containers/json').flatMap((c, i) => {
    const r = RawReader.of(c, `GET /containers/json [${i}]`);
    const settings = r.optObj('NetworkSettings');
    const networks = settings ? settings.entries('Networks') : [];
    return r.optObj('HostConfig') === null && networks.length === 0 ? [r.str('Id')] : [];
  });
}

/** GET /libpod/containers/json?all=true → the ids of pod members other than the pod's infra container. */
export function libpodPodMembers(raw: unknown): string[] {
  return asArray(raw, 'GET /libpod/containers/json').flatMap((c, i) => {
    const r = RawReader.of(c, `GET /libpod/containers/json [${i}]`);
    return (r.optStr('Pod') ?? '') !== '' && !r.bool('IsInfra', false) ? [r.str('Id')] : [];
  });
}

/**
 * A container whose inspect says it joined another's namespace (`container:<id>`, a pod member):
 * no endpoint and no published port of its own, as Docker lists such a container; the namespace's
 * owner holds them.
 */
export function withNetworkMode(c: DockerContainer, mode: string): DockerContainer {
  return mode.startsWith('container:') ? { ...c, networkMode: mode, endpoints: [], ports: [] } : { ...c, networkMode: mode };
}

/** GET /containers/{id}/json → HostConfig.NetworkMode. */
export function networkModeOfInspect(raw: unknown, id: string): string {
  const r = RawReader.of(raw, `GET /containers/${id.slice(0, 12)}/json`);
  const hc = r.optObj('HostConfig');
  const mode = hc?.optStr('NetworkMode');
  if (!mode) throw new NetlensError('PARSE', `${r.what}: HostConfig.NetworkMode is missing`, r.what);
  return mode;
}

/** `[["ReloadedAt", "2025-…"], …]`: each entry exactly a label and a value, as the API defines it. */
function labelValuePairs(r: RawReader, field: string): (readonly [string, string])[] {
  return r.arr(field).map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new NetlensError('PARSE', `${r.what}: field ${field}[${i}] should be a [label, value] pair of strings, got ${JSON.stringify(pair)?.slice(0, 60)}`, r.what);
    }
    return [pair[0], pair[1]] as const;
  });
}

/** The containerd image store shows as DriverStatus [["driver-type", "io.containerd.snapshotter.v1"]]. */
function usesContainerdSnapshotter(driverStatus: readonly unknown[]): boolean {
  return driverStatus.some(
    (pair) => Array.isArray(pair) && pair[0] === 'driver-type' && typeof pair[1] === 'string' && pair[1].startsWith('io.containerd.snapshotter'),
  );
}

export function normaliseNetworks(raw: unknown): DockerNetwork[] {
  return asArray(raw, 'GET /networks').map((n, i) => normaliseNetwork(n, `GET /networks [${i}]`));
}

function normaliseNetwork(raw: unknown, what: string): DockerNetwork {
  const n = RawReader.of(raw, what);
  const name = n.str('Name');
  const r = RawReader.of(raw, `${what} "${name}"`);
  const ipam = r.optObj('IPAM');
  const config: IpamConfig[] = ipam
    ? ipam.arr('Config').map((c, i) => {
        const cr = RawReader.of(c, `${r.what}.IPAM.Config[${i}]`);
        return { subnet: cr.str('Subnet'), gateway: cr.optStr('Gateway'), ipRange: cr.optStr('IPRange') };
      })
    : [];
  return {
    id: r.str('Id'),
    name,
    driver: r.str('Driver'),
    scope: r.str('Scope'),
    internal: r.bool('Internal', false),
    attachable: r.bool('Attachable', false),
    ingress: r.bool('Ingress', false),
    enableIPv6: r.bool('EnableIPv6', false),
    ipam: { driver: ipam?.optStr('Driver') ?? 'default', config },
    options: r.strMap('Options'),
    labels: r.strMap('Labels'),
    created: r.optStr('Created') ?? '',
  };
}

export function normaliseVolumes(raw: unknown): DockerVolume[] {
  const top = RawReader.of(raw, 'GET /volumes');
  return top.arr('Volumes').map((v, i) => {
    const r = RawReader.of(v, `GET /volumes .Volumes[${i}]`);
    return {
      name: r.str('Name'),
      driver: r.str('Driver'),
      mountpoint: r.optStr('Mountpoint') ?? '',
      scope: r.optStr('Scope') ?? 'local',
      labels: r.strMap('Labels'),
      options: r.strMap('Options'),
    };
  });
}

/**
 * The list carries legacy `--link` only in the *target's* Names: web listed as ["/client/alias",
 * "/web"] means client links to web as alias. Collected over the whole list so every linker gets
 * its `web:alias` entry without an inspect.
 */
function legacyLinksByLinker(list: readonly RawReader[]): Map<string, string[]> {
  const links = new Map<string, string[]>();
  for (const c of list) {
    const names = c.strArr('Names');
    const own = primaryName(names);
    for (const n of names) {
      const parts = n.replace(/^\//, '').split('/');
      if (parts.length !== 2) continue;
      const [linker, alias] = parts as [string, string];
      links.set(linker, [...(links.get(linker) ?? []), `${own}:${alias}`]);
    }
  }
  return links;
}

/** The container's own name: the entry with a single leading slash and no other. */
function primaryName(names: readonly string[]): string {
  const own = names.find((n) => n.replace(/^\//, '').indexOf('/') === -1) ?? names[0] ?? '';
  return own.replace(/^\//, '');
}

export function normaliseContainers(raw: unknown): DockerContainer[] {
  const list = asArray(raw, 'GET /containers/json').map((c, i) => {
    const r = RawReader.of(c, `GET /containers/json [${i}]`);
    const names = r.strArr('Names');
    return RawReader.of(c, `GET /containers/json [${i}] "${primaryName(names)}"`);
  });
  const links = legacyLinksByLinker(list);
  return list.map((r) => normaliseContainer(r, links));
}

function normaliseContainer(r: RawReader, legacyLinks: ReadonlyMap<string, readonly string[]>): DockerContainer {
  const name = primaryName(r.strArr('Names'));
  const hostConfig = r.optObj('HostConfig');
  const settings = r.optObj('NetworkSettings');
  const endpoints = settings ? settings.entries('Networks').map(([net, e]) => normaliseEndpoint(net, e)) : [];
  const myLinks = legacyLinks.get(name) ?? [];
  return {
    id: r.str('Id'),
    name,
    image: r.optStr('Image') ?? '',
    imageId: r.optStr('ImageID') ?? '',
    command: r.optStr('Command') ?? '',
    created: r.num('Created'),
    state: r.str('State'),
    status: r.optStr('Status') ?? '',
    networkMode: hostConfig?.optStr('NetworkMode') ?? 'default',
    labels: r.strMap('Labels'),
    ports: r.arr('Ports').map((p, i) => normalisePort(RawReader.of(p, `${r.what}.Ports[${i}]`))),
    mounts: r.arr('Mounts').map((m, i) => normaliseMount(RawReader.of(m, `${r.what}.Mounts[${i}]`))),
    // Legacy links live on the default bridge; the list reports none of its own (Links: null).
    endpoints: endpoints.map((e) =>
      e.networkName === 'bridge' && myLinks.length > 0 && e.links.length === 0 ? { ...e, links: myLinks } : e,
    ),
  };
}

/**
 * Addresses come from the per-network entry only, on every engine: the top-level copies in
 * NetworkSettings (IPAddress, MacAddress, Gateway, GlobalIPv6Address …) were the default bridge's
 * alone, deprecated since API 1.21, and Engine 29 (API 1.52) no longer sends them.
 */
function normaliseEndpoint(networkName: string, e: RawReader): DockerEndpoint {
  const ipv6 = e.optStr('GlobalIPv6Address');
  const ipv4 = e.optStr('IPAddress');
  return {
    networkName,
    networkId: e.str('NetworkID'),
    endpointId: e.optStr('EndpointID') ?? '',
    ipv4,
    ipv4PrefixLen: ipv4 === null ? null : e.optNum('IPPrefixLen'),
    ipv6,
    ipv6PrefixLen: ipv6 === null ? null : e.optNum('GlobalIPv6PrefixLen'),
    gateway: e.optStr('Gateway'),
    ipv6Gateway: e.optStr('IPv6Gateway'),
    mac: e.optStr('MacAddress'),
    aliases: e.strArr('Aliases'),
    links: e.strArr('Links'),
  };
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function normalisePort(p: RawReader): DockerPort {
  const protocol = p.str('Type');
  if (!PROTOCOLS.has(protocol)) {
    throw new NetlensError('PARSE', `${p.what}: field Type should be tcp, udp or sctp, got "${protocol}"`, p.what);
  }
  const hostPort = p.optNum('PublicPort');
  return {
    // Docker names the address of every publish (0.0.0.0 and :: for "all"); Podman leaves IP out
    // of the list for a publish on every address (its inspect says HostIp ""), as netavark's DNAT
    // rule for it matches no address: that is the IPv4 wildcard here
    hostIp: hostPort === null ? null : p.optStr('IP') || '0.0.0.0',
    hostPort,
    containerPort: p.num('PrivatePort'),
    protocol: protocol as DockerPort['protocol'],
  };
}

function normaliseMount(m: RawReader): DockerMount {
  return {
    type: m.str('Type'),
    name: m.optStr('Name'),
    source: m.optStr('Source') ?? '',
    destination: m.str('Destination'),
    rw: m.bool('RW'),
    mode: m.optStr('Mode') ?? '',
    driver: m.optStr('Driver'),
    propagation: m.optStr('Propagation') ?? '',
  };
}
