/**
 * The CLI's head start. A `netlens topology` spends some 15–20 ms loading its bundle before it can
 * compose its host batch, and the batch is most of what follows. So the launcher (launch.ts),
 * before it loads the bundle, starts the local run that the last invocation with the same
 * arguments made — kept in the cache directory — with markers drawn fresh, and the bundle's first
 * local run takes it over when the run it composed is the very same: argv and input, byte for byte
 * (shell.ts). Otherwise the early run is stopped, its whole process group killed, and the bundle
 * runs its own. Nothing of an early run is used before the bundle made every check of its own (the
 * engine's namespace, the options); the batch only reads.
 *
 * The records are the user's own like the compile cache (same directory, same trust check: loading
 * one is running its script), one file per command line (its hash names it), written when a run
 * ends whose batch differed from its record; the eight used last are kept. NETLENS_HEAD_START=0
 * turns it off; `debug` says on stderr what it did. Node built-ins only: it runs before the bundle
 * loads.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { EarlyRun, HeadStart, RecordedRun, RunSink } from '../core/host/shell';
import { newDelimiter, newEndMarker } from '../core/host/markers';
import { cacheDirectory, readCache, writeCache, type Say } from './compileCache';
import { monotonicMs } from '../core/clock';

/** the record of a command line: its arguments' hash names it */
export const fileOf = (dir: string, args: readonly string[]): string => join(dir, `head-start-${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 32)}.json`);
const RECORD = /^head-start-[0-9a-f]{32}\.json$/;
/** records kept: those of the command lines used last */
const KEEP = 8;
/** where the launcher leaves its early run for the bundle */
const HANDOFF = Symbol.for('netlens.earlyRun');

/** The record: the CLI's arguments, and the run they made as it was spawned. */
interface HeadStartRecord extends RecordedRun {
  readonly args: readonly string[];
}

const MARKER = /^[A-Za-z0-9]{16,}$/;

function isRecord(r: unknown): r is HeadStartRecord {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const env = o['env'];
  const envOk = typeof env === 'object' && env !== null && !Array.isArray(env) && Object.values(env).every((v) => typeof v === 'string');
  const endMarker = o['endMarker'];
  return strings(o['args']) && strings(o['argv']) && o['argv'].length > 0 && envOk && typeof o['input'] === 'string' && (endMarker === null || (typeof endMarker === 'string' && MARKER.test(endMarker))) && typeof o['delimiter'] === 'string' && MARKER.test(o['delimiter']);
}

function orNothing<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function headStartSay(env: NodeJS.ProcessEnv): Say {
  return env['NETLENS_HEAD_START'] === 'debug' ? (m) => void process.stderr.write(`netlens: head start: ${m}\n`) : () => undefined;
}

/**
 * Starts the run recorded for `args` (the launcher, before the bundle loads) and leaves it where
 * takeEarlyRun finds it; nothing when there is no record for them, or it cannot be trusted.
 */
