/**
 * The `container` host shell: each run is one short-lived helper container on the engine itself
 * (helper/helperSpec.ts), reached through the Engine API — so it works over every engine
 * transport (unix, tcp+TLS, ssh://) and needs nothing on the user's machine. The script travels
 * on the container's stdin over a hijacked attach connection, its output comes back on the same
 * connection in Docker's framed stream format (helper/streamFrames.ts).
 *
 * One run: remove stale helpers (a crashed run's, past their expiry label) → create (AutoRemove)
 * → attach → wait(next-exit) → start → write the guarded script → read until the container exits.
 * Cancel, deadline or a failure anywhere = kill + remove the container; the guard inside kills its
 * process group when its stdin closes, and the container's cgroup takes the rest with it. Every
 * Engine API call has its own limit besides the run's.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { engineGet } from '../docker/engineRequest';
import { endpointOfClient, requestTimeoutOfClient } from '../docker/client';
import { NetlensError, errorMessage, isNetlensError } from '../errors';
import { guardedRun, GUARD_GRACE_S } from './runGuard';
import { CappedBuffer, DEFAULT_SHELL_TIMEOUT_MS, MAX_SHELL_STDERR, MAX_SHELL_STDOUT, positiveOr, ShellTimeoutError, shellTimeoutMessage, type HostShell, type ShellLimits, type ShellResult } from './shell';
import { describeHelper, HELPER_EXPIRES_LABEL, HELPER_LABEL, HELPER_SAYS, helperCreateBody } from './helper/helperSpec';
import { chooseHelperImage, type ChooseImageOptions, type HelperImageChoice } from './helper/helperImage';
import { StreamFrames } from './helper/streamFrames';

export interface HelperConsentRequest {
  readonly engineUrl: string;
  readonly image: HelperImageChoice;
  /** exactly what will run (describeHelper) */
  readonly description: string;
}

export interface HelperOptions extends Pick<ChooseImageOptions, 'configured' | 'allowPull' | 'pullTimeoutMs'> {
  /**
   * Asked once per shell, after the image is chosen and before any helper is created (the editor
   * shows a modal; the CLI passes none — its flag is the consent). Its wait is the user's, so it
   * is outside the run's limit. A no is kept: later runs fail at once with the same reason.
   */
  readonly consent?: (request: HelperConsentRequest) => Promise<boolean>;
}

export interface ContainerShellOptions extends ShellLimits {
  /** netlens.helperImage (see helperImage.ts); `allowPull: false` never pulls */
  readonly image?: HelperOptions;
  readonly log?: (message: string) => void;
}

export interface ContainerHostShell extends HostShell {
  /** the image the runs use, once chosen (first run) */
  readonly image: HelperImageChoice | null;
  /** what the last run's helper entered, e.g. `nsenter into the mount namespace of dockerd (pid 812)` */
  readonly entered: string | null;
}

function abortedBy(signal: AbortSignal, tried: string): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new NetlensError('SHELL', 'host shell run aborted', tried)), { once: true }));
}

/** Stale helpers are removed by the next run once this long past their own deadline. */
const STALE_GRACE_S = 30;

