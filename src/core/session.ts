/**
 * The one entry point front ends use: a session bound to one Docker engine and (optionally) one
 * shell on its host. `snapshot()` returns the joined Topology; engine events arrive through
 * `onEvent`. The CLI, the extension and the tests all go through here.
 */
import type { ContainerChange, ContainerStorage, EngineEvent } from './docker/types';
import type { Topology } from './model/types';

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

export interface Session {
  readonly description: string;
  snapshot(signal?: AbortSignal): Promise<Topology>;
  storage(containerId: string): Promise<ContainerStorage>;
  diff(containerId: string): Promise<readonly ContainerChange[]>;
  /** raw `docker inspect` JSON of a container, network or volume, for the "raw" view */
  inspectRaw(kind: 'container' | 'network' | 'volume', id: string): Promise<unknown>;
  /** Subscribes to the engine's event stream (reconnecting with backoff). Returns an unsubscribe. */
  onEvent(listener: (e: EngineEvent) => void, onState?: (state: 'connected' | 'reconnecting', error?: string) => void): () => void;
  dispose(): Promise<void>;
}
