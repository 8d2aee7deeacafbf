/**
 * The joined model: what the engine says and what the host kernel says, put together. This is what
 * the CLI prints with --json, what the sidebar and the topology webview draw and what the trace
 * walks. Field names listed in README "JSON for scripts" are a contract.
 */
import type { IngressMesh } from './mesh';
import type { ContainerNetns, DockerNetns, HostFacts, InterfaceAddress, InterfaceKind, NamedNetns, Neighbour, Route } from '../host/types';
import type { Listener } from '../host/types';
import type { Known } from '../known';
import type { EngineInfo, DockerMount, DockerVolume } from '../docker/types';
import type { Ruleset } from '../netfilter/types';
import type { Subject } from '../../protocol/subject';

/** A fact the model could not establish, and why. */
export interface Gap {
  /** what is missing, e.g. `host.iptables`, `container web1 netns`, `network br-… bridge` */
  readonly subject: string;
  readonly reason: string;
  /** set when an error with a code caused it, e.g. SSH_HOST_KEY_MISMATCH, so a front end can offer the fix */
  readonly code?: string;
  /**
   * What the gap is about, by identity: the sheets of that subject list it, no other. Absent in
   * models recorded before netlens kept it; such a gap is shown with the host's.
   */
  readonly about?: Subject;
}

/** A rule quoted from a firewall dump. */
export interface RuleRef {
  readonly table: string;
  readonly chain: string;
  readonly index: number;
  readonly raw: string;
}

export interface Endpoint {
  readonly containerId: string;
  readonly containerName: string;
  readonly networkId: string;
  readonly networkName: string;
  /** without prefix length */
  readonly ipv4: string | null;
  readonly ipv4PrefixLen: number | null;
  readonly ipv6: string | null;
  readonly mac: string | null;
  readonly gateway: string | null;
  readonly aliases: readonly string[];
  readonly links: readonly string[];
  /** the container-side interface name (eth0, eth1 …), found by MAC in the container's netns */
  readonly containerInterface: string | null;
  /** host-side veth name for bridge networks (the interface whose ifindex is the container's iflink) */
  readonly hostVeth: string | null;
  readonly hostVethIndex: number | null;
  /**
   * Overlay networks only: the other end of the container's veth, which lives in the overlay's own
   * namespace (not the host) as a port of its bridge br0. null where it was not found.
   */
  readonly overlayPeer?: OverlayPeer | null;
  /**
   * `kernel` on an endpoint the engine's container listing does not name — a swarm container's eth1
   * on docker_gwbridge — found as a container interface whose host veth is a port of this network's
   * bridge. Absent on endpoints the engine reports.
   */
  readonly source?: 'kernel';
}

/** A veth end inside one of Docker's namespaces (see HostFacts.dockerNetns). */
export interface OverlayPeer {
  /** the namespace's file name under /var/run/docker/netns, e.g. `1-bu6pfjvq1m` */
  readonly namespace: string;
  readonly interface: string;
  readonly index: number;
  /** the bridge that end is a port of (br0), null when none */
  readonly bridge: string | null;
}

/** An overlay network as this host's kernel holds it: a namespace with a bridge and a VXLAN device. */
export interface OverlayNode {
  /** Docker's namespace for this network: `<epoch>-<network id>` cut to 12 characters, e.g. `1-bu6pfjvq1m` */
  readonly namespace: string;
  /** whether it exists on this host now; null when Docker's namespaces are unknown */
  readonly namespacePresent: boolean | null;
  /** the bridge inside it (br0); it holds the overlay's gateway address, the host does not */
  readonly bridge: string | null;
  readonly bridgeAddresses: readonly string[];
  readonly vxlan: OverlayVxlan | null;
  /** the VNI the engine reports (option com.docker.network.driver.overlay.vxlanid_list), null when absent */
  readonly engineVni: number | null;
  /** the bridge's veth ports and what each leads to (containers, ingress_sbox, lb_… namespaces) */
  readonly ports: readonly OverlayPort[];
  /**
   * The endpoints of this network on other nodes, as vxlan0's forwarding entries name them: each
   * MAC with the underlay address of its node, and the overlay addresses the namespace's neighbour
   * table gives that MAC. Unknown when the forwarding table was not read (with the reason); absent
   * where the namespace itself is absent or unread, and in older recordings.
   */
  readonly remotes?: Known<readonly OverlayRemote[]>;
}

