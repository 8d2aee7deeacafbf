/**
 * A topology with container listeners read later (collectContainerListeners) put in: each
 * container asked for, and the containers sharing its namespace (`container:<id>`), which listen
 * on the same sockets. Everything else is the same object.
 */
import type { Known } from '../known';
import type { Listener } from '../host/types';
import type { Topology } from './types';

export function withContainerListeners(topology: Topology, byId: Readonly<Record<string, Known<readonly Listener[]>>>): Topology {
  const of = (id: string | null) => (id !== null && Object.prototype.hasOwnProperty.call(byId, id) ? byId[id] : undefined);
  return {
    ...topology,
    containers: topology.containers.map((c) => {
      if (c.networkMode === 'host') return c;
      const l = of(c.id) ?? of(c.sharesNetnsWith) ?? topology.containers.filter((o) => o.sharesNetnsWith === c.id).map((o) => of(o.id)).find((x) => x !== undefined);
      return l ? { ...c, listeners: l } : c;
    }),
  };
}

/**
 * A topology with the host's listeners read later (collectHostListeners) put in: the host's, and
 * those of every container in the host's namespace (`--network host`), which are the same sockets.
 */
export function withHostListeners(topology: Topology, listeners: Known<readonly Listener[]>): Topology {
  const host = topology.host;
  if (!host) return topology;
  const before = host.listeners;
  return {
    ...topology,
    host: { ...host, listeners },
    containers: topology.containers.map((c) => (c.networkMode === 'host' || (before !== undefined && c.listeners === before) ? { ...c, listeners } : c)),
  };
}

/** A topology with containers' own nat tables (Session.readContainerNat) put in, sharers too. */
export function withContainerNat(topology: Topology, byId: Readonly<Record<string, Known<string>>>): Topology {
  const of = (id: string | null) => (id !== null && Object.prototype.hasOwnProperty.call(byId, id) ? byId[id] : undefined);
  return {
    ...topology,
    containers: topology.containers.map((c) => {
      const n = of(c.id) ?? of(c.sharesNetnsWith);
      return n ? { ...c, natRules: n } : c;
    }),
  };
}
