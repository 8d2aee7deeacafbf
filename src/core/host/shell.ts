/**
 * Where host commands run. A HostShell executes one POSIX-sh script per call (sent on stdin, so no
 * argument of ours is ever re-parsed by a shell on the way) and returns its output; the local one
 * spawns `sh`, the SSH one (sshShell.ts) runs `sh` on the remote end of one reused connection.
 *
 * Every run has a limit (default 30 s) and can be cancelled; either way the whole process group of
 * the run is killed — the shell and every `nsenter`, `ip` or `iptables-save` it started — see
 * runGuard.ts. A run that hits its limit fails with SHELL_TIMEOUT and keeps what it had printed so
 * far (ShellTimeoutError.stdout), so the sections that did finish are not lost.
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { formatDuration } from '../abort';
import { NetlensError } from '../errors';
import { guardedLocalRun, guardedRun } from './runGuard';

export interface ShellResult {
  stdout: string;
  stderr: string;
  code: number;
  /**
   * The bytes of stdout, where the shell counts them: a caller that saw every chunk as it came
   * (HostShell.run's onProgress) knows from the count alone that it saw the whole, without
   * decoding stdout again (shellResult).
   */
  readonly stdoutBytes?: number;
}

export interface HostShell {
  /** `local`, `ssh user@host:port`, or `container IMAGE on ENGINE: what it entered` */
  readonly target: string;
  readonly transport: 'local' | 'ssh' | 'container';
  /** shell runs one `run` takes (default 1): the engine's-namespace shell first looks the namespace up */
  readonly runsPerRun?: number;
  /** a local shell started through a command (`nsenter …`): that command, to run others where the shell ran */
  readonly prefix?: readonly string[];
  /**
   * Whether its runs happen in a RootlessKit's namespace: `unknown` before the shell has looked
   * (the batch then reads RootlessKit's processes to tell); absent means it cannot be (this
   * machine's own namespace, SSH, the helper container), and nothing about RootlessKit is read.
   */
  readonly rootlessKit?: 'yes' | 'no' | 'unknown';
  /**
   * Settles where the next run happens before its script is composed (the engine-namespace shell
   * looks the engine's namespace up, which tells `rootlessKit`); a shell without it needs nothing.
   * Undefined when it is settled already, so that a caller goes on to its run without yielding
   * (readHost: the batch then starts before the engine's requests of the same snapshot).
   */
  prepare?(): Promise<void> | undefined;
  /**
   * Runs `script` to its end, under the shell's limit. `onProgress`, where the shell can, sees its
   * stdout as it comes as well (runBatch parses each section as it arrives, while the next ones
   * run); a shell that cannot ignores it, which changes nothing but when parsing happens.
   */
  run(script: string, signal?: AbortSignal, onProgress?: (chunk: Buffer) => void): Promise<ShellResult>;
  /**
   * A run without a time limit whose stdout is handed to `onData` as it comes instead of being
   * kept (a session-long watcher, kernelWatch.ts); ends when the script does, or — its whole process
   * group killed — when `signal` aborts or the shell is disposed. Only shells that can hold such a
   * run have it (the local ones); stderr is kept up to MAX_SHELL_STDERR.
   */
  stream?(script: string, onData: (chunk: Buffer) => void, signal?: AbortSignal): Promise<ShellResult>;
  /**
   * The delimiter the next batch uses (runBatch passes the one it drew): a local shell with a head
   * start gives its early run's, so that the batch composed is the one already running.
   */
  batchDelimiter?(fresh: string): string;
  dispose(): Promise<void>;
}

/** Where a run's output and end go. */
export interface RunSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  error(e: Error): void;
  close(code: number | null, signal: NodeJS.Signals | null): void;
}

/** A local run as spawned: its argv (any prefix, `sh` and the guard's arguments), what it adds to the environment, its stdin. */
export interface RecordedRun {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly input: string;
  /** the batch delimiter its script uses, and the guard's end marker where the script went through stdin */
  readonly delimiter: string;
  readonly endMarker: string | null;
}

/**
 * A run started before this process could compose it: the CLI starts the run its last invocation
 * made while its bundle still loads (src/cli/headStart.ts). It becomes the first local run when
 * that run's argv and input are the very same, and is stopped otherwise.
 */
