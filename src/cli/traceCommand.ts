/**
 * `netlens trace`: one fresh snapshot, then the trace engine walks it; the listeners of a container
 * the packet reaches are read then (one more round trip) rather than every container's up front.
 * The verdict is data, not an error: exit code 0 whatever it is.
 */
import type { Session } from '../core/session';
import { NetlensError } from '../core/errors';
import { formatTrace, traceReadingListeners } from '../core/trace';

export interface TraceArgs {
  readonly from?: string;
  readonly to?: string;
  readonly proto?: string;
  readonly port?: string;
  readonly json?: boolean;
}

export async function runTrace(session: Session, args: TraceArgs): Promise<string> {
  if (!args.from || !args.to) throw new NetlensError('BAD_INPUT', 'trace needs --from and --to');
  const proto = (args.proto ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw new NetlensError('BAD_INPUT', `--proto must be tcp, udp or icmp, got "${args.proto}"`);
  let port: number | undefined;
  if (args.port !== undefined) {
    port = Number(args.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NetlensError('BAD_INPUT', `--port must be 1-65535, got "${args.port}"`);
  }
  const topology = await session.snapshot(undefined, { containerListeners: false });
  const { result } = await traceReadingListeners(topology, { from: args.from, to: args.to, proto, port }, (t, ids) => session.readListeners(t, ids));
  return args.json ? JSON.stringify(result, null, 2) : formatTrace(result);
}
