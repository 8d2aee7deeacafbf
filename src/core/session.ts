/**
 * The one entry point front ends use: a session bound to one Docker engine and (optionally) one
 * shell on its host. `snapshot()` returns the joined Topology; engine events arrive through
 * `onEvent`. The CLI, the extension and the tests all go through here.
 */
import type { ContainerChange, ContainerStorage, EngineEndpoint, EngineEvent } from './docker/types';
import type { Gap, Topology } from './model/types';
import { resolveEngineEndpoint } from './docker/connection';
import { createDockerClient } from './docker/client';
import { collectEngineFacts } from './docker/engine';
import { toEngineError } from './docker/errors';
import { getContainerDiff, getContainerStorage, inspectRaw } from './docker/storage';
import { watchEngineEvents } from './docker/events';
import { ContainerDetailsCache } from './docker/containerDetails';
import { createLocalShell, type HostShell } from './host/shell';
import { createSshShell } from './host/sshShell';
import { collectContainerListeners, collectHostFacts } from './host/collect';
import type { ListenerTarget } from './host/commands/containerListeners';
import { withContainerListeners } from './model/withListeners';
import { unknown } from './known';
import { parseIptablesSave } from './netfilter/iptablesSave';
import { parseNftJson } from './netfilter/nftables';
import { mergeRulesets, nativeNftTables } from './netfilter/hooks';
import type { HostFacts, Listener } from './host/types';
import type { Ruleset } from './netfilter/types';
import type { Known } from './known';
import { buildTopology } from './model/build';
import { errorMessage } from './errors';

export interface SshTarget {
  readonly host: string;
  readonly port?: number;
  readonly username?: string;
  /** private key file; else the agent (SSH_AUTH_SOCK), else ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
  readonly privateKeyPath?: string;
  /** default ~/.ssh/known_hosts */
  readonly knownHostsPath?: string;
}

export interface SessionOptions {
  /** like `docker -H`: unix://, tcp://, ssh:// */
  readonly dockerHost?: string;
  /** like `docker --context` */
  readonly context?: string;
  /**
   * Where host facts come from: `local` (child process), `ssh` (the target below), `none`, or
   * `auto` — local for a local engine, the engine's own host for an ssh:// engine, none for tcp://.
   */
  readonly hostShell?: 'auto' | 'local' | 'ssh' | 'none';
  readonly ssh?: SshTarget;
  /** environment to resolve DOCKER_HOST / DOCKER_CONTEXT / HOME from (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export interface SnapshotOptions {
  /**
   * Read who listens in every container namespace (default true: a complete model). Front ends
   * refreshing pass false — those reads are most of a refresh's host-side cost — and leave each
   * container's listeners unknown with LISTENERS_NOT_READ until readListeners.
   */
  readonly containerListeners?: boolean;
}

export interface Session {
  readonly description: string;
  snapshot(signal?: AbortSignal, options?: SnapshotOptions): Promise<Topology>;
  /**
   * The topology with the listeners of these containers read now, in one shell round trip (for a
   * trace that reached them, or a container's pane). Containers the last snapshot did not find a
   * process of, or without a host shell, get them unknown with the reason.
   */
  readListeners(topology: Topology, containerIds: readonly string[], signal?: AbortSignal): Promise<Topology>;
  storage(containerId: string): Promise<ContainerStorage>;
  diff(containerId: string): Promise<readonly ContainerChange[]>;
  /** raw `docker inspect` JSON of a container, network or volume, for the "raw" view */
  inspectRaw(kind: 'container' | 'network' | 'volume', id: string): Promise<unknown>;
  /** Subscribes to the engine's event stream (reconnecting with backoff). Returns an unsubscribe. */
  onEvent(listener: (e: EngineEvent) => void, onState?: (state: 'connected' | 'reconnecting', error?: string) => void): () => void;
  dispose(): Promise<void>;
}

/** Which host shell `auto` means for an engine endpoint. */
export function chooseHostShell(endpoint: EngineEndpoint, opts: SessionOptions): { kind: 'local' | 'ssh' | 'none'; ssh?: SshTarget } {
  const mode = opts.hostShell ?? 'auto';
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'local') return { kind: 'local' };
  if (mode === 'ssh') {
    const ssh = opts.ssh ?? (endpoint.kind === 'ssh' && endpoint.host ? { host: endpoint.host, port: endpoint.port, username: endpoint.username } : undefined);
    return ssh ? { kind: 'ssh', ssh } : { kind: 'none' };
  }
  if (opts.ssh) return { kind: 'ssh', ssh: opts.ssh };
  if (endpoint.kind === 'unix') return { kind: 'local' };
  if (endpoint.kind === 'ssh' && endpoint.host) return { kind: 'ssh', ssh: { host: endpoint.host, port: endpoint.port, username: endpoint.username } };
  if (endpoint.kind === 'tcp' && (endpoint.host === '127.0.0.1' || endpoint.host === 'localhost')) return { kind: 'local' };
  return { kind: 'none' };
}

