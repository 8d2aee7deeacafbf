/**
 * The host shell over SSH: one lazily opened ssh2 connection, reused for every run (one refresh is
 * one `exec`, not one handshake) and reopened on the next run after it drops. The connection, its
 * trust and its login are src/core/ssh's, as for the engine and capture: an unknown or changed key
 * fails at once with a code a front end can act on — never a prompt, never a hang.
 *
 * Each run goes through the guard of runGuard.ts on the remote end: its stdin stays open for the
 * run, so a cancel (we close stdin), a timeout (we close stdin and drop the connection) or a lost
 * connection (sshd closes it) kills the remote process group — no batch, nsenter or ip is left
 * running on the host. The guard also kills the group itself a little after the limit, for a
 * client that vanished without a word. Keepalives notice a silently dead connection.
 */
import type { Client, ClientChannel } from 'ssh2';
import { NetlensError } from '../errors';
import { openSshConnection } from '../ssh/connect';
import { describeTarget, resolveSshTarget } from '../ssh/target';
import type { SshTarget } from '../ssh/target';
import { guardedRemoteCommand, guardedRun } from './runGuard';
import { CappedBuffer, DEFAULT_SHELL_TIMEOUT_MS, MAX_SHELL_STDERR, MAX_SHELL_STDOUT, ShellTimeoutError, positiveOr, shellResult, shellTimeoutMessage } from './shell';
import type { HostShell, ShellLimits, ShellResult } from './shell';

/** An idle connection is probed this often; this many unanswered probes drop it. */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 3;

export interface SshShellOptions {
  /** HOME (for ~/.ssh), SSH_AUTH_SOCK; default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function createSshShell(target: SshTarget, limits: ShellLimits = {}, opts: SshShellOptions = {}): HostShell {
  const timeoutMs = positiveOr(limits.timeoutMs, DEFAULT_SHELL_TIMEOUT_MS);
  const maxStdout = positiveOr(limits.maxStdoutBytes, MAX_SHELL_STDOUT);
  const running = new Set<() => void>();
  const env = opts.env ?? process.env;
  // Resolved once (~/.ssh/config read now): a config that cannot be read fails the shell's first run.
  let resolved: ReturnType<typeof resolveSshTarget> | Error;
  try {
    resolved = resolveSshTarget(target, { env });
  } catch (e) {
    resolved = e as Error;
  }
  const tried = resolved instanceof Error ? `ssh ${target.host}` : describeTarget(resolved);
  const hostName = resolved instanceof Error ? target.host : resolved.hostName;
  const port = resolved instanceof Error ? (target.port ?? 22) : resolved.port;
  let connection: Promise<Client> | null = null;

  function connect(): Promise<Client> {
    if (resolved instanceof Error) return Promise.reject(resolved);
    // A connection that goes away forgets itself — never a newer one opened meanwhile.
    const p: Promise<Client> = openSshConnection(resolved, { env, tried, keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS, keepaliveCountMax: KEEPALIVE_COUNT_MAX }).then((c) => {
      c.client.once('close', () => {
        if (connection === p) connection = null;
      });
      return c.client;
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

  async function exec(client: Client, pending: Promise<Client>, script: string, signal?: AbortSignal, onProgress?: (chunk: Buffer) => void): Promise<ShellResult> {
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
          finish(() => reject(new NetlensError('SHELL', `cannot start sh on ${hostName}: ${err.message}`, tried, { cause: err })));
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
          if (out.over) stop(new NetlensError('SHELL', `the host shell on ${hostName} printed more than ${maxStdout} bytes; stopped`, tried), false);
          else onProgress?.(b);
        });
        channel.stderr.on('data', (b: Buffer) => errOut.push(b));
        channel.on('close', () => {
          const status = exit as { code: number | null; signal?: string } | null;
          if (!status) {
            // No exit status: the connection went (sshd killed, network gone) with the run unfinished.
            if (connection === pending) connection = null;
            finish(() =>
              reject(new NetlensError('SSH_CONNECT', `the SSH connection to ${hostName}:${port} was lost while the host shell ran`, tried)),
            );
            return;
          }
          finish(() =>
            resolve(shellResult(out, errOut.text(), typeof status.code === 'number' ? status.code : status.signal ? 128 : -1)),
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
        finish(() => reject(new NetlensError('SSH_CONNECT', `the connection to ${hostName}:${port} is gone: ${(e as Error).message}`, tried, { cause: e })));
      }
    });
  }

  return {
    target: tried,
    transport: 'ssh',
    async run(script, signal, onProgress) {
      const pending = (connection ??= connect());
      let client: Client;
      try {
        client = await pending;
      } catch (e) {
        if (connection === pending) connection = null;
        throw e;
      }
      return exec(client, pending, script, signal, onProgress);
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
