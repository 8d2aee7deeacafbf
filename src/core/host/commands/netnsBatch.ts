/**
 * What one namespace's `ip -json -d -batch -` prints for `addr show`, `route show table all` and
 * `neigh show`: three JSON arrays back to back. Used for named netns (`ip -n NAME`) and container
 * namespaces (`nsenter -t PID -n ip`). The route array mixes families and carries no family field,
 * so each route's family is read from its addresses (IPv6 routes always carry `pref`).
 */
import type { Known } from '../../known';
import { known, unknown } from '../../known';
import { errorMessage } from '../../errors';
import type { NetnsFacts, Route } from '../types';
import { jsonArrays, optStr } from '../ipJson';
import type { JsonRecord } from '../ipJson';
import { parseIpAddrJson } from './ipAddr';
import { parseIpNeighJson } from './ipNeigh';
import { parseIpRouteJson } from './ipRoute';

/** The lines fed to `ip -batch -`: printf format, no user data in it. */
export const NETNS_BATCH_INPUT = 'addr show\\nroute show table all\\nneigh show\\n';

export function routeFamily(r: JsonRecord, what: string): 'inet' | 'inet6' {
  const fields = [optStr(r, 'dst', what), optStr(r, 'gateway', what), optStr(r, 'prefsrc', what)];
  if (r.pref !== undefined || fields.some((f) => f?.includes(':'))) return 'inet6';
  return 'inet';
}

export function parseNetnsRoutes(records: readonly JsonRecord[], what: string): Route[] {
  return records.flatMap((r) => parseIpRouteJson([r], routeFamily(r, what), what));
}

/** All three facts, each known or not on its own. */
export function parseNetnsBatch(text: string, what: string): NetnsFacts {
  let arrays: JsonRecord[][];
  try {
    arrays = jsonArrays(text, 3, what);
  } catch (e) {
    const reason = errorMessage(e);
    return { interfaces: unknown(reason), routes: unknown(reason), neighbours: unknown(reason) };
  }
  const [addr, route, neigh] = arrays as [JsonRecord[], JsonRecord[], JsonRecord[]];
  return {
    interfaces: attempt(() => parseIpAddrJson(addr, `${what} addr show`)),
    routes: attempt(() => parseNetnsRoutes(route, `${what} route show table all`)),
    neighbours: attempt(() => parseIpNeighJson(neigh, `${what} neigh show`)),
  };
}

export function attempt<T>(f: () => T): Known<T> {
  try {
    return known(f());
  } catch (e) {
    return unknown(errorMessage(e));
  }
}
