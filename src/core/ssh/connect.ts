/**
 * Opens one authenticated ssh2 connection to a resolved target — through its ProxyJump hosts when
 * the config names any, each checked and logged in to the same way — and turns every way it can
 * fail into a NetlensError whose code a front end can act on. The engine connection and the host
 * shell both open their connections here; nothing else in netlens creates an ssh2 Client.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { NetlensError } from '../errors';
import { planAuth } from './auth';
import { resolveSshTarget, describeTarget } from './target';
import type { ResolvedSshTarget } from './target';
import { createHostTrust } from './trust';
import type { TrustOptions } from './trust';

/** How long a handshake (TCP connect, key exchange, authentication) may take before we give up. */
export const SSH_READY_TIMEOUT_MS = 10_000;
/** A ProxyJump chain longer than this is refused (ssh itself has no limit; a loop would have none either). */
const MAX_JUMPS = 4;

export interface OpenOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** names the attempt in errors (default `ssh user@host:port`) */
  readonly tried?: string;
  readonly readyTimeoutMs?: number;
  /** probe an idle connection this often, and drop it after `keepaliveCountMax` unanswered probes */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly trust?: TrustOptions;
}

export interface SshConnection {
  readonly client: Client;
  /** the TCP socket under the connection (the first jump host's, through ProxyJump): ref/unref it */
  readonly socket: Socket;
  /** ends this connection and every jump connection under it */
  end(): void;
}

export function openSshConnection(target: ResolvedSshTarget, opts: OpenOptions = {}): Promise<SshConnection> {
  return open(target, opts, 0);
}

async function open(target: ResolvedSshTarget, opts: OpenOptions, depth: number): Promise<SshConnection> {
  const tried = opts.tried ?? describeTarget(target);
  const env = opts.env ?? process.env;
  // Both are read before any connection: a target nobody can log in to fails without network.
  const auth = planAuth(target, env, tried);
  const trust = createHostTrust(target, opts.trust);
  let via: SshConnection | null = null;
  if (target.proxyJump) {
    if (depth >= MAX_JUMPS) throw new NetlensError('SSH_CONFIG', `more than ${MAX_JUMPS} ProxyJump hops to reach ${target.alias}`, tried);
    via = await openJumps(target.proxyJump, opts, depth, tried);
  }
  try {
    return await handshake(target, opts, tried, auth, trust, via);
  } catch (e) {
    via?.end();
    throw e;
  }
}

