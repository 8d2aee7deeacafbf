/**
 * Where a published port is reached from this machine: the engine's own host, not a hard-coded
 * localhost. For a local engine (unix socket) that is the publish's host IP, or loopback for a
 * wildcard bind; for tcp:// and ssh:// engines it is the engine's host — for ssh:// the address
 * ~/.ssh/config gives its alias (HostName), since a browser knows nothing of ssh aliases.
 */
import type { EngineEndpoint } from '../../core/docker/types';
import { NetlensError } from '../../core/errors';
import { resolveSshTarget } from '../../core/ssh/target';

export interface PublishedUrl {
  readonly url: string;
  /** a caveat the user should see, e.g. the port is bound to the remote host's loopback */
  readonly note?: string;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);

export function publishedUrl(
  endpoint: EngineEndpoint,
  p: { hostIp: string; hostPort: number; protocol: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
): PublishedUrl {
  if (p.protocol !== 'tcp') throw new NetlensError('BAD_INPUT', `${p.hostPort}/${p.protocol} is not a TCP port a browser can open`, 'open published port');
  const local = endpoint.kind === 'unix' || endpoint.kind === 'npipe';
  if (local) {
    const host = WILDCARD.has(p.hostIp) ? (p.hostIp === '::' ? '::1' : '127.0.0.1') : p.hostIp;
    return { url: `http://${bracket(host)}:${p.hostPort}/` };
  }
  if (!endpoint.host) throw new NetlensError('ENGINE_CONFIG', `the engine ${endpoint.url} names no host to open the port on`, 'open published port');
  const host = endpoint.kind === 'ssh' ? resolveSshTarget({ host: endpoint.host }, { env }).hostName : endpoint.host;
  const loopbackBound = p.hostIp === '127.0.0.1' || p.hostIp === '::1';
  return {
    url: `http://${bracket(host)}:${p.hostPort}/`,
    ...(loopbackBound ? { note: `the port is bound to ${p.hostIp} on ${host}, so it may only answer there` } : {}),
  };
}
