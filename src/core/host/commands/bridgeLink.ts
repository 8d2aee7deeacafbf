/**
 * Bridge ports. `ip -json -details addr` (ipAddr.ts) carries each port's bridge (\`master\`) and, in
 * its bridge-slave data, the port's STP state and hairpin: the same kernel answers as
 * `bridge -json -details link`, which is therefore not run (a process fewer in every host read).
 * Where ip prints no JSON the ip-addr section falls back to `brctl show` (brctlShow.ts). Runs
 * recorded before hold a \`bridge-link\` section of their own, which parseBridgeLinkOutput reads.
 */
import type { BridgePort, NetInterface } from '../types';
import { jsonArrays, num, optStr, parseError, str } from '../ipJson';
import type { JsonRecord } from '../ipJson';

/** The ports of bridges among `ip -json -details addr`'s interfaces; a state or hairpin ip did not give is unknown. */
export function bridgePortsOfInterfaces(interfaces: readonly NetInterface[]): BridgePort[] {
  return interfaces
    .filter((i) => i.details.slaveKind === 'bridge' && i.master !== null)
    .map((i) => ({
      ifname: i.name,
      ifindex: i.index,
      master: i.master!,
      state: typeof i.details.portState === 'string' ? i.details.portState : 'unknown',
      hairpin: typeof i.details.hairpin === 'boolean' ? i.details.hairpin : null,
    }));
}

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
