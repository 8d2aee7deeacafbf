/**
 * The join: a pure function from what the engine says and what the host kernel says to one
 * Topology. It never guesses — where a fact is missing the affected field stays null and a Gap
 * names the subject and the reason.
 */
import type { DockerContainer, DockerNetwork, EngineFacts } from '../docker/types';
import { listenersNotRead } from '../host/commands/containerListeners';
import type { RootlessKitProcess } from '../host/commands/rootlessKit';
import type { ContainerNetns, HostFacts, Listener, NetInterface } from '../host/types';
import type { Ruleset } from '../netfilter/types';
import { unknown, valueOr } from '../known';
import type { Known } from '../known';
import { findDnatRule, findNatRules, findPublishFilterRule, ruleRef } from './firewallJoins';
import { decideFirewallBackend } from './firewallBackend';
import { isIPv6 } from './addresses';
import { buildOverlay, overlayPeerOf } from './overlay';
import { buildIngressMesh } from './mesh';
import { inCidr } from '../netfilter/matchEval';
import { subjects } from '../../protocol/subject';
import type { OverlayContext } from './overlay';
import type {
  ContainerInterface,
  ContainerNode,
  Endpoint,
  FirewallNode,
  Gap,
  HostFactName,
  HostInterfaceNode,
  HostNode,
  NetworkNode,
  Publish,
  PublishPortDriver,
  Topology,
} from './types';

export interface ModelInput {
  readonly engine: EngineFacts;
  /** null when no host shell is configured (e.g. a tcp:// engine) */
  readonly host: HostFacts | null;
  readonly ipv4Rules: Ruleset | null;
  readonly ipv6Rules: Ruleset | null;
  /** why a ruleset is missing (parse error, command absent …) */
  readonly rulesGaps?: readonly Gap[];
  readonly collectedAt?: Date;
  readonly collectMs?: number;
}

const NO_HOST_REASON = 'no shell on the Docker host is configured, so kernel facts (veths, routes, iptables) are unknown';

/**
 * The host bridge of a bridge network: the one the engine names itself (Podman: podman0, podman1 …),
 * else Docker's explicit name option, docker0, or br-<id12>.
 */
export function bridgeNameOf(network: DockerNetwork): string | null {
  if (network.driver !== 'bridge') return null;
  if (network.bridgeInterface) return network.bridgeInterface;
  const named = network.options['com.docker.network.bridge.name'];
  if (named) return named;
  if (network.options['com.docker.network.bridge.default_bridge'] === 'true' || network.name === 'bridge') return 'docker0';
  return `br-${network.id.slice(0, 12)}`;
}

function optionFlag(network: DockerNetwork, key: string): boolean {
  return network.options[key] !== 'false';
}

/** Resolves `container:<name-or-id>` to the full id of the container whose namespace is shared. */
function sharedNetnsOwner(container: DockerContainer, all: readonly DockerContainer[]): string | null {
  if (!container.networkMode.startsWith('container:')) return null;
  const ref = container.networkMode.slice('container:'.length);
  const owner = all.find((c) => c.id === ref || c.id.startsWith(ref) || c.name === ref);
  return owner ? owner.id : ref;
}