export interface EarlyRun extends RecordedRun {
  /** takes the run over: what it printed so far goes to `to` in a microtask, the rest as it comes */
  adopt(to: RunSink): { readonly pid: number | undefined; readonly stdin: Writable };
  /** kills its whole process group */
  stop(): void;
}

/** A head start for the first local run of a process (LocalShellOptions.headStart). */
export interface HeadStart {
  /** the delimiter of the first batch: the early run's, else `fresh`; `fresh` itself after that */
  delimiter(fresh: string): string;
  /** the early run, to the first local run that asks (null after that, or when there was none) */
  take(): EarlyRun | null;
  /** the first local run spawned (not taken over), to start it early next time (kept when its script holds the first batch's delimiter) */
  remember(run: Omit<RecordedRun, 'delimiter'>): void;
}

/** One run's limit when the caller sets none: a whole host batch is about 1 s on a busy host. */
export const DEFAULT_SHELL_TIMEOUT_MS = 30_000;
/** stdout beyond this is not host facts any more: the run is stopped (stderr is only truncated). */
export const MAX_SHELL_STDOUT = 64 << 20;
export const MAX_SHELL_STDERR = 1 << 20;

export interface ShellLimits {
  /** per run; default DEFAULT_SHELL_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** default MAX_SHELL_STDOUT */
  readonly maxStdoutBytes?: number;
}

/** A run stopped at its limit; `stdout` is what it had printed by then. */
export class ShellTimeoutError extends NetlensError {
  constructor(
    message: string,
    tried: string,
    readonly stdout: string,
    readonly timeoutMs: number,
  ) {
    super('SHELL_TIMEOUT', message, tried);
  }
}

export function shellTimeoutMessage(timeoutMs: number): string {
  return `the host shell did not finish within ${formatDuration(timeoutMs)}; netlens killed it and every command it had started`;
}

export interface LocalShellOptions extends ShellLimits {
  /** environment of the child `sh` (default process.env); tests use it to hide host commands */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * A command that runs the `sh` for us, e.g. `['nsenter', '--net=/run/netns/NAME']` to read the
   * facts of a host that lives in another network namespace on this machine (a second dockerd, a
   * lab). The shell is started as `prefix… sh …`; the prefix is an argv, never parsed by a shell,
   * and must exec the shell rather than fork it (nsenter without --fork does).
   */
  readonly prefix?: readonly string[];
  /** the CLI's head start (HeadStart): its first run may already be running */
  readonly headStart?: HeadStart;
}

