/**
 * Cancellation shared by the transports: a controller that follows its parents (the caller's signal,
 * the session's lifetime), a deadline that aborts it, and "all or none" for sibling work — when one
 * part of a snapshot fails, the others are cancelled instead of running on for nothing.
 */
import { setMaxListeners } from 'node:events';

/**
 * A linked signal is the parent of the requests made under it: a snapshot's engine side runs up to
 * 32 inspects at once, each linking its own limit to it and detaching when done. That many listeners
 * at a time is by design, not a leak, so Node's warning at 11 is raised to this.
 */
const MAX_LINKED_CHILDREN = 100;

export interface Linked {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Detaches from the parents (call when the work is done, so long-lived parents do not collect listeners). */
  dispose(): void;
}

/** A controller aborted by its own `abort()` or by any parent's. */
export function linkedAbort(...parents: ReadonlyArray<AbortSignal | undefined>): Linked {
  const controller = new AbortController();
  setMaxListeners(MAX_LINKED_CHILDREN, controller.signal);
  const undo: Array<() => void> = [];
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      controller.abort(p.reason);
      break;
    }
    const onAbort = (): void => controller.abort(p.reason);
    p.addEventListener('abort', onAbort, { once: true });
    undo.push(() => p.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => controller.abort(reason),
    dispose: () => {
      for (const u of undo.splice(0)) u();
    },
  };
}

/**
 * Runs the parts with one shared signal; the first part to fail aborts the others (their own
 * cancellation errors are swallowed) and its error is the one thrown.
 */
export async function allOrAbort<T extends readonly unknown[]>(
  parent: AbortSignal | undefined,
  parts: { readonly [K in keyof T]: (signal: AbortSignal) => Promise<T[K]> },
): Promise<T> {
  const linked = linkedAbort(parent);
  try {
    return (await Promise.all(
      parts.map((part) => {
        let started: Promise<unknown>;
        try {
          started = part(linked.signal);
        } catch (e) {
          started = Promise.reject(e);
        }
        return started.catch((e: unknown) => {
          linked.abort(e);
          throw e;
        });
      }),
    )) as unknown as T;
  } finally {
    linked.dispose();
  }
}

/** "10 s", "1.5 s", "250 ms": how a limit is named in messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
