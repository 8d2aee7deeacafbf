/**
 * The one entry point front ends use: a session bound to one Docker engine and (optionally) one
 * shell on its host. `snapshot()` returns the joined Topology; engine events arrive through
 * `onEvent`. The CLI, the extension and the tests all go through here.
 */
import type { ContainerChange, ContainerStorage, EngineEndpoint, EngineEvent, EngineFacts, EngineIdentity } from './docker/types';
import type { Gap, Topology } from './model/types';
import { resolveEngineEndpoint } from './docker/connection';
import { createDockerClient } from './docker/client';
import { collectEngineFacts, identityHolds } from './docker/engine';
import { toEngineError } from './docker/errors';
import { getContainerDiff, getContainerStorage, inspectRaw } from './docker/storage';
import { watchEngineEvents } from './docker/events';
import { ContainerDetailsCache, type DetailsRecords } from './docker/containerDetails';
import { createLocalShell, type HostShell, type LocalShellOptions } from './host/shell';
import { createEngineNamespaceShell, engineProcessFingerprint } from './host/engineNamespace';
import { normaliseInfo } from './docker/normalise';
import { createSshShell } from './host/sshShell';
import { createContainerShell, type HelperOptions } from './host/containerShell';
import { KEPT_ON_CONTAINER_EVENTS, collectContainerListeners, collectContainerNat, collectHostListeners, failedHostFacts, keepDockerNetns, readHost, watchedReuse, type HostReuse } from './host/collect';
import { KernelWatch, type WatchWindow } from './host/kernelWatch';
import { keepableNamespaces } from './host/commands/keptNamespaces';
import type { BatchCommand, BatchSection } from './host/batch';
import type { ListenerTarget, ListenersAsked } from './host/commands/containerListeners';
import { matchEngineHost } from './model/hostIdentity';
import { withContainerListeners, withContainerNat, withHostListeners } from './model/withListeners';
import { unknown } from './known';
import { parseIptablesSave } from './netfilter/iptablesSave';
import { parseNftJson } from './netfilter/nftables';
import { mergeRulesets, nativeNftTables } from './netfilter/hooks';
import type { HostFacts, Listener } from './host/types';
import type { Ruleset } from './netfilter/types';
import type { Known } from './known';
import { buildTopology } from './model/build';
import { errorMessage } from './errors';
import { allOrAbort, linkedAbort } from './abort';
import { runSection } from './host/batch';
import { judgeRouteChecks, routeCheckCommand, routeChecks, type KernelCheck } from './trace/kernelCheck';
import { countersCommand, judgeProbe, probeCommand, probePlan, type ProbeResult } from './trace/probe';
import type { TraceResult } from './trace/types';

import type { SshTarget } from './ssh/target';
export type { SshTarget } from './ssh/target';

