/**
 * IPVS, the kernel's layer-4 load balancer, as `/proc/net/ip_vs` shows one network namespace's
 * virtual services. Docker's Swarm routing mesh is built on it: in each node's `ingress_sbox` a
 * mangle rule marks packets to a published port, and one IPVS service per mark (`FWM`) sends them
 * to the service's tasks, NATing (`Masq`) to each task's address on the ingress overlay. The file is
 * the kernel's own text (net/netfilter/ipvs/ip_vs_ctl.c): addresses and ports in hex, a service
 * line followed by its real servers' `->` lines. It exists only where the ip_vs module is loaded;
 * its absence is a fact of its own (the kernel has no IPVS, or nothing loaded it yet).
 */
import { NetlensError } from '../../errors';

export type IpvsForward = 'Masq' | 'Route' | 'Tunnel' | 'Local' | 'Bypass';

export interface IpvsRealServer {
  readonly address: string;
  /** 0: the packet keeps its destination port (the usual for fwmark services) */
  readonly port: number;
  readonly forward: IpvsForward;
  readonly weight: number;
  readonly activeConnections: number;
  readonly inactiveConnections: number;
}

export interface IpvsService {
  /** `fwmark` for a service chosen by firewall mark, else the layer-4 protocol of an address:port service */
  readonly kind: 'fwmark' | 'tcp' | 'udp' | 'sctp';
  /** the mark (FWM services only) */
  readonly fwmark: number | null;
  /** the virtual address and port (address:port services only) */
  readonly address: string | null;
  readonly port: number | null;
  /** rr, wrr, lc, … */
  readonly scheduler: string;
  /** the rest of the service line: `persistent 360 FFFFFFFF`, `ops` */
  readonly flags: string;
  readonly realServers: readonly IpvsRealServer[];
}

const FORWARDS: readonly string[] = ['Masq', 'Route', 'Tunnel', 'Local', 'Bypass'];

function hexIpv4(hex: string, what: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new NetlensError('PARSE', `${what}: not an IPv4 address in hex: ${hex}`);
  const n = Number.parseInt(hex, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `0A000005:0050` or `[fd00::5]:0050` */
function hexEndpoint(text: string, what: string): { address: string; port: number } {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:([0-9A-Fa-f]{4})$/.exec(text);
  if (v6) return { address: v6[1]!, port: Number.parseInt(v6[2]!, 16) };
  const v4 = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!v4) throw new NetlensError('PARSE', `${what}: not an address:port in hex: ${text}`);
  return { address: hexIpv4(v4[1]!, what), port: Number.parseInt(v4[2]!, 16) };
}

/** The virtual services of `/proc/net/ip_vs`. Throws PARSE on a line it has never seen. */
export function parseProcIpVs(text: string, what = '/proc/net/ip_vs'): IpvsService[] {
  const out: { service: Omit<IpvsService, 'realServers'>; realServers: IpvsRealServer[] }[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (line.trim() === '') continue;
    const at = `${what} line ${i + 1}`;
    if (i < 3 && /^(IP Virtual Server version|Prot LocalAddress|\s+-> RemoteAddress)/.test(line)) continue;
    const real = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (real) {
      const current = out.at(-1);
      if (!current) throw new NetlensError('PARSE', `${at}: a real server before any service: ${line.trim()}`);
      if (!FORWARDS.includes(real[2]!)) throw new NetlensError('PARSE', `${at}: unknown forwarding method ${real[2]}`);
      const ep = hexEndpoint(real[1]!, at);
      current.realServers.push({ ...ep, forward: real[2] as IpvsForward, weight: Number(real[3]), activeConnections: Number(real[4]), inactiveConnections: Number(real[5]) });
      continue;
    }
    const fwm = /^FWM\s+([0-9A-Fa-f]{8})\s+(\S+)\s*(.*)$/.exec(line);
    if (fwm) {
      out.push({ service: { kind: 'fwmark', fwmark: Number.parseInt(fwm[1]!, 16), address: null, port: null, scheduler: fwm[2]!, flags: fwm[3]!.trim() }, realServers: [] });
      continue;
    }
    const svc = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (svc) {
      const ep = hexEndpoint(svc[2]!, at);
      out.push({ service: { kind: svc[1]!.toLowerCase() as 'tcp' | 'udp' | 'sctp', fwmark: null, address: ep.address, port: ep.port, scheduler: svc[3]!, flags: svc[4]!.trim() }, realServers: [] });
      continue;
    }
    throw new NetlensError('PARSE', `${at}: a line netlens has not seen in /proc/net/ip_vs: ${line.trim()}`);
  }
  return out.map((s) => ({ ...s.service, realServers: s.realServers }));
}

/** `ip_vs` part text: the file, or the script's marker that the kernel shows no IPVS here. */
export const NO_IPVS_MARKER = 'netlens: no /proc/net/ip_vs';
