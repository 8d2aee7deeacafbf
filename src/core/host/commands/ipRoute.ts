/**
 * Routes of every table, both families: `ip -json -4 route show table all` and the same with -6,
 * two arrays in one section so each route's family is known without guessing from `default`.
 */
import type { BatchCommand } from '../batch';
import type { Route } from '../types';
import { jsonArrays, optNum, optStr, str, strList } from '../ipJson';
import type { JsonRecord } from '../ipJson';

export const ipRouteCommand: BatchCommand = {
  name: 'ip-route',
  requires: ['ip'],
  script: 'if ip -json -4 route show table all 2>/dev/null; then ip -json -6 route show table all; else nl_part text; route -n; fi',
};

/** `ip` prints host routes bare; the model writes them with their /32 or /128. */
function withPrefix(dst: string, family: 'inet' | 'inet6'): string {
  if (dst === 'default' || dst.includes('/')) return dst;
  return `${dst}/${family === 'inet' ? 32 : 128}`;
}

export function parseIpRouteJson(records: readonly JsonRecord[], family: 'inet' | 'inet6', what = `ip -json ${family === 'inet' ? '-4' : '-6'} route`): Route[] {
  return records.map((r) => ({
    dst: withPrefix(str(r, 'dst', what), family),
    gateway: optStr(r, 'gateway', what),
    dev: optStr(r, 'dev', what),
    protocol: optStr(r, 'protocol', what),
    scope: optStr(r, 'scope', what),
    prefsrc: optStr(r, 'prefsrc', what),
    metric: optNum(r, 'metric', what),
    table: optStr(r, 'table', what) ?? 'main',
    type: optStr(r, 'type', what) ?? 'unicast',
    family,
    flags: strList(r, 'flags', what),
  }));
}

/** The section's stdout: the IPv4 array, then the IPv6 array. */
export function parseIpRouteOutput(stdout: string): Route[] {
  const [v4, v6] = jsonArrays(stdout, 2, 'ip -json route show table all');
  return [...parseIpRouteJson(v4 ?? [], 'inet'), ...parseIpRouteJson(v6 ?? [], 'inet6')];
}
