/**
 * Which engine to talk to, resolved in the Docker CLI's order so that netlens shows the engine
 * `docker ps` would show: an explicit host, an explicit context, DOCKER_HOST, DOCKER_CONTEXT, the
 * config's currentContext, the local socket. Pure: reads only `env` and the files it names.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../errors';
import type { EngineEndpoint } from './types';

const DEFAULT_SOCKET = '/var/run/docker.sock';

type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveEngineOptions {
  readonly dockerHost?: string;
  readonly context?: string;
  readonly env?: Env;
}

export function resolveEngineEndpoint(opts: ResolveEngineOptions): EngineEndpoint {
  const env = opts.env ?? process.env;
  const configDir = dockerConfigDir(env);
  if (nonEmpty(opts.dockerHost)) return fromHostUrl(opts.dockerHost, 'option', tlsFromEnv(env, configDir));
  if (nonEmpty(opts.context)) return fromContext(opts.context, 'option', configDir);
  if (nonEmpty(env.DOCKER_HOST)) return fromHostUrl(env.DOCKER_HOST, 'DOCKER_HOST', tlsFromEnv(env, configDir));
  if (nonEmpty(env.DOCKER_CONTEXT)) return fromContext(env.DOCKER_CONTEXT, 'DOCKER_CONTEXT', configDir);
  const current = currentContext(configDir);
  if (current !== null) return fromContext(current, `context:${current}`, configDir);
  return defaultEndpoint('default');
}

/** $DOCKER_CONFIG, else ~/.docker — where config.json and contexts/ live. */
function dockerConfigDir(env: Env): string {
  if (nonEmpty(env.DOCKER_CONFIG)) return env.DOCKER_CONFIG;
  return join(nonEmpty(env.HOME) ? env.HOME : homedir(), '.docker');
}

/** The folder `docker context create` writes a context's metadata to: named by sha256 of the name. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function nonEmpty(s: string | undefined): s is string {
  return s !== undefined && s.trim() !== '';
}

function defaultEndpoint(source: string, contextName?: string): EngineEndpoint {
  return { kind: 'unix', url: `unix://${DEFAULT_SOCKET}`, source, socketPath: DEFAULT_SOCKET, ...(contextName ? { contextName } : {}) };
}

type Tls = NonNullable<EngineEndpoint['tls']>;

/**
 * Like the CLI: DOCKER_TLS_VERIFY (any non-empty value) turns on TLS with verification, DOCKER_TLS
 * TLS without it; the certificates are ca.pem/cert.pem/key.pem in DOCKER_CERT_PATH (default: the
 * config dir), each used only if the file exists.
 */
function tlsFromEnv(env: Env, configDir: string): Tls | undefined {
  const verify = nonEmpty(env.DOCKER_TLS_VERIFY);
  if (!verify && !nonEmpty(env.DOCKER_TLS)) return undefined;
  const certDir = nonEmpty(env.DOCKER_CERT_PATH) ? env.DOCKER_CERT_PATH : configDir;
  return { ...tlsFiles(certDir), verify };
}

function tlsFiles(dir: string): { ca?: string; cert?: string; key?: string } {
  const files: { ca?: string; cert?: string; key?: string } = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const p = join(dir, `${k}.pem`);
    if (existsSync(p)) files[k] = p;
  }
  return files;
}

