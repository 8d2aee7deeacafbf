/**
 * What the Docker host's kernel says, collected in one shell round trip (see collect.ts).
 * Every group of facts is `Known<…>`: a missing command or a permission error leaves that group
 * unknown with its reason, and the rest of the snapshot stands.
 */
import type { IpvsService } from './commands/ipvs';
import type { Known } from '../known';
import type { NetlensErrorCode } from '../errors';
import type { RootlessKitProcess } from './commands/rootlessKit';

export type InterfaceKind =
  | 'loopback'
  | 'physical'
  | 'bridge'
  | 'veth'
  | 'macvlan'
  | 'ipvlan'
  | 'vxlan'
  | 'tun'
  | 'dummy'
  | 'bond'
  | 'vlan'
  | 'ifb'
  | 'wireguard'
  | 'other';

export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6';
  /** without prefix length */
  readonly address: string;
  readonly prefixLen: number;
  readonly scope: string;
  readonly broadcast: string | null;
}

export interface NetInterface {
  readonly name: string;
  readonly index: number;
  readonly kind: InterfaceKind;
  /** `info_kind` as the kernel reports it (veth, bridge, macvlan, …) or null for plain devices */
  readonly rawKind: string | null;
  /** Name of the bridge (or bond) this interface is enslaved to, null where none */
  readonly master: string | null;
  readonly mac: string | null;
  readonly mtu: number;
  /** operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN … */
  readonly state: string;
  readonly flags: readonly string[];
  readonly addresses: readonly InterfaceAddress[];
  /**
   * The kernel's iflink: for a veth the peer's ifindex (in the namespace named by linkNetnsId when
   * set); for macvlan/ipvlan/vlan the parent's ifindex. null where it is the interface itself.
   */
  readonly linkIndex: number | null;
  readonly linkNetnsId: number | null;
  /** macvlan/ipvlan mode, vxlan id/port/local, bridge stp … as reported by `ip -d` */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface Route {
  /** `default` or a CIDR (a host route is written with its /32 or /128) */
  readonly dst: string;
  readonly gateway: string | null;
  readonly dev: string | null;
  readonly protocol: string | null;
  readonly scope: string | null;
  readonly prefsrc: string | null;
  readonly metric: number | null;
  /** main unless the route came from another table (local, …) */
  readonly table: string;
  /** unicast, local, broadcast, blackhole, unreachable, prohibit … */
  readonly type: string;
  readonly family: 'inet' | 'inet6';
  readonly flags: readonly string[];
}

export interface Neighbour {
  readonly dst: string;
  readonly dev: string;
  readonly lladdr: string | null;
  readonly state: readonly string[];
}

export interface BridgePort {
  readonly ifname: string;
  readonly ifindex: number;
  readonly master: string;
  /** forwarding, blocking, disabled … */
  readonly state: string;
  readonly hairpin: boolean | null;
}

/**
 * A socket that takes packets from anyone: TCP in LISTEN, or UDP bound and unconnected. Read from
 * /proc/PID/net/{tcp,tcp6,udp,udp6} (commands/procNetSockets.ts).
 */
export interface Listener {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  /** the bound address; 0.0.0.0 or :: for any (a :: socket also takes IPv4 unless IPV6_V6ONLY, which /proc does not show) */
  readonly address: string;
  readonly port: number;
  /** the socket's inode, which ties it to a process's /proc/PID/fd */
  readonly inode?: number;
}

/** The view from inside one network namespace (a container's or a named netns). */
export interface NetnsFacts {
  readonly interfaces: Known<readonly NetInterface[]>;
  readonly routes: Known<readonly Route[]>;
  readonly neighbours: Known<readonly Neighbour[]>;
  /** listening sockets; absent in facts recorded before netlens read them */
  readonly listeners?: Known<readonly Listener[]>;
}

export interface NamedNetns extends NetnsFacts {
  readonly name: string;
  /** netnsid as seen from the host (matches NetInterface.linkNetnsId), null when unassigned */
  readonly id: number | null;
}

/**
 * One of Docker's own namespaces under /var/run/docker/netns/ that no container process holds:
 * `1-<network id, 10 chars>` (an overlay network's br0 and vxlan0), `ingress_sbox`, `lb_<network id, 9 chars>`.
 */
export interface DockerNetns extends NetnsFacts {
  /** the file name, e.g. `1-bu6pfjvq1m` */
  readonly name: string;
  /** the full path nsenter entered */
  readonly path: string;
  /**
   * netnsid as seen from the host (matches NetInterface.linkNetnsId), where a host veth's peer lives
   * in this namespace (docker_gwbridge → ingress_sbox); null where the host has no link into it
   */
  readonly id: number | null;
  /**
   * An overlay's namespace only (`<epoch>-<id>`): its forwarding database, `bridge -json fdb show`
   * there. On vxlan0 Docker writes one permanent entry per remote endpoint: its MAC and the
   * underlay address of the node it lives on. Absent on other namespaces and in older recordings.
   */
  readonly fdb?: Known<readonly FdbEntry[]>;
  /**
   * `ingress_sbox` and `lb_…` only: the namespace's IPVS table (`/proc/net/ip_vs` there), the
   * Swarm's load balancer. Absent on other namespaces and in older recordings.
   */
  readonly ipvs?: Known<IpvsTable>;
  /** `ingress_sbox` and `lb_…` only: `iptables-save` inside it (the marks and SNAT of the mesh) */
  readonly iptablesSave?: Known<string>;
}

/** One namespace's IPVS: `present` false where the kernel shows none (no ip_vs module loaded). */
export interface IpvsTable {
  readonly present: boolean;
  readonly services: readonly IpvsService[];
}

/** One forwarding entry (`bridge -json fdb show`). */
export interface FdbEntry {
  readonly mac: string;
  /** the device it is on (vxlan0, a bridge port, the bridge itself) */
  readonly dev: string;
  /** a VXLAN entry's remote underlay address, null on ordinary bridge entries */
  readonly dst: string | null;
  readonly master: string | null;
  readonly flags: readonly string[];
  /** permanent, static, or '' for learned entries */
  readonly state: string;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

export interface DockerProxyProcess {
  readonly pid: number;
  readonly proto: string;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
  readonly args: string;
}

export interface ContainerNetns extends NetnsFacts {
  readonly containerId: string;
  readonly pid: number;
  /**
   * How its facts were read: `proc` from the host side (/proc/PID/net and the container's sysfs,
   * commands/netnsRead.ts), `nsenter` by `ip -json` inside it (what /proc cannot describe),
   * `proc-fallback` from the host side where nsenter was needed but failed, `host` / `shared` the
   * host's or the sharing container's namespace. Absent in older recordings.
   */
  readonly source?: 'proc' | 'nsenter' | 'proc-fallback' | 'host' | 'shared';
  /** the namespace's inode as `ls -l /proc/PID/ns/net` showed it, to tell a reused PID later */
  readonly netnsInode?: number;
}

export interface HostFacts {
  /** `local`, or `ssh user@host:port` */
  readonly target: string;
  readonly transport: 'local' | 'ssh' | 'container';
  /**
   * A local shell that ran in another network namespace of this machine: the argv prefix that runs
   * a command there too (`nsenter --net=/proc/PID/ns/net`), e.g. a packet capture. Absent: this
   * machine's own namespace, or not local.
   */
  readonly enter?: readonly string[];
  readonly hostname: Known<string>;
  /** `/proc/sys/kernel/osrelease`; absent in facts recorded before netlens read it */
  readonly kernelRelease?: Known<string>;
  readonly interfaces: Known<readonly NetInterface[]>;
  readonly routes: Known<readonly Route[]>;
  readonly neighbours: Known<readonly Neighbour[]>;
  readonly bridgePorts: Known<readonly BridgePort[]>;
  /** raw `iptables-save` / `ip6tables-save` output, parsed by core/netfilter */
  readonly iptablesSave: Known<string>;
  readonly ip6tablesSave: Known<string>;
  /** raw `nft -j list ruleset` JSON text */
  readonly nftRuleset: Known<string>;
  /** `iptables -V`, e.g. `iptables v1.8.9 (nf_tables)` */
  readonly iptablesVersion: Known<string>;
  /** net.ipv4.ip_forward, net.bridge.bridge-nf-call-iptables, … (missing keys are absent) */
  readonly sysctls: Known<Readonly<Record<string, string>>>;
  readonly namedNetns: Known<readonly NamedNetns[]>;
  /**
   * Docker's namespaces without a container process (overlay, ingress_sbox, lb_…), read in the
   * same round trip. Optional: facts recorded before it existed, and hand-made ones, lack it.
   */
  readonly dockerNetns?: Known<readonly DockerNetns[]>;
  readonly dockerProxies: Known<readonly DockerProxyProcess[]>;
  /** the host namespace's listening sockets (docker-proxy's among them); absent in older recordings */
  readonly listeners?: Known<readonly Listener[]>;
  /**
   * The RootlessKit whose namespace the shell ran in (rootless Docker), null when it ran in none;
   * absent in facts recorded before netlens read it.
   */
  readonly rootlessKit?: Known<RootlessKitProcess | null>;
  /** keyed by full container id, for every running container the batch could find a process of */
  readonly containerNetns: Known<Readonly<Record<string, ContainerNetns>>>;
  /**
   * Set when the shell itself failed (SSH refused, host key unknown …): every fact above is then
   * unknown for this one reason, and `code` lets a front end offer the fix (e.g. trust a host key).
   */
  readonly shellError?: { readonly code: NetlensErrorCode; readonly message: string; readonly tried?: string };
  /**
   * Set when this read followed engine events or a quiet kernel watcher and re-read only what they change: the sections and
   * the number of container namespaces kept from the read at `since` (ISO time), where the kernel
   * showed the same process still in the same namespace. Absent: everything was read now.
   */
  readonly kept?: {
    readonly since: string;
    readonly sections: readonly string[];
    readonly namespaces: number;
    /** the kernel watcher (ip monitor, kernelWatch.ts) heard no change to what was kept; absent: only engine events said so */
    readonly watched?: boolean;
    /**
     * the whole container-netns read kept, the process table and docker-proxies included: the
     * kernel watcher heard nothing that could start a container, and each process it read is still
     * in its namespace
     */
    readonly processes?: boolean;
  };
  /** Shell round trips and wall time of this snapshot, for the benchmark and the log */
  readonly roundTrips: number;
  readonly elapsedMs: number;
}
