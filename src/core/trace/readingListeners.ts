/**
 * A trace over a refresh that left listeners unread (see host/commands/containerListeners.ts):
 * trace, and where the walk reached a container or the host whose listeners it needed and the
 * snapshot did not read, have those read (one round trip) and trace again — the path does not
 * depend on them, only the verdict at its end.
 */
import { listenersNotRead } from '../host/commands/containerListeners';
import type { ListenersAsked } from '../host/commands/containerListeners';
import { listenersFact } from './listenerCheck';
import type { Topology } from '../model/types';
import { containerNamespace } from './namespaces';
import { tracePacket } from './tracePacket';
import type { MissingFact, TraceRequest, TraceResult } from './types';
import { natRulesFact } from './meshStep';

/**
 * The containers of `t` whose own nat table a trace missed (a Swarm task reached through the
 * routing mesh) and that were not read yet; `prefix` is how a walk across hosts names this host
 * in its missing facts (`nlswm1: `).
 */
export function containersMissingNat(t: Topology, missing: readonly MissingFact[], prefix = ''): string[] {
  return t.containers.filter((c) => !c.natRules && missing.some((m) => m.fact === `${prefix}${natRulesFact(containerNamespace(t, c).label)}`)).map((c) => c.id);
}

/** `read` returns the topology with the listeners asked for put in (Session.readListeners). */
export async function traceReadingListeners(
  topology: Topology,
  request: TraceRequest,
  read: (topology: Topology, asked: ListenersAsked) => Promise<Topology>,
  /** Session.readContainerNat: a Swarm task reached through the routing mesh needs its own nat table */
  readNat?: (topology: Topology, containerIds: readonly string[]) => Promise<Topology>,
): Promise<{ topology: Topology; result: TraceResult }> {
  let topo = topology;
  let result = tracePacket(topo, request);
  const asked = new Set<string>();
  let askedHost = false;
  const askedNat = new Set<string>();
  // a second round only if the first one's answer led the walk to another such container
  for (let round = 0; round < 3; round++) {
    const needed = topo.containers
      .filter((c) => !asked.has(c.id) && listenersNotRead(c.listeners))
      .filter((c) => result.missing.some((m) => m.fact === listenersFact(containerNamespace(topo, c))))
      .map((c) => c.id);
    const hostNeeded: boolean = !askedHost && listenersNotRead(topo.host?.listeners) && result.missing.some((m) => m.fact === listenersFact({ kind: 'host', label: 'host' }));
    const neededNat = readNat ? containersMissingNat(topo, result.missing).filter((id) => !askedNat.has(id)) : [];
    if (needed.length === 0 && !hostNeeded && neededNat.length === 0) break;
    for (const id of needed) asked.add(id);
    askedHost ||= hostNeeded;
    for (const id of neededNat) askedNat.add(id);
    if (needed.length || hostNeeded) topo = await read(topo, { containers: needed, host: hostNeeded });
    if (neededNat.length && readNat) topo = await readNat(topo, neededNat);
    result = tracePacket(topo, request);
  }
  return { topology: topo, result };
}