/** Collects a stream up to a limit; `over` says the limit was passed. */
export class CappedBuffer {
  private readonly parts: Buffer[] = [];
  private size = 0;
  over = false;
  constructor(private readonly limit: number) {}
  push(b: Buffer): void {
    if (this.over) return;
    if (this.size + b.length > this.limit) {
      this.parts.push(b.subarray(0, this.limit - this.size));
      this.size = this.limit;
      this.over = true;
      return;
    }
    this.parts.push(b);
    this.size += b.length;
  }
  get bytes(): number {
    return this.size;
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * A run's result whose stdout is decoded when first read: a batch that was handed every section as
 * it came never reads it (its half MB at 100 containers cost 6 ms at the end of every run).
 */
export function shellResult(out: CappedBuffer, stderr: string, code: number): ShellResult {
  let text: string | undefined;
  return {
    get stdout() {
      return (text ??= out.text());
    },
    stdoutBytes: out.bytes,
    stderr,
    code,
  };
}

export function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export function createLocalShell(options: LocalShellOptions = {}): HostShell {
  const running = new Set<() => void>();
  const argv = [...(options.prefix ?? []), 'sh'];
  const tried = [...argv, '-s'].join(' ');
  const timeoutMs = positiveOr(options.timeoutMs, DEFAULT_SHELL_TIMEOUT_MS);
  const maxStdout = positiveOr(options.maxStdoutBytes, MAX_SHELL_STDOUT);
  const runLocal = (script: string, signal: AbortSignal | undefined, limitMs: number | null, onData?: (chunk: Buffer) => void, onProgress?: (chunk: Buffer) => void): Promise<ShellResult> => {
    return new Promise<ShellResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new NetlensError('SHELL', 'host shell run aborted before it started', tried));
        return;
      }
      // the first run of a process with a head start (not a watcher's stream) may be running already
      const early = onData ? null : (options.headStart?.take() ?? null);
      // No deadline in the guard here: it is for a peer behind a silent network. A local run's
      // input is this process's pipe, which the kernel closes when netlens goes away (the guard
      // then kills the group), and the timer below kills it at its limit; the guard's own timer
      // (a subshell and a sleep) cost some 8 ms of every run on a small VM.
      const guarded = guardedLocalRun(script) ?? guardedRun(script, null, early?.endMarker ?? undefined);
      const runArgv = [...argv, ...guarded.args];
      const out = new CappedBuffer(maxStdout);
      const err = new CappedBuffer(MAX_SHELL_STDERR);
      let stopped: NetlensError | null = null;
      let proc: { readonly pid: number | undefined; readonly stdin: Writable } | null = null;
      const stop = (why: NetlensError): void => {
        if (stopped) return;
        stopped = why;
        killGroup(proc?.pid);
        // Also closes the guard's input: had the group kill missed anything, the guard kills it.
        proc?.stdin.end();
      };
      const onAbort = (): void => stop(new NetlensError('SHELL', 'host shell run aborted', tried));
      const timer = limitMs === null ? undefined : setTimeout(() => stop(new ShellTimeoutError(shellTimeoutMessage(limitMs), tried, out.text(), limitMs)), limitMs);
      const cancel = (): void => stop(new NetlensError('SHELL', 'host shell disposed', tried));
      running.add(cancel);
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        clearTimeout(timer);
        running.delete(cancel);
        signal?.removeEventListener('abort', onAbort);
      };
      const sink: RunSink = {
        stdout(b) {
          if (onData) {
            onData(b);
            return;
          }
          out.push(b);
          if (out.over) stop(new NetlensError('SHELL', `the host shell printed more than ${maxStdout} bytes; stopped`, tried));
          else onProgress?.(b);
        },
        stderr: (b) => err.push(b),
        error(e) {
          cleanup();
          reject(new NetlensError('SHELL', `cannot start the local shell: ${e.message}`, tried, { cause: e }));
        },
        close(code, sig) {
          cleanup();
          // stdin stays open during the run (closing it cancels); now it may go.
          proc?.stdin.destroy();
          if (stopped) {
            reject(stopped instanceof ShellTimeoutError ? new ShellTimeoutError(stopped.message, tried, out.text(), timeoutMs) : stopped);
            return;
          }
          resolve(shellResult(out, err.text(), code ?? (sig ? 128 : -1)));
        },
      };
      if (early && options.env === undefined && sameArgv(early.argv, runArgv) && sameEnv(early.env, guarded.env) && early.input === guarded.input) {
        proc = early.adopt(sink);
      } else {
        early?.stop();
        // a run with the process's environment can be started ahead next time (one taken over is its record already)
        if (!onData && options.env === undefined) options.headStart?.remember({ argv: runArgv, env: guarded.env, input: guarded.input, endMarker: guarded.marker });
        // detached: the shell leads a new session and process group, which a kill reaches as a whole.
        const child = spawn(runArgv[0]!, runArgv.slice(1), {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...(options.env ?? process.env), ...guarded.env },
          detached: true,
        });
        proc = { pid: child.pid, stdin: child.stdin };
        child.stdout.on('data', sink.stdout);
        child.stderr.on('data', sink.stderr);
        // The guard keeps reading stdin; a shell that died early surfaces EPIPE here, not as a crash.
        child.stdin.on('error', () => undefined);
        child.on('error', sink.error);
        child.on('close', sink.close);
        child.stdin.write(guarded.input);
      }
    });
  };
  return {
    target: options.prefix?.length ? `local (${options.prefix.join(' ')})` : 'local',
    transport: 'local',
    ...(options.prefix?.length ? { prefix: [...options.prefix] } : {}),
    run(script, signal, onProgress) {
      return runLocal(script, signal, timeoutMs, undefined, onProgress);
    },
    ...(options.headStart ? { batchDelimiter: (fresh: string) => options.headStart!.delimiter(fresh) } : {}),
    stream(script, onData, signal) {
      return runLocal(script, signal, null, onData);
    },
    async dispose() {
      for (const cancel of [...running]) cancel();
      running.clear();
    },
  };
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameEnv(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** SIGKILL to a process group we made (its leader's pid), ignoring one that is already gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left of it
  }
}
