/**
 * What the Docker Engine says, normalised from its API (camelCase, no nulls where "none" is meant).
 * Produced by `collectEngineFacts` from list calls only; per-container extras (storage layers,
 * `docker diff`) are fetched on demand.
 */

/** How the engine was reached; `describe` is what error messages and the status bar show. */
export interface EngineEndpoint {
  /** unix socket, tcp (optionally TLS), or ssh (`docker system dial-stdio` on the remote). */
  readonly kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  /** e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://me@host:22` */
  readonly url: string;
  /** Where the setting came from: `option`, `DOCKER_HOST`, `DOCKER_CONTEXT`, `context:<name>`, `default`. */
  readonly source: string;
  readonly contextName?: string;
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly verify: boolean };
}

export interface EngineInfo {
  readonly endpoint: EngineEndpoint;
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  readonly kernelVersion: string;
  readonly storageDriver: string;
  /**
   * The engine's own word on its firewall, GET /info `FirewallBackend.Driver` (API 1.49+, Docker 28
   * on): `iptables`, `nftables`, either with `+firewalld`; null where the engine says nothing.
   */
  readonly firewallBackend: string | null;
  /**
   * `FirewallBackend.Info` label/value pairs as the engine gives them (firewalld's `ReloadedAt`, the
   * userland proxy …); [] when none. Absent in facts recorded before netlens read it.
   */
  readonly firewallBackendInfo?: readonly (readonly [string, string])[];
  readonly swarm: { readonly state: string; readonly nodeAddr: string | null };
  /** `io.containerd.snapshotter.v1` style driver status where the containerd image store is used. */
  readonly containerdImageStore: boolean;
  /**
   * Which engine serves the API: `podman` where GET /version lists a "Podman Engine" component
   * (`podman system service`, whose Docker-compatible API this is), else `docker`. Absent in facts
   * recorded before netlens told them apart: Docker.
   */
  readonly product?: EngineProduct;
  /**
   * What this engine's API does not say that Docker's would, and how netlens made up for it, one
   * sentence each; [] or absent for Docker itself.
   */
  readonly apiLimits?: readonly string[];
  /**
   * When the GET /info and /version answers this was made from were read (ISO time), where they
   * were kept: the same engine process answered since — its event stream unbroken in a session, the
   * same process serving the socket for the CLI (session.ts). Absent where they were read for this
   * snapshot.
   */
  readonly keptSince?: string;
}

/**
 * The engine's own answers to GET /info and GET /version, as they came (EngineInfo is made from
 * them), and when they were read: what a session may keep while the same engine process answers.
 */
export interface EngineIdentity {
  readonly info: unknown;
  readonly version: unknown;
  readonly at: string;
}

export type EngineProduct = 'docker' | 'podman';

export interface IpamConfig {
  readonly subnet: string;
  readonly gateway: string | null;
  readonly ipRange: string | null;
}

export interface DockerNetwork {
  readonly id: string;
  readonly name: string;
  /** bridge, host, null, overlay, macvlan, ipvlan or a plugin's name */
  readonly driver: string;
  readonly scope: string;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly ingress: boolean;
  readonly enableIPv6: boolean;
  readonly ipam: { readonly driver: string; readonly config: readonly IpamConfig[] };
  readonly options: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly created: string;
  /**
   * The host interface the engine itself names for this network, where its API does so apart from
   * the options: Podman's own API (GET /libpod/networks/json `network_interface`, e.g. podman1).
   * Absent on Docker, whose bridge comes from the options or its naming rule.
   */
  readonly bridgeInterface?: string;
}

export interface DockerEndpoint {
  readonly networkName: string;
  readonly networkId: string;
  readonly endpointId: string;
  /** IPv4 without prefix length, or null */
  readonly ipv4: string | null;
  readonly ipv4PrefixLen: number | null;
  readonly ipv6: string | null;
  readonly ipv6PrefixLen: number | null;
  readonly gateway: string | null;
  readonly ipv6Gateway: string | null;
  readonly mac: string | null;
  readonly aliases: readonly string[];
  /** `--link` entries as the engine reports them, e.g. `web:alias` */
  readonly links: readonly string[];
}

export interface DockerPort {
  /** null when the port is only exposed, not published */
  readonly hostIp: string | null;
  readonly hostPort: number | null;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
}

export interface DockerMount {
  readonly type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | string;
  readonly name: string | null;
  /** Host path (volumes: the `_data` folder); empty for tmpfs */
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
  readonly mode: string;
  readonly driver: string | null;
  readonly propagation: string;
}

export interface DockerContainer {
  readonly id: string;
  /** without the leading slash */
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly command: string;
  readonly created: number;
  /** created, running, paused, restarting, removing, exited, dead */
  readonly state: string;
  readonly status: string;
  /** `default`, `bridge`, `host`, `none`, `container:<id>`, or a network name */
  readonly networkMode: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly DockerPort[];
  readonly mounts: readonly DockerMount[];
  readonly endpoints: readonly DockerEndpoint[];
}

export interface DockerVolume {
  readonly name: string;
  readonly driver: string;
  readonly mountpoint: string;
  readonly scope: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>;
}

export interface EngineFacts {
  readonly info: EngineInfo;
  readonly networks: readonly DockerNetwork[];
  readonly containers: readonly DockerContainer[];
  readonly volumes: readonly DockerVolume[];
  /** Engine API calls this snapshot made, for the benchmark and the log. */
  readonly apiCalls: number;
  /** the answers `info` was made from, for a session to keep (collectEngineFacts' `kept`) */
  readonly identity?: EngineIdentity;
}

/** On demand, per container: where its filesystem lives (seed 2's overlay2 walk). */
export interface ContainerStorage {
  readonly containerId: string;
  readonly driver: string;
  /** LowerDir split on ':' (top first, as the engine lists it); empty when not reported */
  readonly lowerDirs: readonly string[];
  readonly upperDir: string | null;
  readonly mergedDir: string | null;
  readonly workDir: string | null;
  /** Set when the engine gives no layer paths, e.g. the containerd image store. */
  readonly unavailableReason: string | null;
  /** From inspect, as the list does not carry them */
  readonly pid: number | null;
  readonly sandboxKey: string | null;
}

export interface ContainerChange {
  readonly kind: 'A' | 'C' | 'D';
  readonly path: string;
}

/** An engine event reduced to what the views react to. */
export interface EngineEvent {
  readonly type: 'container' | 'network' | 'volume' | 'image' | 'daemon' | string;
  readonly action: string;
  readonly id: string;
  readonly name: string | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly time: number;
}