/** One remote endpoint of an overlay, reached through the VXLAN tunnel to its node. */
export interface OverlayRemote {
  readonly mac: string;
  /** the remote node's underlay address (the forwarding entry's dst): where the VXLAN packets go */
  readonly underlay: string;
  /** its overlay addresses, from the neighbour entries Docker writes for that MAC on vxlan0 ([] when none) */
  readonly addresses: readonly string[];
}

export interface OverlayVxlan {
  readonly name: string;
  readonly index: number;
  /** VXLAN network identifier as the kernel has it (`ip -d`), null when not reported */
  readonly vni: number | null;
  /** UDP destination port, 4789 unless the swarm chose another */
  readonly port: number | null;
  /** underlay source address; Docker leaves it unset and lets the route to each peer decide */
  readonly local: string | null;
}

export interface OverlayPort {
  readonly name: string;
  readonly index: number;
  /** bridge port state (forwarding …), null when not reported */
  readonly state: string | null;
  /** the container on the other end of this veth, null when it is not a container's */
  readonly peerContainerId: string | null;
  /** the Docker namespace on the other end (ingress_sbox, lb_…), null when it is not one of those */
  readonly peerNamespace: string | null;
  readonly peerInterface: string | null;
}

export interface NetworkNode {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: string;
  /** host bridge interface name for bridge networks (docker0, br-<id12>), null otherwise */
  readonly bridge: string | null;
  /** whether that bridge exists on the host right now (null when host facts are unknown) */
  readonly bridgePresent: boolean | null;
  readonly subnets: readonly string[];
  readonly gateways: readonly string[];
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly ingress: boolean;
  readonly enableIPv6: boolean;
  /** com.docker.network.bridge.enable_icc (true unless set to false) */
  readonly icc: boolean;
  /** com.docker.network.bridge.enable_ip_masquerade */
  readonly masquerade: boolean;
  readonly mtu: number | null;
  /** macvlan/ipvlan parent interface name */
  readonly parent: string | null;
  readonly options: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** set on overlay networks only: their namespace, bridge and VXLAN device on this host */
  readonly overlay?: OverlayNode;
  /** set on the Swarm's ingress network only: the routing mesh as this node's kernel holds it (model/mesh.ts) */
  readonly mesh?: IngressMesh;
  /** MASQUERADE/SNAT rules that match this network's subnets */
  readonly natRules: readonly RuleRef[];
  readonly endpoints: readonly Endpoint[];
}

