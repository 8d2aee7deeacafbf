/**
 * Where host commands run. A HostShell executes one POSIX-sh script per call (sent on stdin, so no
 * argument of ours is ever re-parsed by a shell on the way) and returns its output; the local one
 * spawns `sh -s`, the SSH one (sshShell.ts) runs `sh -s` on the remote end of one reused connection.
 */
import { spawn } from 'node:child_process';
import { NetlensError } from '../errors';

export interface ShellResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface HostShell {
  /** `local`, or `ssh user@host:port` */
  readonly target: string;
  readonly transport: 'local' | 'ssh';
  run(script: string, signal?: AbortSignal): Promise<ShellResult>;
  dispose(): Promise<void>;
}

export interface LocalShellOptions {
  /** environment of the child `sh` (default process.env); tests use it to hide host commands */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A command that runs the `sh -s` for us, e.g. `['nsenter', '--net=/run/netns/NAME']` to read the
   * facts of a host that lives in another network namespace on this machine (a second dockerd, a
   * lab). The shell is started as `prefix… sh -s`; the prefix is an argv, never parsed by a shell.
   */
  readonly prefix?: readonly string[];
}

export function createLocalShell(options: LocalShellOptions = {}): HostShell {
  const running = new Set<ReturnType<typeof spawn>>();
  const argv = [...(options.prefix ?? []), 'sh', '-s'];
  const tried = argv.join(' ');
  return {
    target: options.prefix?.length ? `local (${options.prefix.join(' ')})` : 'local',
    transport: 'local',
    run(script, signal) {
      return new Promise<ShellResult>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new NetlensError('SHELL', 'host shell run aborted before it started', tried));
          return;
        }
        const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...(options.env ?? process.env) } });
        running.add(child);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const onAbort = (): void => {
          child.kill('SIGKILL');
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        // A script that exits before reading all of stdin would otherwise surface EPIPE as a crash.
        child.stdin.on('error', () => undefined);
        child.on('error', (e) => {
          running.delete(child);
          signal?.removeEventListener('abort', onAbort);
          reject(new NetlensError('SHELL', `cannot start the local shell: ${e.message}`, tried, { cause: e }));
        });
        child.on('close', (code, sig) => {
          running.delete(child);
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) {
            reject(new NetlensError('SHELL', 'host shell run aborted', tried));
            return;
          }
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            code: code ?? (sig ? 128 : -1),
          });
        });
        child.stdin.end(script);
      });
    },
    async dispose() {
      for (const child of running) child.kill('SIGKILL');
      running.clear();
    },
  };
}
