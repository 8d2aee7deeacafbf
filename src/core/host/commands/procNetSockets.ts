/**
 * Who listens in a network namespace, read from the kernel's socket tables /proc/PID/net/{tcp,
 * tcp6,udp,udp6}: a TCP socket in state 0A (LISTEN) or an unconnected UDP socket (state 07, what
 * `ss -lu` calls UNCONN) takes packets from anyone. Read without entering the namespace (the file
 * of any process in it shows that namespace), so it costs one `grep` per namespace in the batch.
 *
 * Addresses are the kernel's in-memory words printed as hex: an IPv4 address is one 32-bit word in
 * host byte order (little-endian here: 0100007F is 127.0.0.1), an IPv6 address four such words.
 * Ports are printed big-endian. Several files may come concatenated (the batch's one grep): each
 * file's header line says which table the lines after it belong to.
 */
import ipaddr from 'ipaddr.js';
import type { BatchCommand } from '../batch';
import type { Listener } from '../types';
import { parseError } from '../ipJson';

export type SocketTable = 'tcp' | 'tcp6' | 'udp' | 'udp6';

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

/**
 * Header lines and the states worth sending over the wire (the batch filters with this, so a host
 * with thousands of connections does not ship them all). The parser checks every line it gets.
 */
export const SOCKET_LINE_FILTER = String.raw`^ *sl +local_address| (0A|07) [0-9A-Fa-f]{8}:[0-9A-Fa-f]{8} `;

/** The grep command (files to follow): -h for one namespace, -H to prefix each line with its file. */
export function socketTablesGrep(nameFlag: '-h' | '-H'): string {
  return `grep ${nameFlag} -E '${SOCKET_LINE_FILTER}'`;
}

/** `grep` of the four tables under DIR (a shell word such as "/proc/self/net"); a missing table (IPv6 off) is skipped. */
export function socketTablesScript(dir: string): string {
  const files = (['tcp', 'tcp6', 'udp', 'udp6'] as const).map((f) => `"${dir}/${f}"`).join(' ');
  return `${socketTablesGrep('-h')} ${files} 2>/dev/null`;
}

/** Splits `grep -H` output over many /proc/PID/net tables into each PID's text. */
export function socketTextByPid(text: string): Map<number, string> {
  const out = new Map<number, string[]>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^\/proc\/(\d+)\/net\/(?:tcp|tcp6|udp|udp6):(.*)$/.exec(line);
    if (!m) throw parseError('grep -H /proc/PID/net/{tcp,tcp6,udp,udp6}', 'line without its /proc/PID/net file', line);
    const pid = Number(m[1]);
    out.set(pid, [...(out.get(pid) ?? []), m[2] ?? '']);
  }
  return new Map([...out].map(([pid, lines]) => [pid, lines.join('\n')]));
}

/** The host's own: /proc/self/net is the namespace of the shell that runs the batch, like every other host fact. */
export const hostListenersCommand: BatchCommand = {
  name: 'listeners',
  requires: ['grep'],
  script: `${socketTablesScript('/proc/self/net')}\n# a missing tcp6/udp6 (IPv6 off) makes grep exit 2; the parser checks which tables came\ntrue`,
};

function tableOfHeader(line: string): SocketTable | null {
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'sl' || f[1] !== 'local_address') return null;
  const v6 = f[2] === 'remote_address' ? true : f[2] === 'rem_address' ? false : null;
  const last = f[f.length - 1];
  const proto = last === 'drops' ? 'udp' : last === 'inode' ? 'tcp' : null;
  if (v6 === null || proto === null) return null;
  return v6 ? `${proto}6` : proto;
}

function ipv4FromWord(hex: string): string {
  // one little-endian 32-bit word: the last byte printed is the first octet
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

function ipv6FromWords(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 32; w += 8) for (const i of [6, 4, 2, 0]) bytes.push(parseInt(hex.slice(w + i, w + i + 2), 16));
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

const LINE =
  /^\s*\d+: ([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4}) ([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4}) ([0-9A-Fa-f]{2}) [0-9A-Fa-f]{8}:[0-9A-Fa-f]{8} [0-9A-Fa-f]{2}:[0-9A-Fa-f]{8} [0-9A-Fa-f]{8}\s+\d+\s+\d+\s+(\d+)(\s|$)/;

export interface SocketTables {
  /** which tables the text held (a kernel without IPv6 has no tcp6/udp6) */
  readonly tables: readonly SocketTable[];
  readonly listeners: readonly Listener[];
}

/** Every listening TCP and bound unconnected UDP socket in one or several concatenated tables. */
export function parseProcNetSockets(text: string, what = '/proc/net/{tcp,tcp6,udp,udp6}'): SocketTables {
  const tables: SocketTable[] = [];
  const seen = new Set<string>();
  const out: Listener[] = [];
  let table: SocketTable | null = null;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (/^\s*sl\s/.test(line)) {
      table = tableOfHeader(line);
      if (!table) throw parseError(what, 'unrecognised socket table header', line);
      if (!tables.includes(table)) tables.push(table);
      continue;
    }
    if (!table) throw parseError(what, 'socket line before any table header', line);
    const m = LINE.exec(line);
    if (!m) throw parseError(what, `unrecognised ${table} line`, line);
    const [, local, portHex, , , state, inode] = m as unknown as [string, string, string, string, string, string, string];
    const v6 = table.endsWith('6');
    if ((local.length === 32) !== v6) throw parseError(what, `address width does not fit /proc/net/${table}`, line);
    const protocol = table.startsWith('tcp') ? 'tcp' : 'udp';
    if (state.toUpperCase() !== (protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const address = v6 ? ipv6FromWords(local) : ipv4FromWord(local);
    const port = parseInt(portHex, 16);
    const key = `${protocol} ${address} ${port}`;
    // SO_REUSEPORT groups (one socket per worker) are one listener to a packet
    if (seen.has(key)) continue;
    seen.add(key);
    const ino = Number(inode);
    out.push({ protocol, family: v6 ? 'inet6' : 'inet', address, port, ...(ino > 0 ? { inode: ino } : {}) });
  }
  out.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.family.localeCompare(b.family) || a.address.localeCompare(b.address));
  return { tables, listeners: out };
}

/**
 * The listeners of one namespace from the batch's grep. Without the IPv4 tcp and udp tables the
 * read failed (no such PID any more, no permission): that is an error, never "nobody listens".
 */
export function listenersFromTables(text: string, what: string): Listener[] {
  const parsed = parseProcNetSockets(text, what);
  const missing = (['tcp', 'udp'] as const).filter((t) => !parsed.tables.includes(t));
  if (missing.length > 0) {
    throw parseError(what, `the ${missing.map((t) => `/proc/net/${t}`).join(' and ')} table could not be read`, text.trim().split('\n')[0] || '(no output)');
  }
  return [...parsed.listeners];
}