export interface PortBinding {
  readonly hostIp: string | null;
  readonly hostPort: number | null;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface ContainerInterface {
  readonly name: string;
  readonly index: number;
  readonly mac: string | null;
  readonly addresses: readonly InterfaceAddress[];
  readonly kind: InterfaceKind;
  /** host interface on the other end of the veth, or the macvlan parent */
  readonly hostPeer: string | null;
  readonly hostPeerIndex: number | null;
  /** the bridge that host-side peer is enslaved to */
  readonly bridge: string | null;
}

export interface ContainerNode {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: string;
  readonly status: string;
  readonly networkMode: string;
  /** for `container:<id>` mode: the id of the container whose namespace this one shares */
  readonly sharesNetnsWith: string | null;
  readonly pid: number | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly PortBinding[];
  readonly mounts: readonly DockerMount[];
  readonly networks: readonly string[];
  /** from the container's own netns; empty with a Gap when unknown */
  readonly interfaces: readonly ContainerInterface[];
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly defaultGateway: string | null;
  /**
   * Sockets listening in the container's netns (the host's for --network host, the owner's for
   * container:<id>); unknown with the reason when they could not be read, absent in models built
   * from facts recorded before netlens read them.
   */
  readonly listeners?: Known<readonly Listener[]>;
  /**
   * `iptables-save -t nat` inside the container's namespace (Docker's REDIRECT of a mesh port in a
   * Swarm task, its embedded DNS rules), read only when a trace asks (Session.readContainerNat);
   * absent until then.
   */
  readonly natRules?: Known<string>;
  /**
   * What of the container's own namespace is not known, with the reason: `netns` when its
   * interfaces, routes and neighbours were not read (the arrays above are then empty, not "none").
   * Absent when everything was read.
   */
  readonly unknown?: { readonly netns?: string };
}

export interface Publish {
  readonly containerId: string;
  readonly containerName: string;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: string | null;
  readonly containerPort: number;
  readonly protocol: string;
  /** the nat-table DNAT rule that implements it, null when not found (with a Gap saying why) */
  readonly dnatRule: RuleRef | null;
  /** the filter-table rule that lets it through FORWARD */
  readonly filterRule: RuleRef | null;
  /** the userland proxy process serving it, null when none runs (userland-proxy off) */
  readonly proxy: { readonly pid: number; readonly args: string } | null;
  /**
   * Rootless Docker: the host facts are RootlessKit's namespace, and the publish reaches it from
   * the machine's own namespace through RootlessKit's port driver. `listener` is rootlesskit's
   * socket for it on the machine's side, null when it holds none (a gap says so). Absent when the
   * engine is not rootless (or the model was built before netlens read it).
   */
  readonly portDriver?: PublishPortDriver;
}

export interface PublishPortDriver {
  readonly process: 'rootlesskit';
  readonly pid: number;
  /** `builtin`, `slirp4netns`, … from `--port-driver`; null when rootlesskit was given none */
  readonly driver: string | null;
  readonly listener: Listener | null;
  /** why `listener` is not known (rootlesskit's sockets could not be read); absent when it is */
  readonly listenerUnknown?: string;
}

export interface HostInterfaceNode {
  readonly name: string;
  readonly index: number;
  readonly kind: InterfaceKind;
  readonly master: string | null;
  readonly addresses: readonly string[];
  readonly addressDetails: readonly InterfaceAddress[];
  readonly mac: string | null;
  readonly mtu: number;
  readonly state: string;
  /** veth: what is on the other end — `container <name> eth0`, `netns RED reth0`, or a host interface */
  readonly peer: string | null;
  readonly peerContainerId: string | null;
  readonly peerNetns: string | null;
  /** veth whose peer is in one of Docker's namespaces (docker_gwbridge → ingress_sbox): its name */
  readonly peerDockerNetns?: string | null;
  /** macvlan/ipvlan/vlan: the parent interface */
  readonly parent: string | null;
  /** the Docker network this bridge (or macvlan parent) belongs to, null when Docker did not make it */
  readonly dockerNetworkId: string | null;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** Host facts that can be missing as a whole; each has its own reason. */
export type HostFactName =
  | 'interfaces'
  | 'routes'
  | 'sysctls'
  | 'namedNetns'
  | 'bridgePorts'
  | 'dockerProxies'
  | 'containerNetns'
  | 'rootlessKit'
  /** no IPv4 / IPv6 ruleset at all */
  | 'firewallIpv4'
  | 'firewallIpv6'
  /** one source of the rulesets: `iptables-save` / `ip6tables-save` (iptables' own tables) or `nft -j list ruleset` (every other nftables table) */
  | 'iptables'
  | 'ip6tables'
  | 'nftables';

export interface HostNode {
  readonly target: string;
  /** the argv prefix that runs a command where the host facts were read (HostFacts.enter); absent: this machine's own namespace */
  readonly enter?: readonly string[];
  readonly hostname: string | null;
  readonly interfaces: readonly HostInterfaceNode[];
  readonly routes: readonly Route[];
  readonly ipForward: boolean | null;
  readonly bridgeNfCallIptables: boolean | null;
  readonly namedNetns: readonly NamedNetns[];
  /** Docker's own namespaces (overlay, ingress_sbox, lb_…), when they were read */
  readonly dockerNetns?: readonly DockerNetns[];
  readonly firewall: FirewallNode;
  /** raw sysctl values as read (net.ipv4.ip_forward, net.bridge.bridge-nf-call-iptables, …) */
  readonly sysctls: Readonly<Record<string, string>>;
  /** sockets listening in the host namespace, docker-proxy's among them (absent in older recordings) */
  readonly listeners?: Known<readonly Listener[]>;
  /** what this model's host read kept from an earlier one (a refresh after engine events or a quiet kernel watcher): HostFacts.kept */
  readonly kept?: HostFacts['kept'];
  /**
   * Rootless Docker: the facts above are those of RootlessKit's namespace, not the machine's own;
   * this is the rootlesskit process (its port driver takes publishes on the machine's side). Absent
   * when the host facts are no RootlessKit's, or were not read (then `unknown.rootlessKit` says why).
   */
  readonly rootlessKit?: { readonly pid: number; readonly portDriver: string | null; readonly args: string };
  /**
   * The facts above that were not read, each with the reason: an empty `routes` or a null
   * `firewall.ipv4` named here is unknown, not empty. Absent in models built before netlens said so.
   */
  readonly unknown?: Readonly<Partial<Record<HostFactName, string>>>;
}

/**
 * Where `host.firewall.backend` came from: the engine's GET /info, the rules Podman's netavark
 * wrote (its nft table or its iptables chains), or `iptables -V` on the host.
 */
export type FirewallBackendSource = 'engine' | 'netavark-rules' | 'iptables-version';

export interface FirewallNode {
  /**
   * The engine's `FirewallBackend.Driver` where it reports one (`iptables`, `nftables`, `…+firewalld`),
   * else inferred from `iptables -V` (`iptables-nft`, `iptables-legacy`, `iptables`); null when unknown
   */
  readonly backend: string | null;
  /** which of the two `backend` is; null when unknown. Absent in models recorded before netlens kept it. */
  readonly backendSource?: FirewallBackendSource | null;
  /** the engine's `FirewallBackend.Info` pairs, [] when none or inferred. Absent in older recordings. */
  readonly backendInfo?: readonly (readonly [string, string])[];
  readonly iptablesVersion: string | null;
  readonly ipv4: Ruleset | null;
  readonly ipv6: Ruleset | null;
}

export interface Topology {
  readonly schema: 1;
  readonly collectedAt: string;
  readonly engine: EngineInfo;
  readonly networks: readonly NetworkNode[];
  readonly containers: readonly ContainerNode[];
  readonly volumes: readonly DockerVolume[];
  readonly host: HostNode | null;
  readonly publishes: readonly Publish[];
  readonly gaps: readonly Gap[];
  readonly stats: { readonly apiCalls: number; readonly shellRoundTrips: number; readonly collectMs: number };
}

/**
 * A Compose project as its labels tell it (src/core/model/projects.ts derives it from the containers
 * and networks above each time; it is not stored in the Topology). `netlens topology --json` prints
 * them as `projects`, the topology webview is sent them beside the model.
 */
export interface ComposeProject {
  /** com.docker.compose.project */
  readonly name: string;
  /** com.docker.compose.project.working_dir of its containers, null when none says */
  readonly workingDir: string | null;
  readonly services: readonly ComposeService[];
  /** its own networks first, then the external ones its containers use */
  readonly networks: readonly ComposeProjectNetwork[];
}

export interface ComposeService {
  /** com.docker.compose.service */
  readonly name: string;
  readonly containerIds: readonly string[];
  /**
   * The services this one depends on, from com.docker.compose.depends_on (Compose v2); unknown with
   * the reason where no container of the service carries that label (docker-compose 1.x).
   */
  readonly dependsOn: Known<readonly string[]>;
}

export interface ComposeProjectNetwork {
  readonly id: string;
  /** the engine's name, e.g. `shop_back` */
  readonly name: string;
  /** the name in the Compose file (com.docker.compose.network), null for an external network */
  readonly key: string | null;
  /** true when the project's containers use it but Compose did not make it for this project (`external: true`) */
  readonly external: boolean;
  readonly internal: boolean;
  /** the project's containers on it */
  readonly containerIds: readonly string[];
}

export type { ContainerNetns, Listener, Subject };

/**
 * A Topology without the parsed rulesets (`host.firewall.ipv4` / `ipv6`, the bulk of a snapshot):
 * what the presentation (src/protocol/facts) and the topology webview read. The rules they show are
 * the ones the model joined to what they implement (`natRules`, `publishes[].dnatRule` …).
 */
export type TopologyWithoutRules = Omit<Topology, 'host'> & { readonly host: HostNodeWithoutRules | null };
export type HostNodeWithoutRules = Omit<HostNode, 'firewall'> & { readonly firewall: Omit<FirewallNode, 'ipv4' | 'ipv6'> };
