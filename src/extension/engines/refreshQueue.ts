/**
 * Every refresh goes through here, with a reason (startup, manual, config, event, retry,
 * reconnect) that the log records. Refreshes of one engine never overlap: requests that arrive
 * while one runs are folded into one more run after it. Automatic ones (engine events) wait a
 * short debounce so a burst (`docker compose up`) costs one snapshot; the views do not wait for it,
 * as each event is applied to the model at once (eventPatch.ts). A slow refresh shows progress.
 */

/** From the first event of a burst to the snapshot starting. */
export const EVENT_DEBOUNCE_MS = 60;
/** A refresh that takes longer than this gets a progress indicator. */
export const PROGRESS_AFTER_MS = 400;

/** Reasons kept per pending refresh, for the log; a long burst is counted, not stored. */
const MAX_REASONS = 100;

interface Pending {
  readonly reasons: string[];
  /** some request was not an engine event (startup, manual, config, retry, reconnect): read everything */
  whole: boolean;
  /** reasons beyond MAX_REASONS */
  more: number;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

interface Slot {
  running: Promise<void> | undefined;
  next: Pending | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface RefreshTarget {
  readonly key: string;
  readonly label: string;
  /** `whole`: a request other than an engine event asked for it, so nothing may be kept from the last read */
  refresh(opts: { readonly whole: boolean }): Promise<void>;
}

export class RefreshQueue {
  private readonly slots = new Map<string, Slot>();
  private disposed = false;

  constructor(
    private readonly target: (key: string) => RefreshTarget | undefined,
    private readonly log: (message: string) => void,
    /** shows a slow refresh (the extension: a window progress indicator) until `running` settles */
    private readonly showProgress: (title: string, running: Promise<void>) => void = () => undefined,
  ) {}

  /** Resolves when a refresh that started after this request has finished. */
  request(key: string, reason: string, automatic: boolean): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const slot = this.slot(key);
    if (!slot.next) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      slot.next = { reasons: [], more: 0, whole: false, promise, resolve };
    }
    if (!automatic) slot.next.whole = true;
    if (slot.next.reasons.length < MAX_REASONS) slot.next.reasons.push(reason);
    else slot.next.more++;
    const { promise } = slot.next;
    if (automatic) {
      if (!slot.timer && !slot.running) {
        slot.timer = setTimeout(() => {
          slot.timer = undefined;
          this.kick(key);
        }, EVENT_DEBOUNCE_MS);
      }
    } else {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      this.kick(key);
    }
    return promise;
  }

  private slot(key: string): Slot {
    let s = this.slots.get(key);
    if (!s) {
      s = { running: undefined, next: undefined, timer: undefined };
      this.slots.set(key, s);
    }
    return s;
  }

  private kick(key: string): void {
    const slot = this.slot(key);
    if (slot.running || !slot.next) return;
    const job = slot.next;
    slot.next = undefined;
    const target = this.target(key);
    if (!target) {
      job.resolve();
      return;
    }
    const reasons = [...new Set(job.reasons)];
    const more = reasons.length - 5 + job.more;
    this.log(`refresh ${target.label}: ${reasons.slice(0, 5).join('; ')}${more > 0 ? ` (+${more})` : ''}`);
    const started = Date.now();
    const run = target.refresh({ whole: job.whole });
    const progressTimer = setTimeout(() => this.showProgress(`netlens: reading ${target.label}`, run), PROGRESS_AFTER_MS);
    slot.running = run
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(progressTimer);
        this.log(`refresh ${target.label} done in ${Date.now() - started} ms`);
        slot.running = undefined;
        job.resolve();
        if (slot.next && !slot.timer) this.kick(key);
      });
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.slots.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.next?.resolve();
    }
    this.slots.clear();
  }
}
