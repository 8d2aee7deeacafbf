/**
 * A dockerode client for a resolved endpoint. Over ssh:// it runs `docker system dial-stdio` on
 * the remote through one shared ssh2 connection (./sshEngineAgent), opened by src/core/ssh — the
 * same target resolution (~/.ssh/config), host-key trust and login as the host shell and capture;
 * never a prompt.
 *
 * The options are worked out at once (a bad TLS file or SSH key fails here), but dockerode itself
 * is loaded and built on first use: list calls to a local socket go round it (engineRequest.ts), so
 * `netlens topology` never needs it, and loading it was ~15 ms of every CLI start.
 */
import { readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { NetlensError } from '../errors';
import { planAuth } from '../ssh/auth';
import { openSshConnection } from '../ssh/connect';
import { resolveSshTarget } from '../ssh/target';
import { SshEngineAgent } from './sshEngineAgent';
import type { EngineEndpoint } from './types';

export interface EngineSshOptions {
  /** instead of ~/.ssh/known_hosts (and known_hosts2); the global files still apply */
  readonly knownHostsPath?: string;
  /** tried after the agent, before the config's IdentityFile and ssh's default key files */
  readonly privateKeyPath?: string;
  /** HOME (for ~/.ssh) and SSH_AUTH_SOCK; default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * How long one Engine API request may go unanswered: an engine that accepts connections and never
 * answers (hung dockerd, a wedged proxy in front of it) must become an error, not a wait forever.
 */
export const DEFAULT_ENGINE_REQUEST_TIMEOUT_MS = 10_000;

export interface DockerClientOptions {
  /** per request (and for the event stream to open); default DEFAULT_ENGINE_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
}

const endpoints = new WeakMap<Dockerode, EngineEndpoint>();
const requestTimeouts = new WeakMap<Dockerode, number>();
const transportResets = new WeakMap<Dockerode, () => void>();

export function createDockerClient(endpoint: EngineEndpoint, ssh?: EngineSshOptions, options: DockerClientOptions = {}): Dockerode {
  const clientOpts = clientOptions(endpoint, ssh ?? {});
  let real: Dockerode | undefined;
  const client = new Proxy({} as Dockerode, {
    get(_target, key) {
      real ??= construct(clientOpts);
      const v: unknown = Reflect.get(real, key, real);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
  endpoints.set(client, endpoint);
  requestTimeouts.set(client, positiveOr(options.requestTimeoutMs, DEFAULT_ENGINE_REQUEST_TIMEOUT_MS));
  const agent = (clientOpts as { agent?: unknown }).agent;
  if (agent instanceof SshEngineAgent) transportResets.set(client, () => agent.destroy());
  return client;
}

/**
 * After a request went unanswered: drop what the client keeps open that may be dead. Over ssh://
 * that is the one shared SSH connection — a link that died silently (no FIN, no RST) would
 * otherwise be reused by every later request, each failing only at its limit; the next request
 * opens a fresh one. A socket or tcp client opens a connection per request anyway.
 */
export function resetClientTransport(docker: Dockerode): void {
  transportResets.get(docker)?.();
}

/** The endpoint a client was made for, so functions given only the client can name it in errors. */
export function endpointOfClient(docker: Dockerode): EngineEndpoint | undefined {
  return endpoints.get(docker);
}

/** The request limit a client was made with (the default for clients made elsewhere). */
export function requestTimeoutOfClient(docker: Dockerode): number {
  return requestTimeouts.get(docker) ?? DEFAULT_ENGINE_REQUEST_TIMEOUT_MS;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function clientOptions(endpoint: EngineEndpoint, ssh: EngineSshOptions): Dockerode.DockerOptions {
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      return { socketPath: endpoint.socketPath };
    case 'tcp':
      return tcpOptions(endpoint);
    case 'ssh':
      return sshOptions(endpoint, ssh);
  }
}

/**
 * docker-modem merges defaults read from process.env.DOCKER_HOST (and DOCKER_CERT_PATH, which it
 * reads synchronously and may throw on) under our options, and its ssh defaults even override
 * ours. The endpoint is already resolved, so the constructor must not see DOCKER_HOST. The
 * constructor is synchronous, so nothing else can observe the brief removal.
 */
function construct(options: Dockerode.DockerOptions): Dockerode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const DockerodeClass = require('dockerode') as typeof Dockerode;
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new DockerodeClass(options);
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

function readTlsFile(path: string | undefined, endpoint: EngineEndpoint): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NetlensError('ENGINE_CONFIG', `Cannot read TLS file ${path}: ${(e as Error).message}`, endpoint.url, { cause: e });
  }
}

function tcpOptions(endpoint: EngineEndpoint): Dockerode.DockerOptions {
  const base = { host: endpoint.host, port: endpoint.port };
  const tls = endpoint.tls;
  if (!tls) return { ...base, protocol: 'http' };
  const ca = readTlsFile(tls.ca, endpoint);
  const cert = readTlsFile(tls.cert, endpoint);
  const key = readTlsFile(tls.key, endpoint);
  // docker-modem passes no rejectUnauthorized; an agent carries it (SkipTLSVerify in a context).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only a TLS endpoint needs https (and tls): loading them cost every CLI start some 3 ms
  const { Agent: HttpsAgent } = require('node:https') as typeof import('node:https');
  const agent = new HttpsAgent({ ca, cert, key, rejectUnauthorized: tls.verify });
  return { ...base, protocol: 'https', ca, cert, key, agent } as Dockerode.DockerOptions;
}

function sshOptions(endpoint: EngineEndpoint, ssh: EngineSshOptions): Dockerode.DockerOptions {
  const env = ssh.env ?? process.env;
  const target = resolveSshTarget(
    {
      host: endpoint.host ?? '',
      ...(endpoint.port !== undefined ? { port: endpoint.port } : {}),
      ...(endpoint.username ? { username: endpoint.username } : {}),
      ...(ssh.privateKeyPath ? { privateKeyPath: ssh.privateKeyPath } : {}),
      ...(ssh.knownHostsPath ? { knownHostsPath: ssh.knownHostsPath } : {}),
    },
    { env },
  );
  // Checked now, not at the first request: a target nobody can log in to is a configuration error
  // the caller sees at once (docker-modem would otherwise meet it where nothing catches it).
  planAuth(target, env, endpoint.url);
  const agent = new SshEngineAgent(() => openSshConnection(target, { env, tried: endpoint.url }));
  // Plain HTTP over the agent's SSH channels; the host/port only label the requests.
  return { protocol: 'http', host: target.hostName, port: target.port, agent } as Dockerode.DockerOptions;
}
