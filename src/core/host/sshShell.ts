/**
 * The host shell over SSH: one lazily opened ssh2 connection, reused for every run (one refresh is
 * one `exec`, not one handshake) and reopened on the next run after it drops. Host keys are checked
 * against known_hosts (knownHosts.ts); an unknown or changed key fails at once with a code a front
 * end can act on — never a prompt, never a hang.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { NetlensError } from '../errors';
import type { SshTarget } from '../session';
import { createHostVerifier, knownHostsName, knownKeyTypes } from './knownHosts';
import type { HostShell, ShellResult } from './shell';

/** How long a handshake (TCP connect, key exchange, authentication) may take before we give up. */
const READY_TIMEOUT_MS = 10_000;

/** ssh2 host-key algorithm names per known_hosts key type. */
const ALGORITHMS_OF_KEY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

type AuthMethod =
  | { type: 'publickey'; username: string; key: Buffer }
  | { type: 'agent'; username: string; agent: string };

function authMethods(target: SshTarget, username: string, env: NodeJS.ProcessEnv): AuthMethod[] {
  if (target.privateKeyPath) return [{ type: 'publickey', username, key: readKey(target.privateKeyPath, target) }];
  const methods: AuthMethod[] = [];
  if (env.SSH_AUTH_SOCK) methods.push({ type: 'agent', username, agent: env.SSH_AUTH_SOCK });
  for (const file of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const path = join(homedir(), '.ssh', file);
    if (existsSync(path)) methods.push({ type: 'publickey', username, key: readKey(path, target) });
  }
  return methods;
}

function readKey(path: string, target: SshTarget): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NetlensError('SSH_AUTH', `cannot read the private key ${path}: ${(e as Error).message}`, describe(target), { cause: e });
  }
}

function describe(target: SshTarget): string {
  return `ssh ${target.username ?? userInfo().username}@${target.host}:${target.port ?? 22}`;
}

export function createSshShell(target: SshTarget): HostShell {
  const port = target.port ?? 22;
  const username = target.username ?? userInfo().username;
  const tried = `ssh ${username}@${target.host}:${port}`;
  const knownHostsPath = target.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  let connection: Promise<Client> | null = null;

  function connect(): Promise<Client> {
    return new Promise<Client>((resolve, reject) => {
      const verifier = createHostVerifier(knownHostsPath, target.host, port);
      let knownText = '';
      try {
        knownText = readFileSync(knownHostsPath, 'utf8');
      } catch {
        knownText = '';
      }
      // Ask only for key types known_hosts holds for this host, so a server (or a man in the
      // middle) cannot side-step a known key by offering another type.
      const serverHostKey = knownKeyTypes(knownText, target.host, port).flatMap((t) => ALGORITHMS_OF_KEY_TYPE[t] ?? []);
      const methods = authMethods(target, username, process.env);
      if (methods.length === 0) {
        reject(new NetlensError('SSH_AUTH', `no SSH key: set privateKeyPath, run an agent (SSH_AUTH_SOCK) or create ~/.ssh/id_ed25519`, tried));
        return;
      }
      const client = new Client();
      let settled = false;
      const fail = (e: NetlensError): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(e);
      };
      client.on('ready', () => {
        settled = true;
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        const host = verifier.lastResult();
        if (host.result === 'unknown') {
          fail(
            new NetlensError(
              'SSH_HOST_KEY_UNKNOWN',
              `the host key of ${knownHostsName(target.host, port)} (${host.keyType} ${host.fingerprint}) is not in ${knownHostsPath}. ` +
                `Check the fingerprint with the host's administrator, then add the line ` +
                `"${knownHostsName(target.host, port)} ${host.keyType} ${host.keyBase64}" to ${knownHostsPath} (or run: ssh -p ${port} ${username}@${target.host} once and accept it)`,
              tried,
              { cause: err },
            ),
          );
        } else if (host.result === 'mismatch' || host.result === 'revoked') {
          fail(
            new NetlensError(
              'SSH_HOST_KEY_MISMATCH',
              `the host key of ${knownHostsName(target.host, port)} (${host.keyType} ${host.fingerprint}) ${host.result === 'revoked' ? 'is marked @revoked' : 'differs from the one recorded'} in ${knownHostsPath}: someone may be intercepting the connection, or the host was reinstalled. Refusing to connect.`,
              tried,
              { cause: err },
            ),
          );
        } else if (err.level === 'client-authentication') {
          fail(new NetlensError('SSH_AUTH', `authentication failed for ${username}@${target.host}:${port} (tried ${methods.map((m) => m.type).join(', ')})`, tried, { cause: err }));
        } else {
          fail(new NetlensError('SSH_CONNECT', `cannot connect to ${target.host}:${port}: ${err.message}`, tried, { cause: err }));
        }
        connection = null;
      });
      client.on('close', () => {
        connection = null;
        fail(new NetlensError('SSH_CONNECT', `connection to ${target.host}:${port} closed during the handshake`, tried));
      });
      const config: ConnectConfig = {
        host: target.host,
        port,
        username,
        readyTimeout: READY_TIMEOUT_MS,
        hostVerifier: (key: Buffer) => verifier.verify(key),
        authHandler: methods as unknown as ConnectConfig['authHandler'],
        ...(serverHostKey.length ? { algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
      };
      client.connect(config);
    });
  }

  async function exec(client: Client, script: string, signal?: AbortSignal): Promise<ShellResult> {
    return new Promise<ShellResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new NetlensError('SHELL', 'host shell run aborted before it started', tried));
        return;
      }
      const onExec = (err: Error | undefined, stream: ClientChannel): void => {
        if (err) {
          reject(new NetlensError('SHELL', `cannot start sh on ${target.host}: ${err.message}`, tried, { cause: err }));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        const onAbort = (): void => {
          stream.signal('KILL');
          stream.close();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        stream.on('data', (b: Buffer) => out.push(b));
        stream.stderr.on('data', (b: Buffer) => errOut.push(b));
        stream.on('close', (code: number | null, sig?: string) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) {
            reject(new NetlensError('SHELL', 'host shell run aborted', tried));
            return;
          }
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
            code: typeof code === 'number' ? code : sig ? 128 : -1,
          });
        });
        stream.end(script);
      };
      try {
        client.exec('sh -s', onExec);
      } catch (e) {
        // the connection died between runs and ssh2 noticed only now: the next run reconnects
        connection = null;
        reject(new NetlensError('SSH_CONNECT', `the connection to ${target.host}:${port} is gone: ${(e as Error).message}`, tried, { cause: e }));
      }
    });
  }

  return {
    target: tried,
    transport: 'ssh',
    async run(script, signal) {
      connection ??= connect();
      let client: Client;
      try {
        client = await connection;
      } catch (e) {
        connection = null;
        throw e;
      }
      return exec(client, script, signal);
    },
    async dispose() {
      const pending = connection;
      connection = null;
      if (pending) {
        try {
          (await pending).end();
        } catch {
          // a connection that never opened has nothing to close
        }
      }
    },
  };
}
