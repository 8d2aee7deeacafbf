/**
 * The host shell over SSH: one lazily opened ssh2 connection, reused for every run (one refresh is
 * one `exec`, not one handshake) and reopened on the next run after it drops. Host keys are checked
 * against known_hosts (knownHosts.ts); an unknown or changed key fails at once with a code a front
 * end can act on — never a prompt, never a hang.
 *
 * Each run goes through the guard of runGuard.ts on the remote end: its stdin stays open for the
 * run, so a cancel (we close stdin), a timeout (we close stdin and drop the connection) or a lost
 * connection (sshd closes it) kills the remote process group — no batch, nsenter or ip is left
 * running on the host. The guard also kills the group itself a little after the limit, for a
 * client that vanished without a word. Keepalives notice a silently dead connection.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { NetlensError } from '../errors';
import type { SshTarget } from '../session';
import { createHostVerifier, knownHostsName, knownKeyTypes } from './knownHosts';
import { guardedRemoteCommand, guardedRun } from './runGuard';
import { CappedBuffer, DEFAULT_SHELL_TIMEOUT_MS, MAX_SHELL_STDERR, MAX_SHELL_STDOUT, ShellTimeoutError, positiveOr, shellTimeoutMessage } from './shell';
import type { HostShell, ShellLimits, ShellResult } from './shell';

/** How long a handshake (TCP connect, key exchange, authentication) may take before we give up. */
const READY_TIMEOUT_MS = 10_000;
/** An idle connection is probed this often; this many unanswered probes drop it. */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 3;

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

export function createSshShell(target: SshTarget, limits: ShellLimits = {}): HostShell {
  const timeoutMs = positiveOr(limits.timeoutMs, DEFAULT_SHELL_TIMEOUT_MS);
  const maxStdout = positiveOr(limits.maxStdoutBytes, MAX_SHELL_STDOUT);
  const running = new Set<() => void>();
  const port = target.port ?? 22;
  const username = target.username ?? userInfo().username;
  const tried = `ssh ${username}@${target.host}:${port}`;
  const knownHostsPath = target.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  let connection: Promise<Client> | null = null;

  function connect(): Promise<Client> {
    // A connection that goes away forgets itself — never a newer one opened meanwhile.
    const forget = (): void => {
      if (connection === p) connection = null;
    };
    const p = new Promise<Client>((resolve, reject) => {
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
        forget();
      });
      client.on('close', () => {
        forget();
        fail(new NetlensError('SSH_CONNECT', `connection to ${target.host}:${port} closed during the handshake`, tried));
      });
      const config: ConnectConfig = {
        host: target.host,
        port,
        username,
        readyTimeout: READY_TIMEOUT_MS,
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: (key: Buffer) => verifier.verify(key),
        authHandler: methods as unknown as ConnectConfig['authHandler'],
        ...(serverHostKey.length ? { algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
      };
      client.connect(config);
    });
    return p;
  }

  /** Closes the connection a run found wanting (the next run opens a new one). */
  function drop(client: Client, pending: Promise<Client> | null): void {
    if (connection === pending) connection = null;
    client.end();
    // A connection that no longer answers does not end politely.
    setTimeout(() => client.destroy(), 1000).unref();
  }

  async function exec(client: Client, pending: Promise<Client>, script: string, signal?: AbortSignal): Promise<ShellResult> {
    return new Promise<ShellResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new NetlensError('SHELL', 'host shell run aborted before it started', tried));
        return;
      }
      const guarded = guardedRun(script, timeoutMs);
      const out = new CappedBuffer(maxStdout);
      const errOut = new CappedBuffer(MAX_SHELL_STDERR);
      let stream: ClientChannel | null = null;
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        running.delete(cancel);
        signal?.removeEventListener('abort', onAbort);
        f();
      };
      /**
       * Ends the run now: closing stdin makes the remote guard kill the process group (sshd closes it
       * too once the channel or the connection goes); `dropConnection` for a connection that may be
       * what is stuck. The caller gets its answer at once, not when a dead link admits it.
       */
      const stop = (error: NetlensError, dropConnection: boolean): void => {
        finish(() => reject(error));
        if (stream) {
          stream.end();
          stream.close();
        }
        if (dropConnection) drop(client, pending);
      };
      const onAbort = (): void => stop(new NetlensError('SHELL', 'host shell run aborted', tried), false);
      const cancel = (): void => stop(new NetlensError('SHELL', 'host shell disposed', tried), false);
      const timer = setTimeout(() => stop(new ShellTimeoutError(shellTimeoutMessage(timeoutMs), tried, out.text(), timeoutMs), true), timeoutMs);
      running.add(cancel);
      signal?.addEventListener('abort', onAbort, { once: true });
      const onExec = (err: Error | undefined, channel: ClientChannel): void => {
        if (err) {
          finish(() => reject(new NetlensError('SHELL', `cannot start sh on ${target.host}: ${err.message}`, tried, { cause: err })));
          return;
        }
        stream = channel;
        if (settled) {
          // cancelled while the channel was being opened
          channel.end();
          channel.close();
          return;
        }
        let exit: { code: number | null; signal?: string } | null = null;
        channel.on('exit', (code: number | null, sig?: string) => {
          exit = { code, ...(sig ? { signal: sig } : {}) };
        });
        channel.on('data', (b: Buffer) => {
          out.push(b);
          if (out.over) stop(new NetlensError('SHELL', `the host shell on ${target.host} printed more than ${maxStdout} bytes; stopped`, tried), false);
        });
        channel.stderr.on('data', (b: Buffer) => errOut.push(b));
        channel.on('close', () => {
          const status = exit as { code: number | null; signal?: string } | null;
          if (!status) {
            // No exit status: the connection went (sshd killed, network gone) with the run unfinished.
            if (connection === pending) connection = null;
            finish(() =>
              reject(new NetlensError('SSH_CONNECT', `the SSH connection to ${target.host}:${port} was lost while the host shell ran`, tried)),
            );
            return;
          }
          finish(() =>
            resolve({
              stdout: out.text(),
              stderr: errOut.text(),
              code: typeof status.code === 'number' ? status.code : status.signal ? 128 : -1,
            }),
          );
          // stdin stayed open for the run (closing it cancels); the channel is done now.
          channel.end();
        });
        channel.write(guarded.input);
      };
      try {
        client.exec(guardedRemoteCommand(guarded), onExec);
      } catch (e) {
        // the connection died between runs and ssh2 noticed only now: the next run reconnects
        if (connection === pending) connection = null;
        finish(() => reject(new NetlensError('SSH_CONNECT', `the connection to ${target.host}:${port} is gone: ${(e as Error).message}`, tried, { cause: e })));
      }
    });
  }

  return {
    target: tried,
    transport: 'ssh',
    async run(script, signal) {
      const pending = (connection ??= connect());
      let client: Client;
      try {
        client = await pending;
      } catch (e) {
        if (connection === pending) connection = null;
        throw e;
      }
      return exec(client, pending, script, signal);
    },
    async dispose() {
      for (const cancel of [...running]) cancel();
      running.clear();
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