export function buildTopology(input: ModelInput): Topology {
  const { engine, host } = input;
  // The rulesets are the host's: a gap about them without a subject is the host's.
  const gaps: Gap[] = (input.rulesGaps ?? []).map((g) => (g.about ? g : { ...g, about: subjects.host() }));
  const hostIfaces: readonly NetInterface[] = host ? valueOr(host.interfaces, []) : [];
  const byIndex = new Map(hostIfaces.map((i) => [i.index, i]));
  const byName = new Map(hostIfaces.map((i) => [i.name, i]));
  const netnsByContainer: Readonly<Record<string, ContainerNetns>> = host ? valueOr(host.containerNetns, {}) : {};

  if (!host) gaps.push({ subject: 'host', reason: NO_HOST_REASON, about: subjects.host() });
  else if (host.shellError) {
    // The shell itself failed (SSH refused, host key mismatch …): one gap with its cause, not fifteen.
    gaps.push({ subject: 'host', reason: `host shell ${host.target}: ${host.shellError.message}`, code: host.shellError.code, about: subjects.host() });
  } else {
    for (const [subject, fact] of [
      ['host.interfaces', host.interfaces],
      ['host.routes', host.routes],
      ['host.bridgePorts', host.bridgePorts],
      ['host.sysctls', host.sysctls],
      ['host.namedNetns', host.namedNetns],
      ['host.dockerProxies', host.dockerProxies],
      ['host.containerNetns', host.containerNetns],
      ...(host.dockerNetns ? [['host.dockerNetns', host.dockerNetns] as const] : []),
      ...(host.rootlessKit ? [['host.rootlessKit', host.rootlessKit] as const] : []),
    ] as const) {
      if (!fact.known) gaps.push({ subject, reason: fact.reason, about: subjects.host() });
    }
    // left for a trace or the host's pane to read is not a gap (as a container's)
    if (host.listeners && !host.listeners.known && !listenersNotRead(host.listeners)) gaps.push({ subject: 'host.listeners', reason: host.listeners.reason, about: subjects.host() });
  }
  const overlayContext = overlayContextOf(host, engine.containers, netnsByContainer);

  /** The netns facts of a container, following `container:<id>` to the namespace's owner. */
  const netnsOf = (c: DockerContainer): ContainerNetns | undefined => {
    const owner = sharedNetnsOwner(c, engine.containers);
    return netnsByContainer[owner ?? c.id] ?? netnsByContainer[c.id];
  };

  const containerInterfaces = new Map<string, ContainerInterface[]>();
  for (const c of engine.containers) {
    // A host-network container has no namespace of its own: its interfaces are the host's.
    if (c.networkMode === 'host') continue;
    const ns = netnsOf(c);
    if (!ns || !ns.interfaces.known) {
      if (host && c.state === 'running' && c.networkMode !== 'host') {
        const reason = ns && !ns.interfaces.known ? ns.interfaces.reason : 'no process of this container was found on the host';
        gaps.push({ subject: `container ${c.name} netns`, reason, about: subjects.container(c.id) });
      }
      continue;
    }
    containerInterfaces.set(
      c.id,
      ns.interfaces.value
        .filter((i) => i.kind !== 'loopback')
        .map((i) => {
          // A veth's iflink is its peer's ifindex in the host namespace (and the peer's iflink is
          // ours); a macvlan's or ipvlan's iflink is its parent's ifindex, whatever kind the parent is.
          const peer = i.linkIndex !== null ? byIndex.get(i.linkIndex) : undefined;
          const peerIsOurs = peer && (i.kind !== 'veth' || (peer.kind === 'veth' && peer.linkIndex === i.index));
          return {
            name: i.name,
            index: i.index,
            mac: i.mac,
            addresses: i.addresses,
            kind: i.kind,
            hostPeer: peerIsOurs ? peer.name : null,
            hostPeerIndex: peerIsOurs ? peer.index : null,
            bridge: peerIsOurs ? peer.master : null,
          };
        }),
    );
  }

  /** The kernel's record of a container interface (the model's copy drops iflink). */
  const rawInterface = (c: DockerContainer, index: number): NetInterface | undefined => {
    const ns = netnsOf(c);
    return ns && ns.interfaces.known ? ns.interfaces.value.find((i) => i.index === index) : undefined;
  };

  /**
   * Container interfaces on this bridge that no engine endpoint names. The engine lists a swarm
   * container's docker_gwbridge endpoint (its eth1) under the network, never under the container,
   * so the container listing misses it; the kernel shows the veth on the bridge all the same.
   */
  const kernelOnlyEndpoints = (n: DockerNetwork, bridge: string, listed: readonly Endpoint[]): Endpoint[] => {
    const out: Endpoint[] = [];
    for (const c of engine.containers) {
      if (c.networkMode.startsWith('container:')) continue; // its namespace's owner is listed
      for (const iface of containerInterfaces.get(c.id) ?? []) {
        if (iface.bridge !== bridge || listed.some((e) => e.containerId === c.id && e.containerInterface === iface.name)) continue;
        const v4 = iface.addresses.find((a) => a.family === 'inet');
        const v6 = iface.addresses.find((a) => a.family === 'inet6' && a.scope === 'global');
        const ns = netnsOf(c);
        const viaHere = (ns && ns.routes.known ? ns.routes.value : []).find((r) => r.dst === 'default' && r.family === 'inet' && r.table === 'main' && r.dev === iface.name);
        out.push({
          containerId: c.id,
          containerName: c.name,
          networkId: n.id,
          networkName: n.name,
          ipv4: v4?.address ?? null,
          ipv4PrefixLen: v4?.prefixLen ?? null,
          ipv6: v6?.address ?? null,
          mac: iface.mac,
          gateway: viaHere?.gateway ?? null,
          aliases: [],
          links: [],
          containerInterface: iface.name,
          hostVeth: iface.hostPeer,
          hostVethIndex: iface.hostPeerIndex,
          source: 'kernel',
        });
      }
    }
    return out;
  };

  const networks: NetworkNode[] = engine.networks.map((n) => {
    const bridge = bridgeNameOf(n);
    const bridgePresent = bridge === null || !host || !host.interfaces.known ? null : byName.has(bridge);
    // netavark makes a Podman network's bridge with its first running container, and removes it after the last
    const bridgeDue = engine.info.product !== 'podman' || engine.containers.some((c) => c.state === 'running' && c.endpoints.some((e) => e.networkId === n.id));
    if (bridge && bridgePresent === false && bridgeDue) gaps.push({ subject: `network ${n.name} bridge`, reason: `the engine names bridge ${bridge} but the host has no such interface`, about: subjects.network(n.id) });
    const subnets = n.ipam.config.map((c) => c.subnet).filter(Boolean);
    const endpoints: Endpoint[] = [];
    const overlay =
      n.driver === 'overlay'
        ? buildOverlay(n, engine.containers.some((c) => c.state === 'running' && c.endpoints.some((e) => e.networkId === n.id)), overlayContext, gaps)
        : undefined;
    for (const c of engine.containers) {
      for (const e of c.endpoints) {
        if (e.networkId !== n.id && !(e.networkId === '' && e.networkName === n.name)) continue;
        const iface = e.mac ? containerInterfaces.get(c.id)?.find((i) => i.mac === e.mac) : undefined;
        const overlayPeer = overlay && iface ? rawInterface(c, iface.index) : undefined;
        endpoints.push({
          containerId: c.id,
          containerName: c.name,
          networkId: n.id,
          networkName: n.name,
          ipv4: e.ipv4,
          ipv4PrefixLen: e.ipv4PrefixLen,
          ipv6: e.ipv6,
          mac: e.mac,
          gateway: e.gateway,
          aliases: e.aliases,
          links: e.links,
          containerInterface: iface?.name ?? null,
          hostVeth: iface && bridge && iface.bridge === bridge ? iface.hostPeer : null,
          hostVethIndex: iface && bridge && iface.bridge === bridge ? iface.hostPeerIndex : null,
          ...(overlay ? { overlayPeer: overlayPeer ? overlayPeerOf(overlayPeer, overlay, overlayContext.dockerNetns) : null } : {}),
        });
      }
    }
    if (bridge) endpoints.push(...kernelOnlyEndpoints(n, bridge, endpoints));
    const mtu = n.options['com.docker.network.driver.mtu'];
    return {
      id: n.id,
      name: n.name,
      driver: n.driver,
      scope: n.scope,
      bridge,
      bridgePresent,
      subnets,
      gateways: n.ipam.config.map((c) => c.gateway).filter((g): g is string => !!g),
      internal: n.internal,
      attachable: n.attachable,
      ingress: n.ingress,
      enableIPv6: n.enableIPv6,
      icc: optionFlag(n, 'com.docker.network.bridge.enable_icc'),
      masquerade: optionFlag(n, 'com.docker.network.bridge.enable_ip_masquerade'),
      mtu: mtu ? Number(mtu) : null,
      parent: n.driver === 'macvlan' || n.driver === 'ipvlan' ? n.options.parent ?? null : null,
      options: n.options,
      labels: n.labels,
      ...(overlay ? { overlay } : {}),
      natRules: input.ipv4Rules ? findNatRules(input.ipv4Rules, subnets).map(ruleRef) : [],
      endpoints,
    };
  });

  // the Swarm's routing mesh hangs off the ingress network, once its endpoints are known
  const gwbridgeSubnets = networks.find((n) => n.name === 'docker_gwbridge')?.subnets ?? [];
  for (const [i, n] of networks.entries()) {
    const mesh = buildIngressMesh({ network: n, hostRules: input.ipv4Rules, dockerNetns: overlayContext.dockerNetns, dockerNetnsReason: overlayContext.dockerNetnsReason, gwbridgeSubnets, inSubnet: (ip, cidr) => inCidr(ip, cidr) === true });
    if (!mesh) continue;
    networks[i] = { ...n, mesh };
    // facts recorded before netlens read the sandbox's IPVS and rules lack them: unknown in the mesh, not a failed read
    const sandbox = overlayContext.dockerNetns?.find((x) => x.name === mesh.sandbox);
    if (!sandbox?.ipvs) continue;
    if (mesh.sandboxPresent && !mesh.ipvs.known) gaps.push({ subject: `network ${n.name} routing mesh`, reason: `the IPVS table of ${mesh.sandbox} is unknown: ${mesh.ipvs.reason}`, about: subjects.network(n.id) });
    if (mesh.sandboxPresent && mesh.rulesUnknown) gaps.push({ subject: `network ${n.name} routing mesh`, reason: `the iptables rules of ${mesh.sandbox} are unknown: ${mesh.rulesUnknown}`, about: subjects.network(n.id) });
  }

  const containers: ContainerNode[] = engine.containers.map((c) => {
    const ns = netnsOf(c);
    // host-mode containers route with the host's table (HostNode.routes), not one of their own
    const ownNs = c.networkMode === 'host' ? undefined : ns;
    const routes = ownNs ? valueOr(ownNs.routes, []) : [];
    const defaultRoute = routes.find((r) => r.dst === 'default' && r.family === 'inet' && r.table === 'main');
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      state: c.state,
      status: c.status,
      networkMode: c.networkMode,
      sharesNetnsWith: sharedNetnsOwner(c, engine.containers),
      pid: ns?.pid ?? null,
      labels: c.labels,
      ports: c.ports,
      mounts: c.mounts,
      networks: c.endpoints.map((e) => e.networkName),
      interfaces: containerInterfaces.get(c.id) ?? [],
      routes,
      neighbours: ownNs ? valueOr(ownNs.neighbours, []) : [],
      defaultGateway: defaultRoute?.gateway ?? null,
      ...listenersOf(c, ns, host),
      ...netnsUnknown(c, ownNs, host),
    };
  });

  const publishes = buildPublishes(engine, host, input.ipv4Rules, input.ipv6Rules, gaps);
  const hostNode = host ? buildHostNode(host, hostIfaces, byIndex, engine, networks, containerInterfaces, input) : null;

  return {
    schema: 1,
    collectedAt: (input.collectedAt ?? new Date()).toISOString(),
    engine: engine.info,
    networks,
    containers,
    volumes: engine.volumes,
    host: hostNode,
    publishes,
    gaps,
    stats: { apiCalls: engine.apiCalls, shellRoundTrips: host?.roundTrips ?? 0, collectMs: input.collectMs ?? 0 },
  };
}

