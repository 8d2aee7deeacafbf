/**
 * Bridge ports: `bridge -json -details link` (details add hairpin). Where `bridge` is missing the
 * command falls back to `brctl show` (brctlShow.ts).
 */
import type { BatchCommand } from '../batch';
import type { BridgePort } from '../types';
import { jsonArrays, num, optStr, parseError, str } from '../ipJson';
import type { JsonRecord } from '../ipJson';

export const bridgeLinkCommand: BatchCommand = {
  name: 'bridge-link',
  requires: [],
  script: [
    'if command -v bridge >/dev/null 2>&1; then bridge -json -details link',
    'elif command -v brctl >/dev/null 2>&1; then nl_part text; brctl show',
    "else echo 'bridge: not found on the host (command -v bridge, brctl)' >&2; exit 127; fi",
  ].join('\n'),
};

export function parseBridgeLinkJson(records: readonly JsonRecord[], what = 'bridge -json -details link'): BridgePort[] {
  return records.map((r) => {
    const hairpin = r.hairpin;
    if (hairpin !== undefined && typeof hairpin !== 'boolean') throw parseError(what, 'field "hairpin" is not a boolean', JSON.stringify(r));
    return {
      ifname: str(r, 'ifname', what),
      ifindex: num(r, 'ifindex', what),
      master: str(r, 'master', what),
      state: optStr(r, 'state', what) ?? 'unknown',
      hairpin: typeof hairpin === 'boolean' ? hairpin : null,
    };
  });
}

export function parseBridgeLinkOutput(stdout: string): BridgePort[] {
  const [records] = jsonArrays(stdout, 1, 'bridge -json -details link');
  return parseBridgeLinkJson(records ?? []);
}