function parseRules(fact: Known<string>, family: 'ipv4' | 'ipv6', subject: string, gaps: Gap[]): Ruleset | null {
  if (!fact.known) {
    gaps.push({ subject, reason: fact.reason });
    return null;
  }
  try {
    return parseIptablesSave(fact.value, family, family === 'ipv4' ? 'iptables-save' : 'ip6tables-save');
  } catch (e) {
    gaps.push({ subject, reason: errorMessage(e) });
    return null;
  }
}

/**
 * The host's whole firewall for one family: iptables-save's tables, plus the nftables tables
 * iptables does not own (Docker 29's native backend, firewalld, the user's own) from `nft -j`.
 */
export function hostRulesets(host: HostFacts, gaps: Gap[]): { ipv4: Ruleset | null; ipv6: Ruleset | null } {
  const fromIptables = {
    ipv4: parseRules(host.iptablesSave, 'ipv4', 'host.iptables', gaps),
    ipv6: parseRules(host.ip6tablesSave, 'ipv6', 'host.ip6tables', gaps),
  };
  if (!host.nftRuleset.known) return fromIptables;
  const merged = { ...fromIptables };
  for (const family of ['ipv4', 'ipv6'] as const) {
    try {
      const native = nativeNftTables(parseNftJson(host.nftRuleset.value, family, 'nft -j list ruleset'));
      if (Object.keys(native.tables).length === 0) continue;
      const base = fromIptables[family];
      merged[family] = base ? mergeRulesets(base, native) : native;
    } catch (e) {
      gaps.push({ subject: `host.nftables ${family}`, reason: errorMessage(e) });
    }
  }
  return merged;
}

export function createSession(opts: SessionOptions = {}): Session {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const endpoint = resolveEngineEndpoint({ dockerHost: opts.dockerHost, context: opts.context, env });
  const docker = createDockerClient(endpoint, opts.ssh ? { knownHostsPath: opts.ssh.knownHostsPath, privateKeyPath: opts.ssh.privateKeyPath } : undefined);
  const shellChoice = chooseHostShell(endpoint, opts);
  let shell: HostShell | null = null;
  const getShell = (): HostShell | null => {
    if (shellChoice.kind === 'none') return null;
    shell ??= shellChoice.kind === 'local' ? createLocalShell() : createSshShell(shellChoice.ssh!);
    return shell;
  };
  const stops = new Set<() => void>();
  const details = new ContainerDetailsCache(docker);
  /** each container's namespace as the last snapshot found it, for readListeners */
  let namespaces = new Map<string, ListenerTarget>();
  const shellLabel = shellChoice.kind === 'ssh' ? `ssh ${shellChoice.ssh!.host}` : shellChoice.kind;

  return {
    description: `${endpoint.url} (host shell: ${shellLabel})`,
    async snapshot(signal, options = {}) {
      const started = Date.now();
      const hostShell = getShell();
      // the host batch first: it is the longer of the two, and its shell starts running at once
      const hostFacts = hostShell ? collectHostFacts(hostShell, { signal, containerListeners: options.containerListeners ?? true }) : Promise.resolve(null);
      const engineFacts = collectEngineFacts(docker, endpoint, signal)
        .then(async (facts) => {
          const enriched = await details.enrich(facts.containers, signal);
          return { ...facts, containers: enriched.containers, apiCalls: facts.apiCalls + enriched.apiCalls };
        })
        .catch((e) => {
          throw toEngineError(e, endpoint);
        });
      const [engine, host] = await Promise.all([engineFacts, hostFacts]);
      if (host?.containerNetns.known) {
        namespaces = new Map(Object.values(host.containerNetns.value).map((n) => [n.containerId, { containerId: n.containerId, pid: n.pid, netnsInode: n.netnsInode ?? null }]));
      }
      const gaps: Gap[] = [];
      const rules = host ? hostRulesets(host, gaps) : { ipv4: null, ipv6: null };
      const topology = buildTopology({ engine, host, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps, collectMs: Date.now() - started });
      log('debug', `snapshot: ${engine.apiCalls} API calls, ${host?.roundTrips ?? 0} shell round trips, ${Date.now() - started} ms`);
      return topology;
    },
    async readListeners(topology, containerIds, signal) {
      const hostShell = getShell();
      const targets: ListenerTarget[] = [];
      const byId: Record<string, Known<readonly Listener[]>> = {};
      for (const id of containerIds) {
        const t = namespaces.get(id);
        if (hostShell && t) targets.push(t);
        else byId[id] = unknown(hostShell ? 'no process of this container was found on the host' : 'no shell on the Docker host is configured');
      }
      const read = hostShell ? await collectContainerListeners(hostShell, targets, signal) : {};
      return withContainerListeners(topology, { ...byId, ...read });
    },
    storage: (id) => getContainerStorage(docker, id).catch((e) => { throw toEngineError(e, endpoint); }),
    diff: (id) => getContainerDiff(docker, id).catch((e) => { throw toEngineError(e, endpoint); }),
    inspectRaw: (kind, id) => inspectRaw(docker, kind, id).catch((e) => { throw toEngineError(e, endpoint); }),
    onEvent(listener, onState) {
      const stop = watchEngineEvents(docker, listener, onState);
      stops.add(stop);
      return () => {
        stops.delete(stop);
        stop();
      };
    },
    async dispose() {
      for (const stop of stops) stop();
      stops.clear();
      await shell?.dispose();
      shell = null;
    },
  };
}