function overlayContextOf(
  host: HostFacts | null,
  containers: readonly DockerContainer[],
  netnsByContainer: Readonly<Record<string, ContainerNetns>>,
): OverlayContext {
  const sharers = new Set(containers.filter((c) => c.networkMode.startsWith('container:')).map((c) => c.id));
  // Only this engine's containers: another engine on the same kernel (its processes share the PID
  // namespace) has containers too, and ifindexes repeat from one network namespace to the next.
  const ours = new Set(containers.map((c) => c.id));
  const owners = Object.fromEntries(Object.entries(netnsByContainer).filter(([id]) => ours.has(id) && !sharers.has(id)));
  // Without a host, or with a failed shell, the host gap already says why; no per-network repeat.
  if (!host || host.shellError) return { dockerNetns: null, dockerNetnsReason: null, containerNetns: owners };
  if (!host.dockerNetns) return { dockerNetns: null, dockerNetnsReason: 'these host facts were collected without them', containerNetns: owners };
  if (!host.dockerNetns.known) return { dockerNetns: null, dockerNetnsReason: host.dockerNetns.reason, containerNetns: owners };
  return { dockerNetns: host.dockerNetns.value, dockerNetnsReason: null, containerNetns: owners };
}

/** Why a running container's own namespace is not in the model (its interfaces and routes are then unknown, not empty). */
function netnsUnknown(c: DockerContainer, ns: ContainerNetns | undefined, host: HostFacts | null): { unknown?: { netns: string } } {
  if (c.networkMode === 'host' || c.state !== 'running') return {};
  if (!host) return { unknown: { netns: NO_HOST_REASON } };
  if (host.shellError) return { unknown: { netns: `host shell ${host.target}: ${host.shellError.message}` } };
  if (!ns) return { unknown: { netns: host.containerNetns.known ? 'no process of this container was found on the host' : host.containerNetns.reason } };
  if (!ns.interfaces.known) return { unknown: { netns: ns.interfaces.reason } };
  if (!ns.routes.known) return { unknown: { netns: ns.routes.reason } };
  return {};
}

