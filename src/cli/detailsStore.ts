/**
 * What the CLI keeps of each engine between runs. A long-lived session keeps these in memory; a
 * CLI run is one snapshot, so it keeps them in its cache directory (the compile cache's,
 * compileCache.ts: the user's own, writable by nobody else), one file per engine URL and kind (the
 * URL's hash names it), read when the session starts and written once as the run ends, when they
 * changed. A file that cannot be trusted or read is as none. NETLENS_DETAILS_CACHE=0 turns both off.
 *   - `details`: the few facts the container list lacks — network aliases, links, tmpfs mounts —
 *     which cost one inspect per container, a tenth of a cold `topology` at 100 containers
 *     (core/docker/containerDetails.ts); each entry is checked against the container list it comes
 *     back to (id, state, endpoints), and by shape.
 *   - `identity`: the engine's /info and /version answers, with the fingerprint of the engine
 *     process that gave them (session.ts: used only while that process serves the socket).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { DetailsStore, EngineStore, IdentityStore } from '../core/session';
import { cacheDirectory, readCache, writeCache } from './compileCache';

function cliEngineStore(env: NodeJS.ProcessEnv, kind: 'details' | 'identity'): EngineStore<unknown> | undefined {
  if (env['NETLENS_DETAILS_CACHE'] === '0') return undefined;
  const quiet = (): void => undefined;
  let dir: string | null | undefined;
  const fileOf = (engineUrl: string): string | null => {
    dir ??= cacheDirectory(env, quiet);
    return dir ? join(dir, `${kind}-${createHash('sha256').update(engineUrl).digest('hex').slice(0, 32)}.json`) : null;
  };
  const pending = new Map<string, string>();
  let registered = false;
  return {
    load(engineUrl) {
      const file = fileOf(engineUrl);
      const data = file ? readCache(file, quiet) : undefined;
      if (!data) return undefined;
      try {
        return JSON.parse(data.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    save(engineUrl, value) {
      if (!registered) {
        registered = true;
        process.once('exit', () => {
          for (const [file, text] of pending) if (dir) writeCache(dir, file, Buffer.from(text), quiet, null);
        });
      }
      const file = fileOf(engineUrl);
      if (file) pending.set(file, JSON.stringify(value));
    },
  };
}

export function cliDetailsStore(env: NodeJS.ProcessEnv): DetailsStore | undefined {
  return cliEngineStore(env, 'details');
}

export function cliIdentityStore(env: NodeJS.ProcessEnv): IdentityStore | undefined {
  return cliEngineStore(env, 'identity');
}