/** `a,b`: a, then b through a; the last one carries the target's connection. */
async function openJumps(spec: string, opts: OpenOptions, depth: number, tried: string): Promise<SshConnection> {
  const env = opts.env ?? process.env;
  let via: SshConnection | null = null;
  for (const hop of spec.split(',')) {
    const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(hop.trim());
    if (!m) throw new NetlensError('SSH_CONFIG', `ProxyJump "${hop}" is not [user@]host[:port]`, tried);
    const hopTarget = resolveSshTarget(
      { host: (m[2] as string).replace(/^\[|\]$/g, ''), ...(m[1] ? { username: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) },
      { env },
    );
    try {
      via = via ? await handshakeOver(hopTarget, opts, via, tried) : await open(hopTarget, { ...opts, tried: `${tried} via ${describeTarget(hopTarget)}` }, depth + 1);
    } catch (e) {
      via?.end();
      throw e;
    }
  }
  return via as SshConnection;
}

async function handshakeOver(target: ResolvedSshTarget, opts: OpenOptions, via: SshConnection, tried: string): Promise<SshConnection> {
  const hopTried = `${tried} via ${describeTarget(target)}`;
  return handshake(target, opts, hopTried, planAuth(target, opts.env ?? process.env, hopTried), createHostTrust(target, opts.trust), via);
}

function handshake(
  target: ResolvedSshTarget,
  opts: OpenOptions,
  tried: string,
  auth: ReturnType<typeof planAuth>,
  trust: ReturnType<typeof createHostTrust>,
  via: SshConnection | null,
): Promise<SshConnection> {
  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    const socket = via ? via.socket : new Socket();
    let settled = false;
    const end = (): void => {
      client.end();
      via?.end();
    };
    const fail = (e: NetlensError): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(e);
    };
    client.once('ready', () => {
      settled = true;
      // The jump connections live as long as this one.
      client.once('close', () => via?.end());
      resolve({ client, socket, end });
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) return; // after ready the owner learns of it through 'close'
      const refused = trust.refusal(tried);
      if (refused) fail(refused);
      else if (err.level === 'client-authentication') {
        const skipped = auth.skipped.map((s) => `; ${s.path} ${s.reason}`).join('');
        fail(new NetlensError('SSH_AUTH', `${target.username}@${target.hostName}:${target.port} refused every login netlens tried (${auth.describe()})${skipped}`, tried, { cause: err }));
      } else if (err.level === 'client-timeout') {
        fail(new NetlensError('SSH_CONNECT', `no SSH handshake with ${target.hostName}:${target.port} within ${Math.round((opts.readyTimeoutMs ?? SSH_READY_TIMEOUT_MS) / 1000)} s`, tried, { cause: err }));
      } else fail(new NetlensError('SSH_CONNECT', `cannot connect to ${target.hostName}:${target.port}: ${err.message}`, tried, { cause: err }));
    });
    client.once('close', () => fail(trust.refusal(tried) ?? new NetlensError('SSH_CONNECT', `the connection to ${target.hostName}:${target.port} closed during the handshake`, tried)));
    const algorithms = trust.serverHostKeyAlgorithms.length > 0 ? { algorithms: { serverHostKey: [...trust.serverHostKeyAlgorithms] as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {};
    const config = (sock: Duplex): ConnectConfig => ({
      host: target.hostName,
      port: target.port,
      username: target.username,
      sock: sock as unknown as ConnectConfig['sock'],
      readyTimeout: opts.readyTimeoutMs ?? SSH_READY_TIMEOUT_MS,
      ...(opts.keepaliveIntervalMs ? { keepaliveInterval: opts.keepaliveIntervalMs, keepaliveCountMax: opts.keepaliveCountMax ?? 3 } : {}),
      hostVerifier: ((key: Buffer, accept: (ok: boolean) => void) => trust.hostVerifier(key, accept)) as unknown as ConnectConfig['hostVerifier'],
      authHandler: auth.methods.map((m) => (m.type === 'agent' ? { type: 'agent', username: m.username, agent: m.agent } : { type: 'publickey', username: m.username, key: m.key })) as unknown as ConnectConfig['authHandler'],
      ...algorithms,
    });
    if (via) {
      // ssh2's readyTimeout starts only at connect(): the jump host's answer to the channel request has its own limit.
      const limitMs = opts.readyTimeoutMs ?? SSH_READY_TIMEOUT_MS;
      const channelTimer = setTimeout(() => fail(new NetlensError('SSH_CONNECT', `the jump host did not open a channel to ${target.hostName}:${target.port} within ${Math.round(limitMs / 1000)} s`, tried)), limitMs);
      via.client.forwardOut('127.0.0.1', 0, target.hostName, target.port, (err, stream) => {
        clearTimeout(channelTimer);
        if (settled) {
          stream?.destroy();
          return;
        }
        if (err) {
          fail(new NetlensError('SSH_CONNECT', `the jump host could not reach ${target.hostName}:${target.port}: ${err.message}`, tried, { cause: err }));
          return;
        }
        client.connect(config(stream));
      });
    } else {
      socket.once('error', () => undefined); // ssh2 reports it on the client
      socket.connect(target.port, target.hostName);
      client.connect(config(socket));
    }
  });
}

/**
 * Connects, logs in and leaves: for a command that OpenSSH will run (capture), so the host key is
 * judged by this module's trust — the same as the engine's and the host shell's — before ssh runs.
 */
export async function probeSshTarget(target: ResolvedSshTarget, opts: OpenOptions = {}): Promise<void> {
  const c = await openSshConnection(target, opts);
  c.end();
}
