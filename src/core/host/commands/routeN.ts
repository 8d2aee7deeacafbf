/**
 * `route -n` (net-tools or busybox), the IPv4 route fallback where `ip` has no JSON. It shows the
 * main table only, so local/broadcast routes are absent from a snapshot built from it.
 */
import type { Route } from '../types';
import { parseError } from '../ipJson';

const WHAT = 'route -n';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function prefixOf(mask: string, line: string): number {
  const bits = mask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) throw parseError(WHAT, `non-contiguous netmask ${mask}`, line);
  return bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
}

export function parseRouteN(text: string): Route[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'Kernel IP routing table') throw parseError(WHAT, 'unexpected title', lines[0] ?? '(empty output)');
  if (!/^Destination\s+Gateway\s+Genmask\s+Flags\s+Metric\s+Ref\s+Use\s+Iface\s*$/.test(lines[1] ?? '')) {
    throw parseError(WHAT, 'unexpected header', lines[1] ?? '(missing)');
  }
  return lines.slice(2).map((line) => {
    const f = line.trim().split(/\s+/);
    const [dst, gw, mask, flags, metric, , , dev] = f;
    if (f.length !== 8 || !dst || !gw || !mask || !flags || !metric || !dev || !IPV4.test(dst) || !IPV4.test(gw) || !IPV4.test(mask) || !/^\d+$/.test(metric)) {
      throw parseError(WHAT, 'unrecognised route line', line);
    }
    const prefix = prefixOf(mask, line);
    const rejected = flags.includes('!');
    return {
      dst: prefix === 0 && dst === '0.0.0.0' ? 'default' : `${dst}/${prefix}`,
      gateway: gw === '0.0.0.0' ? null : gw,
      dev: rejected ? null : dev,
      protocol: null,
      scope: null, // route -n does not say
      prefsrc: null,
      metric: Number(metric),
      table: 'main',
      type: rejected ? 'unreachable' : 'unicast',
      family: 'inet' as const,
      flags: [],
    };
  });
}