export function createContainerShell(docker: Dockerode, options: ContainerShellOptions = {}): ContainerHostShell {
  const timeoutMs = positiveOr(options.timeoutMs, DEFAULT_SHELL_TIMEOUT_MS);
  const maxStdout = positiveOr(options.maxStdoutBytes, MAX_SHELL_STDOUT);
  const requestMs = requestTimeoutOfClient(docker);
  const engineUrl = endpointOfClient(docker)?.url ?? 'the engine';
  const running = new Set<() => void>();
  const log = options.log ?? (() => undefined);
  let image: HelperImageChoice | null = null;
  let entered: string | null = null;
  /** the image chosen and the consent given (or refused), once per shell */
  let prepared: Promise<void> | null = null;
  let refused: NetlensError | null = null;

  /** ends what is shared by the runs (the image choice) when the shell is disposed */
  const lifetime = new AbortController();

  /** Shared by every run until it succeeds, so it is bound to the shell's life, not to one run's signal. */
  const prepare = async (): Promise<void> => {
    const linked = AbortSignal.any([AbortSignal.timeout(options.image?.pullTimeoutMs ?? 120_000), lifetime.signal]);
    image = await chooseHelperImage(docker, { ...options.image, signal: linked }).catch((e: unknown) => {
      throw e instanceof NetlensError ? e : new NetlensError('SHELL', `helper container: cannot choose an image: ${errorMessage(e)}`, engineUrl, { cause: e });
    });
    log(`helper image ${image.image} (${image.how === 'present' ? 'already on the engine' : image.how === 'configured' ? 'the configured one, present' : 'pulled'})`);
    const consent = options.image?.consent;
    if (consent && !(await consent({ engineUrl, image, description: describeHelper(image.image) }))) {
      refused = new NetlensError('SHELL', `the helper container was not allowed on ${engineUrl}, so there are no host facts (change netlens.hostShell to allow it)`, engineUrl);
      throw refused;
    }
  };

  /** One Engine API call under the run's signal and its own limit. */
  const call = <T>(what: string, runSignal: AbortSignal, f: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.any([runSignal, AbortSignal.timeout(requestMs)]);
    return f(signal).catch((e: unknown) => {
      if (runSignal.aborted) throw runSignal.reason;
      const why = signal.aborted ? `no answer within ${requestMs / 1000} s` : errorMessage(e);
      throw new NetlensError('SHELL', `helper container: ${what} failed: ${why}`, `${what} on ${engineUrl}`, { cause: e });
    });
  };

  /** Kill and remove, each with its own limit; a container already gone is fine. */
  const removeHelper = async (id: string): Promise<void> => {
    const c = docker.getContainer(id);
    const limit = (): AbortSignal => AbortSignal.timeout(requestMs);
    await c.kill({ abortSignal: limit() }).catch(() => undefined);
    await c.remove({ force: true, abortSignal: limit() }).catch(() => undefined);
  };

  const sweepStale = async (signal: AbortSignal): Promise<void> => {
    const list = await call('GET /containers/json', signal, (s) => engineGet(docker, '/containers/json', { all: true, filters: { label: [`${HELPER_LABEL}=1`] } }, s));
    const now = Date.now() / 1000;
    for (const c of Array.isArray(list) ? (list as Array<{ Id?: unknown; Labels?: Record<string, string> | null }>) : []) {
      const expires = Number(c.Labels?.[HELPER_EXPIRES_LABEL]);
      // another netlens's helper that is still within its time is left alone
      if (typeof c.Id !== 'string' || (Number.isFinite(expires) && expires + STALE_GRACE_S > now)) continue;
      log(`removing a stale helper container ${c.Id.slice(0, 12)} (expired ${Number.isFinite(expires) ? new Date(expires * 1000).toISOString() : 'unknown'})`);
      await removeHelper(c.Id);
    }
  };

  async function runOnce(script: string, runSignal: AbortSignal, out: CappedBuffer, err: CappedBuffer, tried: { text: string }): Promise<number> {
    await sweepStale(runSignal);
    if (!image) throw new NetlensError('SHELL', 'helper container: no image chosen', tried.text);
    tried.text = `helper container (${image.image}) on ${engineUrl}`;
    const guarded = guardedRun(script, timeoutMs);
    const [, , , marker, deadline] = guarded.args;
    const runId = randomBytes(8).toString('hex');
    const body = helperCreateBody({
      image: image.image,
      runId,
      marker: marker!,
      deadlineS: Number(deadline),
      expires: Math.ceil(Date.now() / 1000 + timeoutMs / 1000 + GUARD_GRACE_S),
    });
    const container = await call('POST /containers/create', runSignal, (s) => docker.createContainer({ ...body, name: `netlens-helper-${runId}`, abortSignal: s } as Dockerode.ContainerCreateOptions));
    return withContainer(container.id, async () => {
      const socket = await call('POST /containers/attach', runSignal, (s) =>
        container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, abortSignal: s }) as Promise<Duplex>,
      );
      try {
        const ended = new Promise<void>((resolve) => {
          const frames = new StreamFrames((stream, payload) => (stream === 2 ? err.push(payload) : out.push(payload)));
          socket.on('data', (b: Buffer) => frames.push(b));
          socket.on('end', () => resolve());
          socket.on('close', () => resolve());
          socket.on('error', () => resolve());
        });
        // the wait is asked for before the start, so the exit cannot slip past it; it lasts the run
        const exited = container.wait({ condition: 'next-exit', abortSignal: runSignal }) as Promise<{ StatusCode?: number }>;
        exited.catch(() => undefined);
        await call('POST /containers/start', runSignal, (s) => container.start({ abortSignal: s }));
        socket.write(guarded.input);
        const status = await exited.catch((e: unknown) => {
          if (runSignal.aborted) throw runSignal.reason;
          throw new NetlensError('SHELL', `helper container: wait failed: ${errorMessage(e)}`, tried.text, { cause: e });
        });
        // the engine closes the stream once the output is all sent; a limit in case it does not
        await Promise.race([ended, new Promise((r) => setTimeout(r, requestMs).unref())]);
        return typeof status.StatusCode === 'number' ? status.StatusCode : -1;
      } finally {
        socket.destroy();
      }
    });

    async function withContainer<T>(id: string, f: () => Promise<T>): Promise<T> {
      let clean = false;
      try {
        const result = await f();
        clean = true;
        return result;
      } finally {
        // after a clean exit AutoRemove removes it; otherwise (cancel, limit, error) we do
        if (!clean) await removeHelper(id);
        else void removeHelper(id);
      }
    }
  }

  return {
    get target() {
      return `container ${image?.image ?? '(helper image not chosen yet)'} on ${engineUrl}${entered ? `: ${entered}` : ''}`;
    },
    transport: 'container',
    get image() {
      return image;
    },
    get entered() {
      return entered;
    },
    async run(script, signal) {
      const tried = { text: `helper container on ${engineUrl}` };
      if (signal?.aborted) throw new NetlensError('SHELL', 'host shell run aborted before it started', tried.text);
      const preparing = (prepared ??= prepare());
      try {
        // a run cancelled while the user is still being asked ends now; the question stays for the next
        await (signal ? Promise.race([preparing, abortedBy(signal, tried.text)]) : preparing);
      } catch (e) {
        if (signal?.aborted) throw e;
        // an image that could not be had is tried again next run; a refusal (or a bad name) is kept
        if (e !== refused && !(isNetlensError(e) && e.code === 'BAD_INPUT') && prepared === preparing) prepared = null;
        throw e;
      }
      const controller = new AbortController();
      const out = new CappedBuffer(maxStdout);
      const err = new CappedBuffer(MAX_SHELL_STDERR);
      const stop = (why: NetlensError): void => {
        if (!controller.signal.aborted) controller.abort(why);
      };
      const stdoutText = (): string => out.text().replace(HELPER_SAYS, '');
      const onAbort = (): void => stop(new NetlensError('SHELL', 'host shell run aborted', tried.text));
      const cancel = (): void => stop(new NetlensError('SHELL', 'host shell disposed', tried.text));
      const timer = setTimeout(() => stop(new ShellTimeoutError(shellTimeoutMessage(timeoutMs), tried.text, stdoutText(), timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      running.add(cancel);
      // The run's answer comes when the abort does, not when the engine confirms the kill.
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      aborted.catch(() => undefined);
      const work = runOnce(script, controller.signal, out, err, tried);
      work.catch(() => undefined);
      return await Promise.race([work, aborted])
        .then((code): ShellResult => {
          if (out.over) throw new NetlensError('SHELL', `the helper container printed more than ${maxStdout} bytes; stopped`, tried.text);
          const said = HELPER_SAYS.exec(out.text());
          if (said) entered = said[1]!;
          else if (code === 125) throw new NetlensError('SHELL', `helper container: ${err.text().trim() || 'exited with 125'}`, tried.text);
          return { stdout: stdoutText(), stderr: err.text(), code };
        })
        .catch((e: unknown) => {
          const reason = controller.signal.reason as unknown;
          if (reason instanceof ShellTimeoutError) throw new ShellTimeoutError(reason.message, tried.text, stdoutText(), timeoutMs);
          throw e;
        })
        .finally(() => {
          clearTimeout(timer);
          running.delete(cancel);
          signal?.removeEventListener('abort', onAbort);
          // a run that is being stopped still removes its container (runOnce's finally)
          controller.abort(new NetlensError('SHELL', 'run over', tried.text));
        });
    },
    async dispose() {
      lifetime.abort();
      for (const c of [...running]) c();
      running.clear();
    },
  };
}
