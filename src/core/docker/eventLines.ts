/**
 * The /events stream is one JSON object per line, but chunks arrive cut anywhere — mid-object, or
 * mid-character of a multi-byte name. This reassembles lines and turns each into an EngineEvent.
 */
import { StringDecoder } from 'node:string_decoder';
import { RawReader } from './rawFields';
import type { EngineEvent } from './types';

/** An event plus the engine's nanosecond time, which reconnects use to resume without gaps. */
export interface ParsedEvent {
  readonly event: EngineEvent;
  /** `time` in ns as a decimal string (exceeds 2^53); "<s>.<ns>" is what `since` accepts. */
  readonly timeNano: string;
}

/**
 * An event line is a few hundred bytes (labels can make it a few KB). A stream that sends this much
 * without a newline is not sending events: what is held is dropped instead of growing without end.
 */
export const MAX_EVENT_LINE = 1 << 20;

export class EventLineParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** inside an over-long line: skip up to its newline */
  private skipping = false;

  constructor(private readonly onBadLine: (line: string, error: string) => void = () => {}) {}

  push(chunk: Buffer | string): ParsedEvent[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: ParsedEvent[] = [];
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (line === '') continue;
      const parsed = this.parseLine(line);
      if (parsed) out.push(parsed);
    }
    if (this.pending.length > MAX_EVENT_LINE) {
      this.onBadLine(`${this.pending.slice(0, 200)}…`, `an event line longer than ${MAX_EVENT_LINE} characters was dropped`);
      this.pending = '';
      this.skipping = true;
    }
    return out;
  }

  private parseLine(line: string): ParsedEvent | null {
    try {
      return parseEventLine(line);
    } catch (e) {
      this.onBadLine(line, (e as Error).message);
      return null;
    }
  }
}

export function parseEventLine(line: string): ParsedEvent {
  // timeNano is beyond 2^53: take its digits from the text, not from the parsed number.
  const nanoText = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  const r = RawReader.of(JSON.parse(line) as unknown, 'GET /events line');
  const actor = r.optObj('Actor');
  const attributes = actor ? actor.strMap('Attributes') : {};
  const time = r.num('time');
  return {
    event: {
      // Engines before API 1.22 wrote only status/id/from; keep them readable.
      type: r.optStr('Type') ?? 'container',
      action: r.optStr('Action') ?? r.str('status'),
      id: actor?.optStr('ID') ?? r.optStr('id') ?? '',
      name: attributes.name ?? null,
      attributes,
      time,
    },
    timeNano: nanoText ?? `${time}000000000`,
  };
}

/** "<seconds>.<nanoseconds>" for the `since` query parameter, from a nanosecond decimal string. */
export function sinceFromNano(timeNano: string): string {
  const padded = timeNano.padStart(10, '0');
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}

/** Order of two nanosecond times given as decimal strings. */
export function compareNano(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
