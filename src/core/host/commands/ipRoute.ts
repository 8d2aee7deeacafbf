/**
 * Routes of every table, both families: what `ip -json -4 route show table all` and the same with
 * -6 print, two arrays in one section so each route's family is known without guessing from
 * `default`. One `ip` prints both, from a batch: `root 0.0.0.0/0` and `root ::/0` select a
 * family as -4 and -6 do (the same routes, byte for byte), and an `ip` started costs more than
 * all it prints. Where `ip` prints nothing (no -json: iproute2 before 4.13, busybox), `route -n`
 * gives the IPv4 table; where it printed the IPv4 routes and failed on the IPv6 ones, the section
 * fails with its message, as the second `ip` did.
 */
import type { BatchCommand } from '../batch';
import type { Route } from '../types';
import { jsonArrays, optNum, optStr, str, strList } from '../ipJson';
import type { JsonRecord } from '../ipJson';

/** The routes of both families, as `ip -batch` commands: IPv4 then IPv6 (parseIpRouteOutput); ipHost.ts runs them too. */
export const IP_ROUTE_BATCH: readonly string[] = ['route show table all root 0.0.0.0/0', 'route show table all root ::/0'];

export const ipRouteCommand: BatchCommand = {
  name: 'ip-route',
  requires: ['ip'],
  script: [
    // the commands in a quoted here-document: the shell writes it into ip's stdin itself (a printf
    // piped in would be one more process)
    "nl_o=$(ip -json -batch - <<'NLEOF'",
    ...IP_ROUTE_BATCH,
    'NLEOF',
    '); nl_r=$?',
    'if [ -n "$nl_o" ]; then printf \'%s\\n\' "$nl_o"; exit $nl_r; fi',
    'nl_part text; route -n',
  ].join('\n'),
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