/** The container's listening sockets, where its namespace's were read: the host's for --network host. */
function listenersOf(c: DockerContainer, ns: ContainerNetns | undefined, host: HostFacts | null): { listeners?: Known<readonly Listener[]> } {
  if (c.networkMode === 'host') return host?.listeners ? { listeners: host.listeners } : {};
  if (ns?.listeners) return { listeners: ns.listeners };
  // a running container whose netns the batch did not find: say why rather than leave it blank
  if (host?.listeners && c.state === 'running' && c.networkMode !== 'none') return { listeners: unknown(`no process of container ${c.name} was found on the host, so its sockets were not read`) };
  return {};
}

function buildPublishes(
  engine: EngineFacts,
  host: HostFacts | null,
  ipv4Rules: Ruleset | null,
  ipv6Rules: Ruleset | null,
  gaps: Gap[],
): Publish[] {
  const proxies = host ? valueOr(host.dockerProxies, []) : [];
  const kit = host?.rootlessKit?.known ? host.rootlessKit.value : null;
  const out: Publish[] = [];
  for (const c of engine.containers) {
    for (const p of c.ports) {
      if (p.hostPort === null || p.hostIp === null) continue;
      const v6 = isIPv6(p.hostIp);
      // Docker DNATs a publish to the container's address on a network with a gateway (the one
      // its default route uses); with several, the first IPv4/IPv6 endpoint matches in practice.
      const endpointIps = c.endpoints.map((e) => (v6 ? e.ipv6 : e.ipv4)).filter((ip): ip is string => !!ip);
      const rules = v6 ? ipv6Rules : ipv4Rules;
      let dnat = null;
      let containerIp: string | null = endpointIps[0] ?? null;
      for (const ip of endpointIps) {
        dnat = rules ? findDnatRule(rules, { hostIp: p.hostIp, hostPort: p.hostPort, containerIp: ip, containerPort: p.containerPort, protocol: p.protocol }) : null;
        if (dnat) {
          containerIp = ip;
          break;
        }
      }
      const proxy = proxies.find(
        (x) => x.hostPort === p.hostPort && x.proto === p.protocol && x.hostIp === p.hostIp && x.containerPort === p.containerPort,
      );
      // An IPv6 publish of a container without IPv6 is served by docker-proxy alone, which relays
      // to the container's IPv4 address: that address is the proxy's target, not a guess.
      if (!dnat && proxy) containerIp = proxy.containerIp;
      const filter = rules && containerIp ? findPublishFilterRule(rules, containerIp, p.containerPort, p.protocol) : null;
      if (rules && !dnat && !proxy) {
        gaps.push({
          subject: `publish ${c.name} ${p.hostIp}:${p.hostPort}/${p.protocol}`,
          reason: `neither a DNAT rule for ${p.protocol} port ${p.hostPort} → ${containerIp ?? '?'}:${p.containerPort} nor a docker-proxy process was found`,
          about: subjects.publish({ containerId: c.id, hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }),
        });
      }
      out.push({
        containerId: c.id,
        containerName: c.name,
        hostIp: p.hostIp,
        hostPort: p.hostPort,
        containerIp,
        containerPort: p.containerPort,
        protocol: p.protocol,
        dnatRule: dnat ? ruleRef(dnat) : null,
        filterRule: filter ? ruleRef(filter) : null,
        proxy: proxy ? { pid: proxy.pid, args: proxy.args } : null,
        ...(kit ? { portDriver: portDriverOf(kit, c, { hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }, gaps) } : {}),
      });
    }
  }
  return out;
}

