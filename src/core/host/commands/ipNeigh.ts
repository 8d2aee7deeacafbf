/** The neighbour (ARP / NDP) table: `ip -json neigh`. */
import type { BatchCommand } from '../batch';
import type { Neighbour } from '../types';
import { jsonArrays, optStr, str, strList } from '../ipJson';
import type { JsonRecord } from '../ipJson';

export const ipNeighCommand: BatchCommand = {
  name: 'ip-neigh',
  requires: ['ip'],
  script: 'ip -json neigh',
};

export function parseIpNeighJson(records: readonly JsonRecord[], what = 'ip -json neigh'): Neighbour[] {
  return records.map((r) => ({
    dst: str(r, 'dst', what),
    // proxy entries and some permanent ones carry no dev
    dev: optStr(r, 'dev', what) ?? '',
    lladdr: optStr(r, 'lladdr', what),
    state: strList(r, 'state', what),
  }));
}

export function parseIpNeighOutput(stdout: string): Neighbour[] {
  const [records] = jsonArrays(stdout, 1, 'ip -json neigh');
  return parseIpNeighJson(records ?? []);
}
