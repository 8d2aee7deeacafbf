/**
 * Follows the engine's /events stream (containers, networks, volumes) for as long as the caller
 * wants. When the stream breaks it reconnects with exponential backoff and asks for `since` the
 * last event it saw, so a restart of the engine or a dropped SSH link loses nothing; events seen
 * twice across a reconnect are dropped by their nanosecond time.
 */
import type Dockerode from 'dockerode';
import { errorMessage } from '../errors';
import { EventLineParser, compareNano, sinceFromNano } from './eventLines';
import type { ParsedEvent } from './eventLines';
import type { EngineEvent } from './types';

export type EventStreamState = 'connected' | 'reconnecting';

export interface WatchTiming {
  /** first retry delay; doubles per failure */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

const EVENT_TYPES = ['container', 'network', 'volume'];

export function watchEngineEvents(
  docker: Dockerode,
  listener: (e: EngineEvent) => void,
  onState?: (state: EventStreamState, error?: string) => void,
  timing: WatchTiming = {},
): () => void {
  const initialDelay = timing.initialDelayMs ?? 250;
  const maxDelay = timing.maxDelayMs ?? 10_000;
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
    (docker.getEvents(query as Dockerode.GetEventsOptions) as Promise<NodeJS.ReadableStream>).then(
      (stream) => {
        if (stopped || ac.signal.aborted) {
          destroy(stream);
          return;
        }
        connectedAt = Date.now();
        onState?.('connected');
        stream.on('data', (chunk: Buffer) => {
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
      },
      (e: unknown) => {
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
