/**
 * One engine: its session, the last model, its state, the event subscription. A failed snapshot
 * keeps the last model (marked stale) or, with none, becomes an error the views show; a retry is
 * scheduled with backoff so the views recover by themselves when the engine comes back.
 *
 * Only two things ask for a snapshot while the engine is away: the one retry timer (1 s, 2 s, 5 s,
 * 10 s, then every 30 s) and the event stream coming back. The event stream failing again and
 * again while it reconnects does not — each of its attempts would otherwise be one more snapshot
 * against an engine known to be down.
 */
import type { EngineEvent } from '../../core/docker/types';
import { errorMessage, isNetlensError } from '../../core/errors';
import type { Topology } from '../../core/model/types';
import type { Session, SessionOptions } from '../../core/session';
import type { EngineSpec } from './engineSpecs';
import type { EngineStatus, EngineView } from './engineStatus';
import { patchTopology } from './eventPatch';

export type LogFn = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface EngineConnectionHooks {
  readonly createSession: (opts: SessionOptions) => Session;
  readonly log: LogFn;
  /** the state or the model changed: redraw */
  readonly changed: () => void;
  /** something happened that a new snapshot should show */
  readonly wantsRefresh: (reason: string, automatic: boolean) => void;
}

const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

/** Event actions that change what the views show (exec_*, health_status … do not). */
const RELEVANT: Readonly<Record<string, ReadonlySet<string>>> = {
  container: new Set(['create', 'start', 'die', 'stop', 'kill', 'destroy', 'rename', 'pause', 'unpause', 'restart', 'oom']),
  network: new Set(['create', 'destroy', 'connect', 'disconnect', 'remove']),
  volume: new Set(['create', 'destroy', 'mount', 'unmount']),
};

function isRelevantEvent(e: EngineEvent): boolean {
  return RELEVANT[e.type]?.has(e.action.split(':')[0] ?? '') ?? false;
}

export class EngineConnection implements EngineView {
  private current: Session | undefined;
  private stopEvents: (() => void) | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private inflight: AbortController | undefined;
  private disposed = false;
  /** the event stream is down (between its 'reconnecting' and its next 'connected') */
  private streamDown = false;
  status: EngineStatus = { kind: 'connecting' };
  topology: Topology | undefined;
  readonly provisional = new Set<string>();
  /**
   * What engine events changed since the last snapshot began: the containers they name, or `whole`
   * when one changed what a container event cannot say (a network made or removed) or the last
   * snapshot failed. The next snapshot re-reads only that (Session.snapshot changedContainers).
   */
  private changes: { whole: boolean; containers: Set<string> } = { whole: true, containers: new Set() };
  /** events applied to the model, with when they arrived, to re-apply on a snapshot started before them */
  private recentEvents: Array<{ event: EngineEvent; at: number }> = [];

  constructor(
    readonly spec: EngineSpec,
    private readonly hooks: EngineConnectionHooks,
    private readonly env?: Readonly<Record<string, string | undefined>>,
  ) {}

  get key(): string {
    return this.spec.key;
  }

  get label(): string {
    return this.spec.label;
  }

  /** The session, created on first use; a bad setting surfaces here as the error state. */
  session(): Session {
    if (!this.current) {
      const log: LogFn = (level, message) => this.hooks.log(level, `[${this.spec.label}] ${message}`);
      // refreshes re-read only what the kernel watcher or the engine events say changed
      this.current = this.hooks.createSession({ kernelWatch: true, ...this.spec.options, log, ...(this.env ? { env: this.env } : {}) });
      this.hooks.log('info', `[${this.spec.label}] session: ${this.current.description}`);
    }
    return this.current;
  }

  /** Starts listening to engine events (once; a disposed connection starts nothing). */
  start(): void {
    if (this.stopEvents || this.disposed) return;
    let session: Session;
    try {
      session = this.session();
    } catch (e) {
      this.fail(e);
      return;
    }
    this.stopEvents = session.onEvent(
      (e) => {
        this.hooks.log('trace', `[${this.spec.label}] event ${e.type} ${e.action} ${e.name ?? e.id}`);
        if (!isRelevantEvent(e)) return;
        this.noteChange(e);
        this.applyEvent(e);
        this.hooks.wantsRefresh(`event: ${e.type} ${e.action.split(':')[0]} ${e.name ?? e.id.slice(0, 12)}`, true);
      },
      (state, error) => {
        if (this.disposed) return;
        if (state === 'reconnecting') {
          const first = !this.streamDown;
          this.streamDown = true;
          this.hooks.log(first ? 'warn' : 'debug', `[${this.spec.label}] event stream lost${error ? `: ${error}` : ''}; reconnecting`);
          if (this.status.kind !== 'connected') return;
          this.markUnreachable(error ?? 'event stream lost');
          // One snapshot attempt per outage confirms it (or not) and, failing, starts the retries
          // with backoff; the stream coming back refreshes again.
          if (first) this.hooks.wantsRefresh('event stream lost', false);
        } else {
          this.streamDown = false;
          this.hooks.log('info', `[${this.spec.label}] event stream connected`);
          // Anything may have changed while the stream was away; the engine answers again, so
          // refresh now rather than at the next retry.
          if (this.status.kind !== 'connected') {
            this.clearRetry();
            this.hooks.wantsRefresh('reconnect: event stream back', false);
          }
        }
      },
    );
  }

