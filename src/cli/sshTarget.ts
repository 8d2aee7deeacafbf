import type { SshTarget } from '../core/session';
import { NetlensError } from '../core/errors';

/** `user@host:port` → SshTarget; the host part may be a bracketed IPv6 address. */
export function parseSshTarget(spec: string): SshTarget {
  const m = /^(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(spec);
  if (!m) throw new NetlensError('BAD_INPUT', `--ssh expects user@host[:port], got "${spec}"`);
  return { username: m[1], host: m[2].replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined };
}
