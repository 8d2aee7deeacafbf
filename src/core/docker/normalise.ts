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
  };
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
    hostIp: hostPort === null ? null : (p.optStr('IP') ?? null),
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
