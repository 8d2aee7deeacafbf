/**
 * The CLI's compile cache (src/cli/launch.ts says why and how): where it lives, whether it can be
 * trusted, reading and writing it. Node built-ins only: it runs before the bundle loads.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export type Say = (message: string) => void;

/** Why `path` may not be trusted as this user's own (null: it may): not of that kind, someone else's, or writable by others. */
export function notPrivate(path: string, kind: 'directory' | 'file', uid: number): string | null {
  const st = lstatSync(path);
  if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) return `${path} is not a ${kind}`;
  if (st.uid !== uid) return `${path} belongs to uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return `${path} can be written by others (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

/** The cache directory, made if missing (unless `make` is false); null where there is none to trust (no home, no uid, someone else's). */
export function cacheDirectory(env: NodeJS.ProcessEnv, say: Say, make = true): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const base = env['XDG_CACHE_HOME'] || (homedir() ? join(homedir(), '.cache') : '');
  if (!base || !isAbsolute(base)) return null;
  const dir = join(base, 'netlens');
  try {
    // made only inside a directory of the user's own: root run with another user's HOME (sudo
    // keeps it on some systems) would leave that user a directory they cannot remove
    const existing = nearestExisting(dir);
    const owner = statSync(existing).uid;
    if (owner !== uid) {
      say(`not used: ${existing} belongs to uid ${owner}, not ${uid}`);
      return null;
    }
    if (make) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if (!existsSync(dir)) return null;
    const why = notPrivate(dir, 'directory', uid);
    if (why) {
      say(`not used: ${why}`);
      return null;
    }
    return dir;
  } catch (e) {
    say(`not used: ${(e as Error).message}`);
    return null;
  }
}

function nearestExisting(path: string): string {
  for (let p = path; ; p = dirname(p)) if (existsSync(p) || dirname(p) === p) return p;
}

/** The cache file's data, when there is one to trust. */
export function readCache(file: string, say: Say): Buffer | undefined {
  try {
    const why = notPrivate(file, 'file', process.getuid!());
    if (why) {
      say(`not read: ${why}`);
      return undefined;
    }
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes `file` in `dir` through a private temporary file; then removes the files `stale` names (other than `file`). */
export function writeCache(dir: string, file: string, data: Buffer, say: Say, stale: RegExp | null = /^cli-[0-9a-f]+\.v8$/): void {
  const tmp = join(dir, `.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    say(`written: ${file} (${data.length} bytes)`);
    // an earlier bundle's cache is never loaded again
    if (stale) for (const f of readdirSync(dir)) if (stale.test(f) && join(dir, f) !== file) unlinkSync(join(dir, f));
  } catch (e) {
    say(`not written: ${(e as Error).message}`);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was left
    }
  }
}

/** The cache file for this bundle text under this Node: a cache made for other code has another name. */
export function cacheFile(dir: string, source: string | Uint8Array): string {
  return join(dir, `cli-${createHash('sha256').update(`${process.version} ${process.arch}\n`).update(source).digest('hex').slice(0, 32)}.v8`);
}