function fromHostUrl(raw: string, source: string, tls: Tls | undefined, contextName?: string): EngineEndpoint {
  const value = raw.trim();
  const bad = (why: string) => new NetlensError('ENGINE_CONFIG', `Docker host "${value}" from ${source} is not usable: ${why}`, value);
  // The CLI reads a bare "host:port" as tcp.
  const withScheme = value.includes('://') ? value : `tcp://${value}`;
  const scheme = withScheme.slice(0, withScheme.indexOf('://')).toLowerCase();
  const rest = withScheme.slice(withScheme.indexOf('://') + 3);
  const ctx = contextName ? { contextName } : {};

  if (scheme === 'unix' || scheme === 'npipe') {
    const kind = scheme;
    const socketPath = rest === '' ? (kind === 'unix' ? DEFAULT_SOCKET : '//./pipe/docker_engine') : rest;
    return { kind, url: `${scheme}://${socketPath}`, source, socketPath, ...ctx };
  }
  if (scheme !== 'tcp' && scheme !== 'ssh' && scheme !== 'http' && scheme !== 'https') {
    throw bad(`unsupported scheme "${scheme}" (use unix://, tcp://, ssh:// or npipe://)`);
  }
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw bad('not a valid URL');
  }
  if (u.hostname === '') throw bad('no host name');
  if (u.search !== '' || u.hash !== '') throw bad('a host URL takes no query or fragment');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');

  if (scheme === 'ssh') {
    if (u.pathname !== '' && u.pathname !== '/') throw bad(`extra path after the host: "${u.pathname}"`);
    if (u.password !== '') throw bad('a password in the URL is not supported; use a key or the agent');
    // No port in the URL: ~/.ssh/config's Port for the host decides, else 22 (as for the docker CLI, which runs ssh).
    const port = u.port === '' ? undefined : Number(u.port);
    const username = u.username === '' ? undefined : decodeURIComponent(u.username);
    const url = `ssh://${username ? `${username}@` : ''}${u.hostname}${port === undefined ? '' : `:${port}`}`;
    return { kind: 'ssh', url, source, host, ...(port !== undefined ? { port } : {}), ...(username ? { username } : {}), ...ctx };
  }

  if (u.username !== '' || u.password !== '') throw bad('tcp:// takes no user name');
  if (u.pathname !== '' && u.pathname !== '/') throw bad(`a path prefix ("${u.pathname}") is not supported`);
  const useTls = tls !== undefined || scheme === 'https';
  const port = u.port !== '' ? Number(u.port) : useTls ? 2376 : 2375;
  return {
    kind: 'tcp',
    url: `tcp://${u.hostname}:${port}`,
    source,
    host,
    port,
    ...(useTls ? { tls: tls ?? { verify: true } } : {}),
    ...ctx,
  };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NetlensError('ENGINE_CONFIG', `Cannot read ${what}: ${(e as Error).message}`, path, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new NetlensError('ENGINE_CONFIG', `${what} is not valid JSON: ${(e as Error).message}`, path, { cause: e });
  }
}

function currentContext(configDir: string): string | null {
  const path = join(configDir, 'config.json');
  if (!existsSync(path)) return null;
  const config = readJson(path, 'the Docker config');
  if (typeof config !== 'object' || config === null) {
    throw new NetlensError('ENGINE_CONFIG', 'The Docker config is not a JSON object', path);
  }
  const cur = (config as Record<string, unknown>).currentContext;
  if (cur === undefined || cur === null || cur === '') return null;
  if (typeof cur !== 'string') throw new NetlensError('ENGINE_CONFIG', 'currentContext in the Docker config is not a string', path);
  return cur;
}

function fromContext(name: string, source: string, configDir: string): EngineEndpoint {
  if (name === 'default') return defaultEndpoint(source, 'default');
  const dir = contextDirName(name);
  const metaPath = join(configDir, 'contexts', 'meta', dir, 'meta.json');
  if (!existsSync(metaPath)) {
    throw new NetlensError('ENGINE_CONFIG', `Docker context "${name}" (from ${source}) does not exist: no ${metaPath}`, metaPath);
  }
  const meta = readJson(metaPath, `the metadata of Docker context "${name}"`);
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null)?.Endpoints?.docker;
  if (!docker || typeof docker.Host !== 'string' || docker.Host === '') {
    throw new NetlensError('ENGINE_CONFIG', `Docker context "${name}" has no Endpoints.docker.Host`, metaPath);
  }
  const skipVerify = docker.SkipTLSVerify === true;
  const files = tlsFiles(join(configDir, 'contexts', 'tls', dir, 'docker'));
  const hasFiles = Object.keys(files).length > 0;
  const tls = hasFiles || skipVerify ? { ...files, verify: !skipVerify } : undefined;
  return fromHostUrl(docker.Host, source, tls, name);
}
