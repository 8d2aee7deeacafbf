/**
 * One short line of who listens in a namespace, for the CLI tree and the extension's panes:
 * `tcp/80, udp/53` for sockets bound to any address (0.0.0.0 and :: are one entry), the address
 * where a socket is bound to one, and Docker's embedded DNS (127.0.0.11 on user networks, random
 * ports) as one entry.
 */
import type { Known } from '../../core/known';
import type { Listener } from '../../core/host/types';

const DOCKER_DNS = '127.0.0.11';

export function listenerSummary(listeners: Known<readonly Listener[]>): string {
  if (!listeners.known) return `not known (${listeners.reason})`;
  const items: string[] = [];
  const add = (s: string) => items.includes(s) || items.push(s);
  for (const l of listeners.value) {
    if (l.address === DOCKER_DNS) add(`Docker DNS ${DOCKER_DNS}`);
    else if (l.address === '0.0.0.0' || l.address === '::') add(`${l.protocol}/${l.port}`);
    else add(`${l.protocol} ${l.family === 'inet6' ? `[${l.address}]` : l.address}:${l.port}`);
  }
  return items.length ? items.join(', ') : 'nothing';
}