export interface SessionOptions {
  /** like `docker -H`: unix://, tcp://, ssh:// */
  readonly dockerHost?: string;
  /** like `docker --context` */
  readonly context?: string;
  /**
   * Where host facts come from: `local` (child process), `ssh` (the target below), `none`, or
   * `auto` — local for a local engine (for a unix socket served from another network namespace of
   * this machine, as rootless Docker's is from RootlessKit's, the local shell runs in that namespace),
   * the engine's own host for an ssh:// engine, none for tcp://; `local` is this namespace as it is;
   * `container` — a privileged helper container on the engine itself (host/containerShell.ts).
   * Choosing `container` is the consent to run it: `auto` never picks it.
   */
  readonly hostShell?: 'auto' | 'local' | 'ssh' | 'none' | 'container';
  /** the helper container's image (netlens.helperImage), whether it may be pulled, and who consents */
  readonly helper?: HelperOptions;
  readonly ssh?: SshTarget;
  /** environment to resolve DOCKER_HOST / DOCKER_CONTEXT / HOME from (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * How the local host shell is started: `prefix` (e.g. `['nsenter', '--net=/run/netns/NS']` for a
   * Docker host living in a network namespace of this machine), the shell's environment, and the
   * CLI's head start (its first run may be running already: src/cli/headStart.ts).
   */
  readonly localShell?: Pick<LocalShellOptions, 'prefix' | 'env' | 'headStart'>;
  readonly timeouts?: SessionTimeouts;
  /**
   * Keep a kernel watcher (`ip monitor`, host/kernelWatch.ts) running beside a local host shell for
   * the session's life, so that a refresh re-reads only what the kernel says changed since the last
   * read (HostFacts.kept). For sessions that refresh (the extension); a one-shot read gains nothing.
   * SSH and helper-container shells have no watcher: their refreshes read as without it.
   */
  readonly kernelWatch?: boolean;
  /**
   * Container details (network aliases, links, tmpfs: docker/containerDetails.ts) kept between runs,
   * per engine URL: `load` gives what an earlier run kept, `save` is told what this run knows
   * whenever that changed. For one-shot runs (the CLI keeps them in its cache directory); a long
   * session keeps them in memory anyway.
   */
  readonly detailsStore?: DetailsStore;
  /**
   * The engine's /info and /version answers kept between runs (the CLI keeps them in its cache
   * directory), with the fingerprint of the engine process that gave them
   * (engineProcessFingerprint): used only while that very process serves the socket, outside a
   * swarm, and while they agree with the network list; each of these two calls costs the engine a
   * `runc --version` and a `docker-init --version`.
   */
  readonly identityStore?: IdentityStore;
  readonly log?: (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** What a one-shot run keeps of an engine between runs, per engine URL: `load` gives what an earlier run kept (to be checked), `save` what this run knows. */
export interface EngineStore<T> {
  load(engineUrl: string): unknown;
  save(engineUrl: string, value: T): void;
}

export type DetailsStore = EngineStore<DetailsRecords>;

export interface StoredIdentity {
  readonly fingerprint: string;
  readonly identity: EngineIdentity;
}

export type IdentityStore = EngineStore<StoredIdentity>;

function isStoredIdentity(v: unknown): v is StoredIdentity {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { fingerprint?: unknown; identity?: { info?: unknown; version?: unknown; at?: unknown } | null };
  return typeof o.fingerprint === 'string' && typeof o.identity === 'object' && o.identity !== null && typeof o.identity.at === 'string' && typeof o.identity.info === 'object' && typeof o.identity.version === 'object';
}

/** Limits on waiting; none is unbounded. Defaults in parentheses. */
export interface SessionTimeouts {
  /** one Engine API request, and the event stream's opening (10 s) */
  readonly engineRequestMs?: number;
  /** one host batch, local or over SSH; the whole process group is killed when it is reached (30 s) */
  readonly hostBatchMs?: number;
  /** a quiet event stream is checked with GET /_ping this often (30 s) */
  readonly eventCheckMs?: number;
}

export interface SnapshotOptions {
  /**
   * Read who listens, in every container namespace and on the host (default true: a complete
   * model). Front ends refreshing pass false — those reads are most of a refresh's host-side cost —
   * and leave those listeners unknown with LISTENERS_NOT_READ until readListeners.
   */
  readonly containerListeners?: boolean;
  /**
   * The containers engine events touched since the last snapshot (their `id`s), when nothing else
   * asked for this one: the host side then re-reads only what container events change and those
   * containers' namespaces, and keeps the rest from the last read (HostFacts.kept says what and
   * since when). Without it — and at least every FULL_READ_EVERY_MS — everything is read.
   */
  readonly changedContainers?: readonly string[];
}

/** The first snapshot of a session with a kernel watcher waits this long at most for it to subscribe. */
const WATCH_READY_WAIT_MS = 2000;

/** Whether two reuses keep the same sections and namespaces (the later one can only keep less). */
function sameKeep(a: HostReuse, b: HostReuse, listenersToo: boolean): boolean {
  const kept = (r: HostReuse): string[] => {
    const netns = r.previous.get('container-netns');
    const ns = netns && !listenersToo ? keepableNamespaces(netns, r.reread, r.keepNsid).map((k) => `${k.pid}:${k.inode}`) : [];
    return [...[...r.sections].filter((n) => r.previous.has(n)), ...ns].sort();
  };
  return kept(a).join(' ') === kept(b).join(' ');
}

/** The ids of the containers the engine runs: those in a state with processes. */
function runningIds(engine: EngineFacts): Set<string> {
  return new Set(engine.containers.filter((c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting').map((c) => c.id));
}

/** The containers the engine runs whose namespace the host's process table lacks (all of them when it is unknown). */
function notInProcessTable(engine: EngineFacts, host: HostFacts | null): string[] {
  const found = host?.containerNetns.known ? new Set(Object.values(host.containerNetns.value).map((n) => n.containerId)) : new Set<string>();
  return [...runningIds(engine)].filter((id) => !found.has(id));
}

function hasOverlays(engine: EngineFacts): boolean {
  return engine.networks.some((n) => n.driver === 'overlay');
}

/** A snapshot after events still reads the whole host when the last whole read is this old. */
export const FULL_READ_EVERY_MS = 5 * 60_000;

export interface Session {
  readonly description: string;
  snapshot(signal?: AbortSignal, options?: SnapshotOptions): Promise<Topology>;
  /**
   * The topology with the listeners asked for read now — these containers', the host's — in one
   * shell round trip each (for a trace that reached them, or their pane). Containers the last
   * snapshot did not find a process of, or without a host shell, get them unknown with the reason.
   */
  readListeners(topology: Topology, asked: ListenersAsked, signal?: AbortSignal): Promise<Topology>;
  /**
   * The topology with these containers' own nat tables read now (`iptables-save -t nat` in each
   * namespace, one round trip), for a trace that reached a Swarm task through the routing mesh.
   */
  readContainerNat(topology: Topology, containerIds: readonly string[], signal?: AbortSignal): Promise<Topology>;
  /**
   * Asks the kernel, read-only and in one round trip, whether it routes as the trace says at each
   * routing step (`ip route get` in that step's namespace). Without a host shell: not settled, saying why.
   */
  verifyTrace(topology: Topology, result: Pick<TraceResult, 'hops' | 'reply'>, signal?: AbortSignal): Promise<KernelCheck>;
  /**
   * Sends one real packet from the trace's source namespace to its destination (a TCP connection
   * attempt, a UDP datagram or one ping), with the rule counters read before and after, in one
   * round trip, and says whether the kernel agrees (probe.ts). Not read-only in the sense that a
   * packet goes out: callers ask the user first (the CLI flag is the consent).
   */
  probeTrace(topology: Topology, result: TraceResult, signal?: AbortSignal): Promise<ProbeResult>;
  /**
   * Every rule's packet counters on the engine's host (`iptables-save -c`, read-only), for a probe
   * sent from another host whose packet reaches this one; null `text` with why when not read.
   */
  ruleCounters(family: 'ipv4' | 'ipv6', signal?: AbortSignal): Promise<{ readonly text: string | null; readonly failure: string | null }>;
  storage(containerId: string): Promise<ContainerStorage>;
  diff(containerId: string): Promise<readonly ContainerChange[]>;
  /** raw `docker inspect` JSON of a container, network or volume, for the "raw" view */
  inspectRaw(kind: 'container' | 'network' | 'volume', id: string): Promise<unknown>;
  /** Subscribes to the engine's event stream (reconnecting with backoff). Returns an unsubscribe. */
  onEvent(listener: (e: EngineEvent) => void, onState?: (state: 'connected' | 'reconnecting', error?: string) => void): () => void;
  dispose(): Promise<void>;
}

/** Which host shell `auto` means for an engine endpoint. */
export function chooseHostShell(endpoint: EngineEndpoint, opts: SessionOptions): { kind: 'local' | 'ssh' | 'none' | 'container'; ssh?: SshTarget; followEngineSocket?: string } {
  const mode = opts.hostShell ?? 'auto';
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'container') return { kind: 'container' };
  if (mode === 'local') return { kind: 'local' };
  if (mode === 'ssh') {
    const ssh = opts.ssh ?? (endpoint.kind === 'ssh' && endpoint.host ? { host: endpoint.host, port: endpoint.port, username: endpoint.username } : undefined);
    return ssh ? { kind: 'ssh', ssh } : { kind: 'none' };
  }
  if (opts.ssh) return { kind: 'ssh', ssh: opts.ssh };
  if (endpoint.kind === 'unix') {
    // the shell goes where the process serving the socket is, unless the caller said how to start it
    return endpoint.socketPath && !opts.localShell?.prefix?.length ? { kind: 'local', followEngineSocket: endpoint.socketPath } : { kind: 'local' };
  }
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
  // a refresh that kept the firewall's dumps (or read the same ones) has the same facts: parsed once
  const memo = rulesetMemo.get(host.iptablesSave);
  if (memo && memo.ip6 === host.ip6tablesSave && memo.nft === host.nftRuleset) {
    gaps.push(...memo.gaps);
    return memo.rules;
  }
  const own: Gap[] = [];
  const rules = parseHostRulesets(host, own);
  rulesetMemo.set(host.iptablesSave, { ip6: host.ip6tablesSave, nft: host.nftRuleset, rules, gaps: own });
  gaps.push(...own);
  return rules;
}

const rulesetMemo = new WeakMap<Known<string>, { ip6: Known<string>; nft: Known<string>; rules: { ipv4: Ruleset | null; ipv6: Ruleset | null }; gaps: readonly Gap[] }>();

function parseHostRulesets(host: HostFacts, gaps: Gap[]): { ipv4: Ruleset | null; ipv6: Ruleset | null } {
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
  const timeouts = opts.timeouts ?? {};
  const docker = createDockerClient(
    endpoint,
    { env, ...(opts.ssh?.knownHostsPath ? { knownHostsPath: opts.ssh.knownHostsPath } : {}), ...(opts.ssh?.privateKeyPath ? { privateKeyPath: opts.ssh.privateKeyPath } : {}) },
    timeouts.engineRequestMs !== undefined ? { requestTimeoutMs: timeouts.engineRequestMs } : {},
  );
  const shellChoice = chooseHostShell(endpoint, opts);
  const shellLimits = timeouts.hostBatchMs !== undefined ? { timeoutMs: timeouts.hostBatchMs } : {};
  let shell: HostShell | null = null;
  const getShell = (): HostShell | null => {
    if (shellChoice.kind === 'none') return null;
    shell ??=
      shellChoice.kind === 'local'
        ? shellChoice.followEngineSocket
          ? createEngineNamespaceShell(shellChoice.followEngineSocket, { ...opts.localShell, ...shellLimits })
          : createLocalShell({ ...opts.localShell, ...shellLimits })
        : shellChoice.kind === 'container'
          ? createContainerShell(docker, { ...shellLimits, ...(opts.helper ? { image: opts.helper } : {}), log: (m) => log('info', m) })
          : createSshShell(shellChoice.ssh!, shellLimits, { env });
    return shell;
  };
  const stops = new Set<() => void>();
  const details = new ContainerDetailsCache(docker, opts.detailsStore?.load(endpoint.url));
  /** each container's namespace as the last snapshot found it, for readListeners */
  let namespaces = new Map<string, ListenerTarget>();
  /**
   * The last host read's sections, when the last whole read was, and (with a kernel watcher) what
   * the kernel changed since that read began: a later read builds on it.
   */
  let lastRead: { sections: ReadonlyMap<string, BatchSection>; fullAt: number; window: WatchWindow | null } | null = null;
  /** the containers the engine ran at the last snapshot (runningIds) */
  let lastRunning = new Set<string>();
  /** running containers the last read of the process table found no namespace for (notInProcessTable) */
  let lastUnfound = new Set<string>();
  /** whether the engine had overlay networks at the last snapshot (null: no snapshot yet) */
  let lastOverlays: boolean | null = null;
  /**
   * The engine's GET /info and /version answers (EngineIdentity), kept while the same engine process
   * answers: while an event stream of this session has held, unbroken, since they were read (a
   * restarted engine ends every stream; `generation` counts every stream's ups and downs). Kept at
   * most FULL_READ_EVERY_MS, and read again with the host's periodic whole read (the engine's name
   * is the host's).
   */
  let identity: { value: EngineIdentity; generation: number; readAt: number } | null = null;
  let streamGeneration = 0;
  let streamsUp = 0;
  const keptIdentity = (hostWhole: boolean): EngineIdentity | null =>
    identity && !hostWhole && streamsUp > 0 && identity.generation === streamGeneration && Date.now() - identity.readAt < FULL_READ_EVERY_MS ? identity.value : null;
  /** the engine process behind a local socket, at the snapshot that asks (identityStore) */
  let fingerprint: string | null = null;
  /** the answers an earlier run kept (identityStore), when the process that gave them still serves the socket, outside a swarm */
  const storedIdentity = (): EngineIdentity | null => {
    fingerprint = opts.identityStore && endpoint.socketPath ? engineProcessFingerprint(endpoint.socketPath) : null;
    if (!fingerprint) return null;
    const stored = opts.identityStore!.load(endpoint.url);
    if (!isStoredIdentity(stored) || stored.fingerprint !== fingerprint) return null;
    try {
      return normaliseInfo(stored.identity.info, stored.identity.version, endpoint).swarm.state === 'active' ? null : stored.identity;
    } catch {
      return null;
    }
  };
  let watch: KernelWatch | null = null;
  const getWatch = (hostShell: HostShell): KernelWatch | null => {
    if (!opts.kernelWatch || shellChoice.kind !== 'local' || !hostShell.stream) return null;
    watch ??= new KernelWatch(hostShell, (level, m) => log(level, m));
    watch.start();
    return watch;
  };
  /**
   * What a read may keep from the last one: with a kernel watcher, what it heard no change to since
   * that read began (nothing when it was not running whole all that time); without one, after
   * engine events only, what those cannot change. At least every FULL_READ_EVERY_MS, nothing.
   */
  const reuseFor = (changed: readonly string[] | undefined, watching: boolean): HostReuse | undefined => {
    const reuse = reuseOf(changed, watching);
    // Docker's own namespaces (an overlay's, ingress_sbox, lb_…) exist only for overlay networks:
    // without any at the last snapshot, and none found then, there are none (checked again below)
    return reuse && lastOverlays === false ? keepDockerNetns(reuse) : reuse;
  };
  const reuseOf = (changed: readonly string[] | undefined, watching: boolean): HostReuse | undefined => {
    if (!lastRead || Date.now() - lastRead.fullAt >= FULL_READ_EVERY_MS) return undefined;
    const since = new Date(lastRead.fullAt).toISOString();
    if (watching) {
      const w = lastRead.window;
      if (!w || w.spoiled) {
        if (w?.spoiled) log('debug', `host read: everything (${w.spoiled})`);
        return undefined;
      }
      return watchedReuse(lastRead.sections, w, changed, since);
    }
    return changed ? { previous: lastRead.sections, sections: KEPT_ON_CONTAINER_EVENTS, reread: new Set(changed), since } : undefined;
  };
  /** why the last snapshot's host shell was not joined, if it was not */
  let hostNotJoined: string | null = null;
  const shellLabel = shellChoice.kind === 'ssh' ? `ssh ${shellChoice.ssh!.host}` : shellChoice.kind;
  // Disposing the session cancels whatever it still has in flight.
  const lifetime = new AbortController();
  const engineCall = <T>(f: (signal: AbortSignal) => Promise<T>): Promise<T> =>
    f(lifetime.signal).catch((e: unknown) => {
      throw toEngineError(e, endpoint);
    });

  /**
   * One section run on the engine's host when something asks (a trace's kernel check, a probe), and
   * judged: by its output, or by why there is none — no host shell, a shell that is not the
   * engine's host, a failed run. Cancellation is thrown.
   */
  const askHost = async <T>(command: BatchCommand, judge: (section: BatchSection | undefined, failure: string | null) => T, signal?: AbortSignal): Promise<T> => {
    const hostShell = getShell();
    if (!hostShell) return judge(undefined, 'no shell on the Docker host is configured');
    if (hostNotJoined) return judge(undefined, hostNotJoined);
    const linked = linkedAbort(signal, lifetime.signal);
    try {
      const run = await runSection(hostShell, command, linked.signal);
      return 'failure' in run ? judge(undefined, run.failure) : judge(run.section, null);
    } finally {
      linked.dispose();
    }
  };

  /**
   * Something read in chosen containers' namespaces, in one round trip (their listeners, their nat
   * tables): each by the namespace the last snapshot found, or unknown with why it cannot be.
   */
  const readInContainers = async <T>(
    containerIds: readonly string[],
    collect: (shell: HostShell, targets: readonly ListenerTarget[], signal: AbortSignal) => Promise<Record<string, Known<T>>>,
    signal?: AbortSignal,
  ): Promise<Record<string, Known<T>>> => {
    const hostShell = getShell();
    const targets: ListenerTarget[] = [];
    const byId: Record<string, Known<T>> = {};
    for (const id of containerIds) {
      const t = namespaces.get(id);
      if (hostShell && t) targets.push(t);
      else byId[id] = unknown(!hostShell ? 'no shell on the Docker host is configured' : hostNotJoined ?? 'no process of this container was found on the host');
    }
    const linked = linkedAbort(signal, lifetime.signal);
    try {
      const read = hostShell && targets.length ? await collect(hostShell, targets, linked.signal) : {};
      return { ...byId, ...read };
    } finally {
      linked.dispose();
    }
  };

  /** The host's listeners, read now in one round trip, or unknown with why they cannot be. */
  const readHostListeners = async (signal?: AbortSignal): Promise<Known<readonly Listener[]>> => {
    const hostShell = getShell();
    if (!hostShell) return unknown('no shell on the Docker host is configured');
    if (hostNotJoined) return unknown(hostNotJoined);
    const linked = linkedAbort(signal, lifetime.signal);
    try {
      return await collectHostListeners(hostShell, linked.signal);
    } finally {
      linked.dispose();
    }
  };

  return {
    description: `${endpoint.url} (host shell: ${shellLabel})`,
    async snapshot(signal, options = {}) {
      const started = Date.now();
      const hostShell = getShell();
      // the engine's answers are read again with the host's whole read (its name, its kernel)
      const keptEngine = keptIdentity(!!hostShell && (!lastRead || started - lastRead.fullAt >= FULL_READ_EVERY_MS)) ?? (identity ? null : storedIdentity());
      const generation = streamsUp > 0 ? streamGeneration : null;
      const linked = linkedAbort(signal, lifetime.signal);
      let engine: EngineFacts;
      let host: HostFacts | null;
      /** the reuse the host read built on, for the check against the engine's answer below */
      const hostReuse: { value: HostReuse | null } = { value: null };
      try {
        // Engine and host side run at once, the host batch started first: it is the longer of the
        // two. A local shell settles where it runs before (a few reads of /proc), so that the host
        // task reaches its spawn without yielding, before the engine task's requests are made (they
        // cost the first snapshot of a process some 15 ms to set up). The first to fail cancels the
        // other (an engine that times out kills the host batch, and the reverse), so a failed
        // snapshot leaves nothing running.
        if (hostShell?.transport === 'local') await hostShell.prepare?.();
        [host, engine] = await allOrAbort<[HostFacts | null, EngineFacts]>(linked.signal, [
          async (s) => {
            if (!hostShell) return null;
            const watcher = getWatch(hostShell);
            if (watcher) {
              await hostShell.prepare?.();
              // the first read waits for the watcher to subscribe, so that the next can build on it
              if (!lastRead) await watcher.whenReady(WATCH_READY_WAIT_MS);
            }
            // every change the kernel reported before now is taken in before deciding what to keep
            const settled = watcher ? await watcher.settle() : false;
            if (watcher && !settled && lastRead) log('debug', 'kernel watcher: could not tell that it printed all the kernel queued; what it hears while reading is read again');
            const window = watcher?.open() ?? null;
            const listenersToo = options.containerListeners ?? true;
            let reuse = reuseFor(options.changedContainers, watcher !== null);
            let read: Awaited<ReturnType<typeof readHost>>;
            try {
              read = await readHost(hostShell, { signal: s, containerListeners: listenersToo, ...(reuse ? { reuse } : {}) });
              // Unsettled, a change made just before this read began may reach the watcher only while
              // the read runs: what it then heard about something kept is read again (twice at most, then all).
              for (let again = 0; watcher && !settled && reuse?.watched && !read.facts.shellError; again++) {
                const now = again < 2 ? reuseFor(options.changedContainers, true) : undefined;
                if (now && sameKeep(reuse, now, listenersToo)) break;
                log('debug', `host read: the kernel watcher heard a change to something kept while reading; reading ${now ? 'that' : 'everything'} again`);
                reuse = now;
                read = await readHost(hostShell, { signal: s, containerListeners: listenersToo, ...(reuse ? { reuse } : {}) });
              }
            } catch (e) {
              // an aborted read: its window is nobody's
              window?.close();
              throw e;
            }
            // a failed shell leaves nothing to build on
            if (lastRead?.window && lastRead.window !== window) lastRead.window.close();
            if (read.facts.shellError) window?.close();
            lastRead = read.facts.shellError ? null : { sections: read.sections, fullAt: reuse && lastRead ? lastRead.fullAt : started, window };
            hostReuse.value = reuse ?? null;
            return read.facts;
          },
          (s) =>
            collectEngineFacts(docker, endpoint, s, keptEngine)
              .then(async (facts) => {
                // answers read while a stream held, which it still does, and which agree with the
                // network list they came with, are worth keeping
                if (facts.identity && facts.identity !== keptEngine) {
                  const holds = identityHolds(facts.info, facts.networks);
                  identity = generation !== null && generation === streamGeneration && holds ? { value: facts.identity, generation, readAt: Date.now() } : null;
                  if (fingerprint && holds && facts.info.swarm.state !== 'active') opts.identityStore?.save(endpoint.url, { fingerprint, identity: facts.identity });
                }
                const enriched = await details.enrich(facts.containers, s);
                if (details.takeChanged()) opts.detailsStore?.save(endpoint.url, details.records());
                return { ...facts, containers: enriched.containers, apiCalls: facts.apiCalls + enriched.apiCalls };
              })
              .catch((e) => {
                throw toEngineError(e, endpoint);
              }),
        ]);
        // What was kept on the engine's word is read again when its answer now says otherwise: a
        // container that started with no link of its own (--network none) is heard by nobody on the
        // kernel's side — any running container the kept process table lacks (one that started
        // between the last read's engine list and its process table, too); one that stopped or
        // restarted failed the table's check already — and Docker's own namespaces come with
        // overlay networks.
        const overlays = hasOverlays(engine);
        const kept = host?.kept;
        const processesAgain = !!kept?.processes && notInProcessTable(engine, host).some((id) => !lastUnfound.has(id));
        const dockerNetnsAgain = !!kept?.sections.includes('docker-netns') && overlays;
        if (hostReuse.value && hostShell && (processesAgain || dockerNetnsAgain)) {
          log('debug', `host read: the engine ${processesAgain ? 'runs a container the kept process table lacks' : 'has overlay networks'}; reading ${processesAgain ? 'the processes' : "Docker's namespaces"} again`);
          const previous = hostReuse.value;
          const reuse: HostReuse = { ...previous, unchangedNamespaces: false, sections: new Set([...previous.sections].filter((n) => !(dockerNetnsAgain && n === 'docker-netns'))) };
          const read = await readHost(hostShell, { signal: linked.signal, containerListeners: options.containerListeners ?? true, reuse });
          if (lastRead) lastRead = { ...lastRead, sections: read.sections };
          if (read.facts.shellError) {
            lastRead?.window?.close();
            lastRead = null;
          }
          host = read.facts;
        }
        // What a read of the process table itself did not find, it will not find next time either —
        // unless the container is new in this engine list (it may have started just after the read).
        if (host && !host.kept?.processes) lastUnfound = new Set(notInProcessTable(engine, host).filter((id) => lastRunning.has(id)));
        lastRunning = runningIds(engine);
        lastOverlays = overlays;
      } finally {
        linked.dispose();
      }
      const gaps: Gap[] = [];
      // a shell that reached another machine than the engine's lends it nothing
      const match = host ? matchEngineHost(engine, host) : null;
      const joined = host && match && !match.same ? failedHostFacts(host.target, host.transport, { code: 'HOST_MISMATCH', message: `not joined: ${match.reason}` }, `not joined: ${match.reason}`, host.elapsedMs) : host;
      if (match && !match.same) log('warn', `host shell not joined: ${match.reason}`);
      hostNotJoined = match && !match.same ? `the host shell is not the engine's host: ${match.reason}` : null;
      namespaces = joined?.containerNetns.known
        ? new Map(Object.values(joined.containerNetns.value).map((n) => [n.containerId, { containerId: n.containerId, pid: n.pid, netnsInode: n.netnsInode ?? null }]))
        : new Map();
      const rules = joined ? hostRulesets(joined, gaps) : { ipv4: null, ipv6: null };
      const topology = buildTopology({ engine, host: joined, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps, collectMs: Date.now() - started });
      log('debug', `snapshot: ${engine.apiCalls} API calls, ${host?.roundTrips ?? 0} shell round trips, ${Date.now() - started} ms`);
      return topology;
    },
    async readListeners(topology, asked, signal) {
      const [byId, host] = await Promise.all([
        asked.containers.length ? readInContainers(asked.containers, collectContainerListeners, signal) : {},
        asked.host ? readHostListeners(signal) : null,
      ]);
      const withContainers = withContainerListeners(topology, byId);
      return host ? withHostListeners(withContainers, host) : withContainers;
    },
    readContainerNat: (topology, containerIds, signal) => readInContainers(containerIds, collectContainerNat, signal).then((byId) => withContainerNat(topology, byId)),
    async verifyTrace(topology, result, signal) {
      const { checks, skipped } = routeChecks(topology, result);
      if (checks.length === 0 && getShell() && !hostNotJoined) return judgeRouteChecks(checks, skipped, { stdout: '', parts: [], code: 0 }, null);
      return askHost(routeCheckCommand(checks), (section, failure) => judgeRouteChecks(checks, skipped, section, failure), signal);
    },
    async probeTrace(topology, result, signal) {
      const plan = probePlan(topology, result);
      if (typeof plan === 'string') return judgeProbe(result, plan, undefined, null);
      return askHost(probeCommand(plan), (section, failure) => judgeProbe(result, plan, section, failure), signal);
    },
    ruleCounters(family, signal) {
      return askHost(countersCommand(family), (section, failure) =>
        failure || !section ? { text: null, failure: failure ?? 'no answer' } : section.code === 0 ? { text: section.stdout, failure: null } : { text: null, failure: `iptables-save -c exited ${section.code}${section.stderr ? `: ${section.stderr.trim().split('\n')[0]}` : ''}` },
      signal);
    },
    storage: (id) => engineCall((s) => getContainerStorage(docker, id, s)),
    diff: (id) => engineCall((s) => getContainerDiff(docker, id, s)),
    inspectRaw: (kind, id) => engineCall((s) => inspectRaw(docker, kind, id, s)),
    onEvent(listener, onState) {
      let up = false;
      const stop = watchEngineEvents(
        docker,
        listener,
        (state, error) => {
          streamGeneration++;
          if (state === 'connected' && !up) streamsUp++;
          if (state === 'reconnecting' && up) streamsUp--;
          up = state === 'connected';
          onState?.(state, error);
        },
        timeouts.eventCheckMs !== undefined ? { checkEveryMs: timeouts.eventCheckMs } : {},
      );
      stops.add(stop);
      return () => {
        if (up) streamsUp--;
        up = false;
        streamGeneration++;
        stops.delete(stop);
        stop();
      };
    },
    async dispose() {
      lifetime.abort();
      await watch?.dispose();
      watch = null;
      for (const stop of stops) stop();
      stops.clear();
      await shell?.dispose();
      shell = null;
    },
  };
}