/** RootlessKit's socket on the machine's side for one publish (the builtin port driver binds the publish's address and port). */
function portDriverOf(kit: RootlessKitProcess, c: DockerContainer, p: { readonly hostIp: string; readonly hostPort: number; readonly protocol: string }, gaps: Gap[]): PublishPortDriver {
  const any = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::';
  if (!kit.listeners.known) {
    gaps.push({ subject: `publish ${c.name} ${p.hostIp}:${p.hostPort}/${p.protocol}`, reason: kit.listeners.reason, about: subjects.publish({ containerId: c.id, hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }) });
    return { process: 'rootlesskit', pid: kit.pid, driver: kit.portDriver, listener: null, listenerUnknown: kit.listeners.reason };
  }
  const listener =
    kit.listeners.value.find((l) => l.protocol === p.protocol && l.port === p.hostPort && (l.address === p.hostIp || (any && (l.address === '0.0.0.0' || l.address === '::')))) ?? null;
  if (!listener) {
    gaps.push({
      subject: `publish ${c.name} ${p.hostIp}:${p.hostPort}/${p.protocol}`,
      reason: `rootlesskit (pid ${kit.pid}, port driver ${kit.portDriver ?? 'none given'}) holds no socket listening on ${p.hostIp || '*'}:${p.hostPort}/${p.protocol} on the machine's side`,
      about: subjects.publish({ containerId: c.id, hostIp: p.hostIp, hostPort: p.hostPort, protocol: p.protocol }),
    });
  }
  return { process: 'rootlesskit', pid: kit.pid, driver: kit.portDriver, listener };
}

