/**
 * Reading the engine's JSON at the edge: each accessor names the object and field it expected, so
 * an engine that answers with an odd shape gives one clear PARSE error instead of a TypeError deep
 * inside the model. Absent and null are told apart only where the API gives them different meaning.
 */
import { NetlensError } from '../errors';

export type RawObject = Readonly<Record<string, unknown>>;

/** What is being read, e.g. `GET /containers/json [3] "/web"`, for error messages. */
export class RawReader {
  constructor(
    readonly what: string,
    private readonly o: RawObject,
  ) {}

  static of(value: unknown, what: string): RawReader {
    return new RawReader(what, asObject(value, what));
  }

  private fail(field: string, expected: string, got: unknown): never {
    throw new NetlensError('PARSE', `${this.what}: field ${field} should be ${expected}, got ${describe(got)}`, this.what);
  }

  str(field: string): string {
    const v = this.o[field];
    if (typeof v !== 'string') this.fail(field, 'a string', v);
    return v;
  }

  /** A string, with absent, null and "" all meaning "none" (the engine uses each of them). */
  optStr(field: string): string | null {
    const v = this.o[field];
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') this.fail(field, 'a string', v);
    return v;
  }

  num(field: string): number {
    const v = this.o[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'a number', v);
    return v;
  }

  optNum(field: string): number | null {
    const v = this.o[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'a number', v);
    return v;
  }

  bool(field: string, fallback?: boolean): boolean {
    const v = this.o[field];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  /** Arrays the engine writes as null when empty (Aliases, Links, Ports …) come back as []. */
  arr(field: string): readonly unknown[] {
    const v = this.o[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(field, 'an array', v);
    return v;
  }

  strArr(field: string): readonly string[] {
    return this.arr(field).map((x, i) => {
      if (typeof x !== 'string') this.fail(`${field}[${i}]`, 'a string', x);
      return x;
    });
  }

  /** A nested object, or null when absent/null. */
  optObj(field: string): RawReader | null {
    const v = this.o[field];
    if (v === undefined || v === null) return null;
    return RawReader.of(v, `${this.what}.${field}`);
  }

  /** string→string maps (Labels, Options) — null or absent is {} */
  strMap(field: string): Readonly<Record<string, string>> {
    const v = this.o[field];
    if (v === undefined || v === null) return {};
    const o = asObject(v, `${this.what}.${field}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) {
      if (typeof x !== 'string') this.fail(`${field}.${k}`, 'a string', x);
      out[k] = x;
    }
    return out;
  }

  /** Entries of a keyed object (NetworkSettings.Networks), null/absent → [] */
  entries(field: string): readonly (readonly [string, RawReader])[] {
    const v = this.o[field];
    if (v === undefined || v === null) return [];
    const o = asObject(v, `${this.what}.${field}`);
    return Object.entries(o).map(([k, x]) => [k, RawReader.of(x, `${this.what}.${field}.${k}`)] as const);
  }
}

function asObject(v: unknown, what: string): RawObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new NetlensError('PARSE', `${what} should be a JSON object, got ${describe(v)}`, what);
  }
  return v as RawObject;
}

export function asArray(v: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new NetlensError('PARSE', `${what} should be a JSON array, got ${describe(v)}`, what);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v)) return `non-JSON text "${v.toString('utf8').slice(0, 60)}"`;
  if (typeof v === 'string') return `the string "${v.slice(0, 60)}"`;
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60) ?? ''}`.trim();
}
