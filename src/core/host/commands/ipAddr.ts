/**
 * Links and their addresses: `ip -json -details addr`, which carries everything `ip link` does plus
 * addr_info. Hosts whose `ip` has no JSON (old iproute2, busybox) get the text form, parsed by
 * ipAddrText.ts.
 */
import type { BatchCommand } from '../batch';
import type { InterfaceAddress, InterfaceKind, NetInterface } from '../types';
import { jsonArrays, num, optNum, optRecord, optStr, parseError, str, strList } from '../ipJson';
import type { JsonRecord } from '../ipJson';

export const ipAddrCommand: BatchCommand = {
  name: 'ip-addr',
  requires: ['ip'],
  // The text form is a fallback part, so the parser knows which shape it got.
  // without JSON (busybox, an old iproute2) the text, and brctl's list of bridge ports, which the
  // JSON's bridge-slave data gives otherwise (bridgeLink.ts)
  // (a brctl that cannot show, busybox's often, says so in its part: its ports are then unknown)
  script: 'ip -json -details addr 2>/dev/null || { nl_part text; ip addr; nl_r=$?; if command -v brctl >/dev/null 2>&1; then nl_part brctl; brctl show 2>&1 || nl_part brctl-failed; fi; exit $nl_r; }',
};

const KIND_OF_INFO_KIND: Readonly<Record<string, InterfaceKind>> = {
  veth: 'veth',
  bridge: 'bridge',
  macvlan: 'macvlan',
  macvtap: 'macvlan',
  ipvlan: 'ipvlan',
  ipvtap: 'ipvlan',
  vxlan: 'vxlan',
  tun: 'tun',
  dummy: 'dummy',
  bond: 'bond',
  vlan: 'vlan',
  ifb: 'ifb',
  wireguard: 'wireguard',
};

export function interfaceKind(infoKind: string | null, linkType: string | null): InterfaceKind {
  if (linkType === 'loopback') return 'loopback';
  if (infoKind) return KIND_OF_INFO_KIND[infoKind] ?? 'other';
  // A plain ethernet device with no rtnl link kind is a NIC driver's own device.
  if (linkType === 'ether') return 'physical';
  return 'other';
}

/** Which info_data fields matter per link kind (the bridge alone reports ~50). */
const DETAIL_FIELDS: Readonly<Record<string, readonly [string, string][]>> = {
  macvlan: [['mode', 'mode']],
  macvtap: [['mode', 'mode']],
  ipvlan: [['mode', 'mode']],
  vxlan: [['id', 'vxlanId'], ['local', 'local'], ['remote', 'remote'], ['group', 'group'], ['port', 'port'], ['link', 'dev']],
  vlan: [['protocol', 'protocol'], ['id', 'vlanId']],
  bond: [['mode', 'mode']],
  bridge: [['vlan_filtering', 'vlanFiltering'], ['nf_call_iptables', 'nfCallIptables']],
};

function details(linkinfo: JsonRecord | null, what: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!linkinfo) return out;
  const kind = optStr(linkinfo, 'info_kind', what);
  const data = optRecord(linkinfo, 'info_data', what);
  if (kind && data) {
    for (const [from, to] of DETAIL_FIELDS[kind] ?? []) {
      const v = data[from];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[to] = v;
    }
    if (kind === 'bridge' && typeof data.stp_state === 'number') out.stp = data.stp_state !== 0;
  }
  const slaveKind = optStr(linkinfo, 'info_slave_kind', what);
  const slave = optRecord(linkinfo, 'info_slave_data', what);
  if (slaveKind) out.slaveKind = slaveKind;
  if (slaveKind === 'bridge' && slave) {
    if (typeof slave.state === 'string') out.portState = slave.state;
    if (typeof slave.hairpin === 'boolean') out.hairpin = slave.hairpin;
  }
  return out;
}

function addresses(r: JsonRecord, what: string): InterfaceAddress[] {
  const list = r.addr_info;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw parseError(what, 'field "addr_info" is not a list', JSON.stringify(r).slice(0, 300));
  const out: InterfaceAddress[] = [];
  for (const a of list as JsonRecord[]) {
    // ip prints an empty object for an address it could not decode: skip, there is nothing to show
    if (Object.keys(a).length === 0) continue;
    const family = str(a, 'family', what);
    if (family !== 'inet' && family !== 'inet6') continue; // e.g. AF_PACKET-only records
    out.push({
      family,
      address: str(a, 'local', what),
      prefixLen: num(a, 'prefixlen', what),
      scope: optStr(a, 'scope', what) ?? 'global',
      broadcast: optStr(a, 'broadcast', what),
    });
  }
  return out;
}

export function parseIpAddrJson(records: readonly JsonRecord[], what = 'ip -json -details addr'): NetInterface[] {
  // iproute2 names the peer (`"link": "vethB"`) instead of giving `link_index` when a veth's other
  // end, or a macvlan's parent, lives in the same namespace: resolve that name to its ifindex.
  const indexByName = new Map(records.map((r) => [optStr(r, 'ifname', what), optNum(r, 'ifindex', what)]));
  const sameNsLink = (r: JsonRecord): number | null => {
    const name = optStr(r, 'link', what);
    return name === null ? null : indexByName.get(name) ?? null;
  };
  return records.map((r) => {
    const linkinfo = optRecord(r, 'linkinfo', what);
    const rawKind = linkinfo ? optStr(linkinfo, 'info_kind', what) : null;
    const linkType = optStr(r, 'link_type', what);
    return {
      name: str(r, 'ifname', what),
      index: num(r, 'ifindex', what),
      kind: interfaceKind(rawKind, linkType),
      rawKind,
      master: optStr(r, 'master', what),
      mac: optStr(r, 'address', what),
      mtu: num(r, 'mtu', what),
      state: optStr(r, 'operstate', what) ?? 'UNKNOWN',
      flags: strList(r, 'flags', what),
      addresses: addresses(r, what),
      linkIndex: optNum(r, 'link_index', what) ?? sameNsLink(r),
      linkNetnsId: optNum(r, 'link_netnsid', what),
      details: details(linkinfo, what),
    };
  });
}

/** The section's stdout: one JSON array. */
export function parseIpAddrOutput(stdout: string): NetInterface[] {
  const [records] = jsonArrays(stdout, 1, 'ip -json -details addr');
  return parseIpAddrJson(records ?? []);
}