function buildHostNode(
  host: HostFacts,
  hostIfaces: readonly NetInterface[],
  byIndex: ReadonlyMap<number, NetInterface>,
  engine: EngineFacts,
  networks: readonly NetworkNode[],
  containerInterfaces: ReadonlyMap<string, ContainerInterface[]>,
  input: ModelInput,
): HostNode {
  const named = valueOr(host.namedNetns, []);
  const dockerNetns = host.dockerNetns ? valueOr(host.dockerNetns, []) : [];
  const sysctls = valueOr(host.sysctls, {});
  const containerName = new Map(engine.containers.map((c) => [c.id, c.name]));
  const sharesNetns = new Set(engine.containers.filter((c) => c.networkMode.startsWith('container:')).map((c) => c.id));
  // Which container's veth each host ifindex is the peer of: the first in containerInterfaces' order,
  // found once here rather than by a walk of every container for every host veth (100 × 100 at
  // 100 containers: 6 ms of every snapshot, and growing with the square).
  // Containers in `container:<id>` mode see the same interfaces; the namespace's owner is the peer.
  // Only a veth's peer: a macvlan child's hostPeerIndex is its parent's ifindex, which may be a veth too.
  const vethPeerOf = new Map<number, { containerId: string; iface: ContainerInterface }>();
  for (const [cid, ifs] of containerInterfaces) {
    if (sharesNetns.has(cid)) continue;
    for (const x of ifs) if (x.kind === 'veth' && x.hostPeerIndex !== null && !vethPeerOf.has(x.hostPeerIndex)) vethPeerOf.set(x.hostPeerIndex, { containerId: cid, iface: x });
  }

  const interfaces: HostInterfaceNode[] = hostIfaces.map((i) => {
    let peer: string | null = null;
    let peerContainerId: string | null = null;
    let peerNetns: string | null = null;
    let peerDockerNetns: string | null = null;
    let parent: string | null = null;
    if (i.kind === 'veth' && i.linkIndex !== null) {
      if (i.linkNetnsId === null) {
        peer = byIndex.get(i.linkIndex)?.name ?? null;
      } else {
        const hit = vethPeerOf.get(i.index);
        if (hit) {
          peerContainerId = hit.containerId;
          peer = `container ${containerName.get(hit.containerId) ?? hit.containerId.slice(0, 12)} ${hit.iface.name}`;
        }
        if (!peer) {
          for (const ns of named) {
            if (ns.id !== i.linkNetnsId) continue;
            const hit = valueOr(ns.interfaces, []).find((x) => x.index === i.linkIndex && x.linkIndex === i.index);
            if (hit) {
              peerNetns = ns.name;
              peer = `netns ${ns.name} ${hit.name}`;
            }
          }
        }
        if (!peer) {
          for (const ns of dockerNetns) {
            if (ns.id !== i.linkNetnsId) continue;
            const hit = valueOr(ns.interfaces, []).find((x) => x.index === i.linkIndex && x.linkIndex === i.index);
            if (hit) {
              peerDockerNetns = ns.name;
              peer = `docker netns ${ns.name} ${hit.name}`;
            }
          }
        }
      }
    } else if ((i.kind === 'macvlan' || i.kind === 'ipvlan' || i.kind === 'vlan') && i.linkIndex !== null) {
      parent = byIndex.get(i.linkIndex)?.name ?? null;
    }
    const network = networks.find((n) => (n.bridge !== null && n.bridge === i.name) || (n.parent !== null && n.parent === i.name));
    return {
      name: i.name,
      index: i.index,
      kind: i.kind,
      master: i.master,
      addresses: i.addresses.map((a) => a.address),
      addressDetails: i.addresses,
      mac: i.mac,
      mtu: i.mtu,
      state: i.state,
      peer,
      peerContainerId,
      peerNetns,
      ...(host.dockerNetns ? { peerDockerNetns } : {}),
      parent,
      dockerNetworkId: network?.id ?? null,
      details: i.details,
    };
  });

  const flag = (key: string): boolean | null => (key in sysctls ? sysctls[key].trim() === '1' : null);
  const version = host.iptablesVersion.known ? host.iptablesVersion.value : null;
  const firewall: FirewallNode = {
    ...decideFirewallBackend(engine.info, version, input.ipv4Rules),
    iptablesVersion: version,
    ipv4: input.ipv4Rules,
    ipv6: input.ipv6Rules,
  };
  const unknownFacts: Partial<Record<HostFactName, string>> = {};
  const note = (name: HostFactName, fact: Known<unknown> | undefined) => {
    if (fact && !fact.known) unknownFacts[name] = fact.reason;
  };
  note('interfaces', host.interfaces);
  note('routes', host.routes);
  note('sysctls', host.sysctls);
  note('namedNetns', host.namedNetns);
  note('bridgePorts', host.bridgePorts);
  note('dockerProxies', host.dockerProxies);
  note('containerNetns', host.containerNetns);
  note('rootlessKit', host.rootlessKit);
  note('iptables', host.iptablesSave);
  note('ip6tables', host.ip6tablesSave);
  note('nftables', host.nftRuleset);
  if (!input.ipv4Rules) unknownFacts.firewallIpv4 = rulesetReason(input, 'host.iptables');
  if (!input.ipv6Rules) unknownFacts.firewallIpv6 = rulesetReason(input, 'host.ip6tables');
  return {
    target: host.target,
    ...(host.enter ? { enter: host.enter } : {}),
    hostname: host.hostname.known ? host.hostname.value : null,
    interfaces,
    routes: valueOr(host.routes, []),
    ipForward: flag('net.ipv4.ip_forward'),
    bridgeNfCallIptables: flag('net.bridge.bridge-nf-call-iptables'),
    namedNetns: named,
    ...(host.dockerNetns?.known ? { dockerNetns } : {}),
    firewall,
    sysctls,
    ...(host.listeners ? { listeners: host.listeners } : {}),
    ...(host.rootlessKit?.known && host.rootlessKit.value ? { rootlessKit: { pid: host.rootlessKit.value.pid, portDriver: host.rootlessKit.value.portDriver, args: host.rootlessKit.value.args } } : {}),
    ...(host.kept ? { kept: host.kept } : {}),
    unknown: unknownFacts,
  };
}

/** Why a ruleset is not in the model: the gap its parser or reader left. */
function rulesetReason(input: ModelInput, subject: string): string {
  return input.rulesGaps?.find((g) => g.subject === subject)?.reason ?? 'it was not read';
}
