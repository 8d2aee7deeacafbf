/**
 * Reading iproute2's JSON: `ip -batch` prints one JSON array per command back to back, and every
 * record is checked field by field, so output we have never seen fails with the exact record
 * quoted instead of turning into a half-filled model.
 */
import { NetlensError } from '../errors';

export type JsonRecord = Readonly<Record<string, unknown>>;

/** Splits text holding JSON values written one after another (`[..][..]` or one per line). */
export function parseConcatenatedJson(text: string, what: string): unknown[] {
  // iproute2 writes each value on one line: JSON.parse per line is many times faster than the
  // character scan below (a snapshot of 300 containers holds half a megabyte of `ip -json`)
  const perLine = jsonPerLine(text);
  if (perLine) return perLine;
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) break;
    const start = i;
    const open = text[i];
    if (open !== '[' && open !== '{') throw parseError(what, 'expected a JSON array or object', lineAt(text, i));
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    const chunk = text.slice(start, i);
    if (depth !== 0) throw parseError(what, 'JSON ends before its closing bracket', lineAt(text, start));
    try {
      values.push(JSON.parse(chunk));
    } catch (e) {
      throw parseError(what, `invalid JSON (${(e as Error).message})`, lineAt(text, start));
    }
  }
  return values;
}

function jsonPerLine(text: string): unknown[] | null {
  const values: unknown[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (t[0] !== '[' && t[0] !== '{') return null;
    try {
      values.push(JSON.parse(t) as unknown);
    } catch {
      return null;
    }
  }
  return values;
}

/** Exactly `count` arrays of records, as `ip -batch` writes for `count` commands. */
export function jsonArrays(text: string, count: number, what: string): JsonRecord[][] {
  const values = parseConcatenatedJson(text, what);
  if (values.length !== count) throw parseError(what, `expected ${count} JSON array(s), got ${values.length}`, text.slice(0, 200));
  return values.map((v) => recordArray(v, what));
}

function recordArray(v: unknown, what: string): JsonRecord[] {
  if (!Array.isArray(v)) throw parseError(what, 'expected a JSON array', JSON.stringify(v).slice(0, 200));
  for (const r of v) if (typeof r !== 'object' || r === null || Array.isArray(r)) throw parseError(what, 'expected an object', JSON.stringify(r));
  return v as JsonRecord[];
}

export function parseError(what: string, problem: string, offending: string): NetlensError {
  const quoted = offending.length > 300 ? `${offending.slice(0, 300)}…` : offending;
  return new NetlensError('PARSE', `${what}: ${problem} in: ${quoted}`, what);
}

function lineAt(text: string, i: number): string {
  const end = text.indexOf('\n', i);
  return text.slice(text.lastIndexOf('\n', i) + 1, end < 0 ? undefined : end);
}

function quote(r: JsonRecord): string {
  return JSON.stringify(r);
}

export function str(r: JsonRecord, key: string, what: string): string {
  const v = r[key];
  if (typeof v !== 'string') throw parseError(what, `field "${key}" is not a string`, quote(r));
  return v;
}

export function optStr(r: JsonRecord, key: string, what: string): string | null {
  const v = r[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw parseError(what, `field "${key}" is not a string`, quote(r));
  return v;
}

export function num(r: JsonRecord, key: string, what: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw parseError(what, `field "${key}" is not a number`, quote(r));
  return v;
}

export function optNum(r: JsonRecord, key: string, what: string): number | null {
  const v = r[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw parseError(what, `field "${key}" is not a number`, quote(r));
  return v;
}

export function strList(r: JsonRecord, key: string, what: string): string[] {
  const v = r[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw parseError(what, `field "${key}" is not a list of strings`, quote(r));
  return v as string[];
}

export function optRecord(r: JsonRecord, key: string, what: string): JsonRecord | null {
  const v = r[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw parseError(what, `field "${key}" is not an object`, quote(r));
  return v as JsonRecord;
}
