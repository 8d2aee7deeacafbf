/**
 * Follows the engine's /events stream (containers, networks, volumes) for as long as the caller
 * wants. When the stream breaks it reconnects with exponential backoff and asks for `since` the
 * last event it saw, so a restart of the engine or a dropped SSH link loses nothing; events seen
 * twice across a reconnect are dropped by their nanosecond time.
 *
 * A stream can also fail silently: an engine that accepts the connection and never sends the
 * response headers, or one that hangs after the stream opened (the stream is then merely quiet).
 * The first is bounded by the request limit; the second is found by a `GET /_ping` while the
 * stream is quiet — an engine that does not answer it is treated as a lost stream.
 */
import type Dockerode from 'dockerode';
import { formatDuration } from '../abort';
import { errorMessage } from '../errors';
import { requestTimeoutOfClient, resetClientTransport } from './client';
import { engineGet } from './engineRequest';
import { EventLineParser, compareNano, sinceFromNano } from './eventLines';
import type { ParsedEvent } from './eventLines';
import type { EngineEvent } from './types';

export type EventStreamState = 'connected' | 'reconnecting';

export interface WatchTiming {
  /** first retry delay; doubles per failure */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** how long the engine may take to open the stream (default: the client's request limit) */
  readonly openTimeoutMs?: number;
  /** a quiet stream is checked with GET /_ping this often (default 30 s; 0 turns it off) */
  readonly checkEveryMs?: number;
}

const DEFAULT_EVENT_CHECK_MS = 30_000;

const EVENT_TYPES = ['container', 'network', 'volume'];

export function watchEngineEvents(
  docker: Dockerode,
  listener: (e: EngineEvent) => void,
  onState?: (state: EventStreamState, error?: string) => void,
  timing: WatchTiming = {},
): () => void {
  const initialDelay = timing.initialDelayMs ?? 250;
  const maxDelay = timing.maxDelayMs ?? 10_000;
  const openTimeout = timing.openTimeoutMs ?? requestTimeoutOfClient(docker);
  const checkEvery = timing.checkEveryMs ?? DEFAULT_EVENT_CHECK_MS;
  let stopped = false;
  let controller: AbortController | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  let connectedAt: number | null = null;
  // Resume point: the newest event delivered, and which events carried exactly that time.
  let lastNano: string | null = null;
  let seenAtLast = new Set<string>();

  const deliver = ({ event, timeNano }: ParsedEvent) => {
    const key = `${event.type}|${event.action}|${event.id}`;
    if (lastNano !== null) {
      const order = compareNano(timeNano, lastNano);
      if (order < 0 || (order === 0 && seenAtLast.has(key))) return;
      if (order > 0) seenAtLast = new Set();
    }
    lastNano = timeNano;
    seenAtLast.add(key);
    try {
      listener(event);
    } catch {
      // A failing listener must not kill the stream for the others.
    }
  };

  const scheduleReconnect = (why: string) => {
    if (stopped || retryTimer !== null) return;
    controller?.abort();
    controller = null;
    // Back off from scratch only after a stream that held: an engine that accepts and drops at
    // once must not be hammered at the initial delay forever.
    if (connectedAt !== null && Date.now() - connectedAt >= maxDelay) failures = 0;
    connectedAt = null;
    const delay = Math.min(maxDelay, initialDelay * 2 ** failures);
    failures++;
    onState?.('reconnecting', why);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  };

  const connect = () => {
    if (stopped) return;
    const ac = new AbortController();
    controller = ac;
    const parser = new EventLineParser();
    const query: Record<string, unknown> = { filters: { type: EVENT_TYPES }, abortSignal: ac.signal };
    if (lastNano !== null) query.since = sinceFromNano(lastNano);
    let opened = false;
    const openTimer = setTimeout(() => {
      if (opened || ac !== controller) return;
      scheduleReconnect(`the engine did not open GET /events within ${formatDuration(openTimeout)}`);
      resetClientTransport(docker);
    }, openTimeout);
    ac.signal.addEventListener('abort', () => clearTimeout(openTimer), { once: true });
    (docker.getEvents(query as Dockerode.GetEventsOptions) as Promise<NodeJS.ReadableStream>).then(
      (stream) => {
        opened = true;
        clearTimeout(openTimer);
        if (stopped || ac.signal.aborted) {
          destroy(stream);
          return;
        }
        connectedAt = Date.now();
        onState?.('connected');
        let lastData = Date.now();
        stream.on('data', (chunk: Buffer) => {
          lastData = Date.now();
          if (ac === controller) for (const p of parser.push(chunk)) deliver(p);
        });
        stream.on('error', (e: unknown) => {
          if (ac === controller) scheduleReconnect(errorMessage(e));
        });
        stream.on('end', () => {
          if (ac === controller) scheduleReconnect('the engine closed the event stream');
        });
        stream.on('close', () => {
          if (ac === controller) scheduleReconnect('the event stream was closed');
        });
        ac.signal.addEventListener('abort', () => destroy(stream), { once: true });
        if (checkEvery > 0) {
          let checking = false;
          const check = setInterval(() => {
            if (checking || ac !== controller || Date.now() - lastData < checkEvery) return;
            checking = true;
            engineGet(docker, '/_ping', {}, ac.signal).then(
              () => {
                checking = false;
              },
              (e: unknown) => {
                checking = false;
                if (ac === controller) scheduleReconnect(`the engine stopped answering (${errorMessage(e)})`);
              },
            );
          }, checkEvery);
          // The stream's socket keeps a process alive while it is wanted; this timer must not.
          check.unref();
          ac.signal.addEventListener('abort', () => clearInterval(check), { once: true });
        }
      },
      (e: unknown) => {
        opened = true;
        clearTimeout(openTimer);
        if (ac === controller) scheduleReconnect(errorMessage(e));
      },
    );
  };

  connect();

  return () => {
    stopped = true;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    controller?.abort();
    controller = null;
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
  s.on('error', () => {});
  s.destroy?.();
}