  /**
   * Takes a new snapshot: after engine events only, one that re-reads what they changed; with
   * `whole` (any other reason, and the default) one that reads everything. Never throws: the outcome is the state.
   */
  async refresh(opts: { readonly whole?: boolean } = {}): Promise<void> {
    if (this.disposed) return;
    this.inflight?.abort();
    const ac = new AbortController();
    this.inflight = ac;
    const started = Date.now();
    const changes = this.changes;
    this.changes = { whole: false, containers: new Set() };
    try {
      // who listens in each container is read when a trace or a container's pane needs it
      const topology = await this.session().snapshot(ac.signal, {
        containerListeners: false,
        ...((opts.whole ?? true) || changes.whole ? {} : { changedContainers: [...changes.containers] }),
      });
      if (ac.signal.aborted || this.disposed) return;
      this.topology = topology;
      this.provisional.clear();
      // The snapshot may predate events that arrived while it ran: apply those again on top.
      this.recentEvents = this.recentEvents.filter((r) => r.at >= started);
      for (const r of this.recentEvents) this.patch(r.event);
      this.failures = 0;
      this.clearRetry();
      this.status = { kind: 'connected', since: new Date().toISOString() };
      this.hooks.log('info', `[${this.spec.label}] snapshot: ${topology.networks.length} networks, ${topology.containers.length} containers, ${topology.gaps.length} gaps, ${topology.stats.collectMs} ms`);
      for (const g of topology.gaps) this.hooks.log('debug', `[${this.spec.label}] gap ${g.subject}: ${g.reason}`);
    } catch (e) {
      // what this snapshot was to read is still to be read, and more may have changed meanwhile
      this.changes.whole = true;
      if (ac.signal.aborted || this.disposed) return;
      this.fail(e);
    } finally {
      if (this.inflight === ac) this.inflight = undefined;
      this.hooks.changed();
    }
  }

  /**
   * Puts a model derived from the current one (container listeners read since, Session.readListeners)
   * in its place. False, and nothing changes, when a newer snapshot has replaced `from` meanwhile.
   */
  adopt(from: Topology, to: Topology): boolean {
    if (this.disposed || this.topology !== from) return false;
    this.topology = to;
    this.hooks.changed();
    return true;
  }

  /** What an event changed, for the next snapshot to re-read. */
  private noteChange(e: EngineEvent): void {
    if (e.type === 'container') this.changes.containers.add(e.id);
    else if (e.type === 'network' && (e.action === 'connect' || e.action === 'disconnect') && e.attributes['container']) this.changes.containers.add(e.attributes['container']);
    // a network made or removed brings a bridge, its route and its sysctls; a volume changes no host fact
    else if (e.type === 'network') this.changes.whole = true;
  }

  /** Puts what an event says into the model at once; the snapshot it also asks for confirms it. */
  private applyEvent(e: EngineEvent): void {
    this.recentEvents.push({ event: e, at: Date.now() });
    if (this.recentEvents.length > 500) this.recentEvents.splice(0, this.recentEvents.length - 500);
    if (this.status.kind !== 'connected') return;
    if (this.patch(e)) this.hooks.changed();
  }

  private patch(e: EngineEvent): boolean {
    if (!this.topology) return false;
    const patched = patchTopology(this.topology, e);
    if (!patched) return false;
    this.topology = patched.topology;
    for (const k of patched.provisional) this.provisional.add(k);
    return true;
  }

  /** The last error message, for the API and the status bar. */
  get lastError(): string | undefined {
    return this.status.kind === 'error' || this.status.kind === 'stale' ? this.status.error : undefined;
  }

  private markUnreachable(error: string): void {
    if (this.status.kind === 'connected' && this.topology) {
      this.status = { kind: 'stale', since: new Date().toISOString(), error };
      this.hooks.changed();
    }
  }

  private fail(e: unknown): void {
    const message = errorMessage(e);
    this.hooks.log('error', `[${this.spec.label}] ${message}`);
    const since = this.status.kind === 'stale' || this.status.kind === 'error' ? this.status.since : new Date().toISOString();
    this.status = this.topology
      ? { kind: 'stale', since, error: message }
      : { kind: 'error', since, error: message, ...(isNetlensError(e) ? { code: e.code } : {}) };
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.clearRetry();
    const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)] ?? 30000;
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.hooks.wantsRefresh(`retry after ${delay} ms`, false);
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearRetry();
    this.inflight?.abort();
    this.stopEvents?.();
    await this.current?.dispose().catch(() => undefined);
    this.current = undefined;
  }
}