export function startEarlyRun(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): void {
  const say = headStartSay(env);
  if (env['NETLENS_HEAD_START'] === '0') return;
  const file = fileOf(dir, args);
  const data = readCache(file, say);
  if (!data) {
    say('no record for these arguments');
    return;
  }
  let record: unknown;
  try {
    record = JSON.parse(data.toString('utf8'));
  } catch {
    say('record not read: not JSON');
    return;
  }
  if (!isRecord(record)) {
    say('record not read: not a run');
    return;
  }
  if (!sameList(record.args, args)) {
    say('record not read: it is for other arguments');
    return;
  }
  // the records used last are the ones kept
  orNothing(() => utimesSync(file, new Date(), new Date()));
  // the recorded markers are replaced by fresh ones: each is 16+ random alphanumerics, found
  // nowhere else in the run by chance
  const delimiter = newDelimiter();
  const endMarker = record.endMarker === null ? null : newEndMarker();
  const swap = (s: string): string => {
    const d = s.split(record.delimiter).join(delimiter);
    return record.endMarker === null || endMarker === null ? d : d.split(record.endMarker).join(endMarker);
  };
  const argv = record.argv.map(swap);
  const extraEnv = Object.fromEntries(Object.entries(record.env).map(([k, v]) => [k, swap(v)]));
  const input = swap(record.input);
  let child;
  try {
    // as shell.ts spawns a local run: detached, so that a kill reaches its whole group
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv }, detached: true });
  } catch (e) {
    say(`not started: ${(e as Error).message}`);
    return;
  }
  const started = monotonicMs();
  const held: Array<(to: RunSink) => void> = [];
  let sink: RunSink | null = null;
  let settled = false;
  const on = (deliver: (to: RunSink) => void): void => {
    if (sink) deliver(sink);
    else held.push(deliver);
  };
  child.stdout.on('data', (b: Buffer) => on((to) => to.stdout(b)));
  child.stderr.on('data', (b: Buffer) => on((to) => to.stderr(b)));
  child.on('error', (e) => on((to) => to.error(e)));
  child.on('close', (code, signal) => on((to) => to.close(code, signal)));
  child.stdin.on('error', () => undefined);
  child.stdin.write(input);
  // until taken over it must not keep this process alive
  const pipes = [child.stdin, child.stdout, child.stderr] as unknown as Socket[];
  child.unref();
  for (const p of pipes) p.unref?.();
  const stop = (): void => {
    if (settled) return;
    settled = true;
    process.removeListener('exit', stop);
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    child.stdin.end();
  };
  process.once('exit', stop);
  const early: EarlyRun = {
    argv,
    env: extraEnv,
    input,
    delimiter,
    endMarker,
    adopt(to) {
      settled = true;
      process.removeListener('exit', stop);
      child.ref();
      for (const p of pipes) p.ref?.();
      say(`taken over, ${(monotonicMs() - started).toFixed(1)} ms after it started`);
      queueMicrotask(() => {
        for (const deliver of held.splice(0)) deliver(to);
        sink = to;
      });
      return { pid: child.pid, stdin: child.stdin };
    },
    stop() {
      say('stopped: the run composed now is another');
      stop();
    },
  };
  say(`started (${argv[0]})`);
  (globalThis as Record<symbol, unknown>)[HANDOFF] = early;
}

/** The launcher's early run, once. */
export function takeEarlyRun(): EarlyRun | null {
  const g = globalThis as Record<symbol, unknown>;
  const early = (g[HANDOFF] as EarlyRun | undefined) ?? null;
  delete g[HANDOFF];
  return early;
}

/**
 * The head start of this CLI run (LocalShellOptions.headStart): hands the early run to the first
 * local run, and records that run, when it was a batch the shell spawned itself (not the early one
 * taken over), for the next invocation with the same `args`.
 */
export function cliHeadStart(env: NodeJS.ProcessEnv, args: readonly string[], early: EarlyRun | null): HeadStart | undefined {
  if (env['NETLENS_HEAD_START'] === '0') {
    early?.stop();
    return undefined;
  }
  const say = headStartSay(env);
  let handed: string | null = null;
  let taken = false;
  let remembered = false;
  return {
    delimiter(fresh) {
      if (handed !== null) return fresh;
      handed = early?.delimiter ?? fresh;
      return handed;
    },
    take() {
      if (taken) return null;
      taken = true;
      return early;
    },
    remember(run) {
      if (remembered) return;
      remembered = true;
      if (handed === null || ![run.input, ...Object.values(run.env)].some((t) => t.includes(handed!))) return;
      const record: HeadStartRecord = { args: [...args], argv: [...run.argv], env: { ...run.env }, input: run.input, delimiter: handed, endMarker: run.endMarker };
      process.once('exit', () => {
        const dir = cacheDirectory(env, say);
        if (!dir) return;
        writeCache(dir, fileOf(dir, args), Buffer.from(JSON.stringify(record)), say, null);
        const records = orNothing(() => readdirSync(dir).filter((f) => RECORD.test(f))) ?? [];
        if (records.length <= KEEP) return;
        const byUse = records.map((f) => ({ f, t: orNothing(() => statSync(join(dir, f)).mtimeMs) ?? 0 })).sort((a, b) => b.t - a.t);
        for (const { f } of byUse.slice(KEEP)) orNothing(() => unlinkSync(join(dir, f)));
      });
    },
  };
}
