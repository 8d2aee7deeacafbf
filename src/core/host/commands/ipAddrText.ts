/**
 * `ip addr` in text, for hosts whose `ip` cannot print JSON (iproute2 before 4.13, busybox). The
 * text has no link kind, so kind stays `other` unless the link type says loopback; a `name@ifN`
 * suffix is the kernel's iflink and becomes linkIndex.
 */
import type { InterfaceAddress, NetInterface } from '../types';
import { parseError } from '../ipJson';

const WHAT = 'ip addr (text)';
const HEADER = /^(\d+): ([^:@\s]+)(?:@([^:\s]+))?: <([^>]*)>(.*)$/;
const ADDRESS = /^(inet6?) ([0-9a-fA-F.:]+)\/(\d+)(.*)$/;

interface Building {
  name: string;
  index: number;
  linkIndex: number | null;
  parentName: string | null;
  flags: string[];
  mtu: number;
  master: string | null;
  state: string;
  mac: string | null;
  loopback: boolean;
  linkNetnsId: number | null;
  /** `link-netns NAME`: iproute2 names the peer's netns instead of giving its id when it can */
  linkNetns: string | null;
  addresses: InterfaceAddress[];
}

function word(rest: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key} (\\S+)`).exec(rest);
  return m ? (m[1] ?? null) : null;
}

export function parseIpAddrText(text: string): NetInterface[] {
  const out: Building[] = [];
  let current: Building | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const header = HEADER.exec(line);
    if (header) {
      const [, index, name, peer, flags, rest] = header as unknown as [string, string, string, string | undefined, string, string];
      const mtu = word(rest, 'mtu');
      if (!mtu || !/^\d+$/.test(mtu)) throw parseError(WHAT, 'interface line without mtu', raw);
      const peerIndex = peer && /^if\d+$/.test(peer) ? Number(peer.slice(2)) : null;
      current = {
        name,
        index: Number(index),
        linkIndex: peerIndex,
        parentName: peer && peerIndex === null ? peer : null,
        flags: flags ? flags.split(',') : [],
        mtu: Number(mtu),
        master: word(rest, 'master'),
        state: word(rest, 'state') ?? 'UNKNOWN',
        mac: null,
        loopback: false,
        linkNetnsId: null,
        linkNetns: null,
        addresses: [],
      };
      out.push(current);
      continue;
    }
    if (!current) throw parseError(WHAT, 'line before the first interface', raw);
    if (line.startsWith('link/')) {
      const [type, mac] = line.split(/\s+/);
      current.loopback = type === 'link/loopback';
      current.mac = mac && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(mac) ? mac : null;
      const netnsid = word(line, 'link-netnsid');
      current.linkNetnsId = netnsid && /^\d+$/.test(netnsid) ? Number(netnsid) : null;
      current.linkNetns = word(line, 'link-netns');
      continue;
    }
    const addr = ADDRESS.exec(line);
    if (addr) {
      const [, family, address, prefix, rest] = addr as unknown as [string, 'inet' | 'inet6', string, string, string];
      current.addresses.push({ family, address, prefixLen: Number(prefix), scope: word(rest, 'scope') ?? 'global', broadcast: word(rest, 'brd') });
      continue;
    }
    if (line.startsWith('valid_lft') || line.startsWith('altname ') || line.startsWith('prop ')) continue;
    throw parseError(WHAT, 'unrecognised line', raw);
  }
  return out.map((b): NetInterface => ({
    name: b.name,
    index: b.index,
    kind: b.loopback ? 'loopback' : 'other',
    rawKind: null,
    master: b.master,
    mac: b.mac,
    mtu: b.mtu,
    state: b.state,
    flags: b.flags,
    addresses: b.addresses,
    linkIndex: b.linkIndex,
    linkNetnsId: b.linkNetnsId,
    details: {
      source: 'ip addr text',
      ...(b.parentName ? { parent: b.parentName } : {}),
      ...(b.linkNetns ? { linkNetns: b.linkNetns } : {}),
    },
  }));
}
