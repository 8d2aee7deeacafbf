/**
 * `netlens trace`: one fresh snapshot, then the trace engine walks it; the listeners of a container
 * the packet reaches are read then (one more round trip) rather than every container's up front.
 * The verdict is data, not an error: exit code 0 whatever it is.
 */
import type { Session } from '../core/session';
import { NetlensError } from '../core/errors';
import { formatTrace, traceReadingListeners } from '../core/trace';
import type { TraceRequest } from '../core/trace/types';

export interface TraceArgs {
  readonly from?: string;
  readonly to?: string;
  readonly proto?: string;
  readonly port?: string;
  /** `ipv4` / `ipv6` (also `4` / `6`); an address in --from or --to decides by itself */
  readonly family?: string;
  readonly json?: boolean;
  /** ask the kernel (read-only) whether it routes as the trace says */
  readonly verify?: boolean;
  /** send one real packet along the trace and watch the rule counters (the flag is the consent) */
  readonly probe?: boolean;
}

export async function runTrace(session: Session, args: TraceArgs): Promise<string> {
  if (!args.from || !args.to) throw new NetlensError('BAD_INPUT', 'trace needs --from and --to');
  let proto = (args.proto ?? 'tcp').toLowerCase();
  let family: 'ipv4' | 'ipv6' | undefined;
  if (args.family !== undefined) {
    const f = args.family.toLowerCase();
    family = f === 'ipv4' || f === '4' ? 'ipv4' : f === 'ipv6' || f === '6' ? 'ipv6' : undefined;
    if (!family) throw new NetlensError('BAD_INPUT', `--family must be ipv4 or ipv6, got "${args.family}"`);
  }
  // `icmpv6` is icmp of an IPv6 trace
  if (proto === 'icmpv6' || proto === 'icmp6' || proto === 'ipv6-icmp') {
    if (family === 'ipv4') throw new NetlensError('BAD_INPUT', `--proto ${args.proto} is ICMPv6, but --family ipv4 was asked`);
    proto = 'icmp';
    family = 'ipv6';
  }
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw new NetlensError('BAD_INPUT', `--proto must be tcp, udp, icmp or icmpv6, got "${args.proto}"`);
  let port: number | undefined;
  if (args.port !== undefined) {
    port = Number(args.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NetlensError('BAD_INPUT', `--port must be 1-65535, got "${args.port}"`);
  }
  const topology = await session.snapshot(undefined, { containerListeners: false });
  const request: TraceRequest = { from: args.from, to: args.to, proto, port, ...(family ? { family } : {}) };
  const { result, topology: withListeners } = await traceReadingListeners(topology, request, (t, asked) => session.readListeners(t, asked), (t, ids) => session.readContainerNat(t, ids));
  const out = {
    ...result,
    ...(args.verify ? { kernel: await session.verifyTrace(withListeners, result) } : {}),
    ...(args.probe ? { probe: await session.probeTrace(withListeners, result) } : {}),
  };
  return args.json ? JSON.stringify(out, null, 2) : formatTrace(out);
}
