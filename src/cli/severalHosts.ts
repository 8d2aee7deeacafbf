/**
 * `netlens topology --docker-host A --docker-host B …`: one session per engine, each with the host
 * shell today's options resolve for it, all read at once; then what joins the hosts (their routes
 * to each other, model/hostLinks.ts). An engine that fails is one error among the engines, not the
 * end of the others.
 */
import { createSession, type SessionOptions } from '../core/session';
import { errorMessage, isNetlensError } from '../core/errors';
import type { Topology } from '../core/model/types';
import { formatHostLinks, hostLinks } from '../core/model/hostLinks';
import { renderTopology } from './renderTopology';

export interface EngineError {
  readonly dockerHost: string;
  readonly error: { readonly code: string; readonly message: string };
}

/** The text to print, and whether no engine could be read at all (then the exit status is 1). */
export async function severalHosts(each: readonly SessionOptions[], opts: { readonly json: boolean; readonly listeners: boolean }): Promise<{ text: string; noneRead: boolean }> {
  const sessions = each.map((o) => createSession(o));
  try {
    const read = await Promise.all(
      sessions.map((s, i) =>
        s.snapshot(undefined, { containerListeners: opts.listeners }).catch(
          (e: unknown): EngineError => ({ dockerHost: each[i]!.dockerHost ?? '', error: { code: isNetlensError(e) ? e.code : 'ERROR', message: errorMessage(e) } }),
        ),
      ),
    );
    const models = read.filter((r): r is Topology => !('error' in r));
    const failed = read.filter((r): r is EngineError => 'error' in r);
    const joined = hostLinks(models);
    const noneRead = models.length === 0;
    if (opts.json) return { text: JSON.stringify({ engines: read, links: joined.links, tunnels: joined.tunnels ?? [], linksUnknown: joined.unknown }, null, 2), noneRead };
    const text = [
      ...read.map((r, i) => ('error' in r ? `Engine ${each[i]!.dockerHost}: ${r.error.code}: ${r.error.message}` : renderTopology(r))),
      ...(models.length > 1 ? formatHostLinks(joined) : []),
      ...(failed.length ? [`${failed.length} of ${read.length} engines could not be read`] : []),
    ].join('\n\n');
    return { text, noneRead };
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
}
