/**
 * The shown trace's path (a `tracePath` notification: each hop's subject keys, the deciding hop) →
 * the drawn items to light. The host has already said where every hop happened, as the subjects the
 * graph draws its items under; here a key only meets what was drawn for it: a host interface may be
 * a NIC, a foreign bridge or a bridge port, an endpoint comes with the veth or macvlan edge into its
 * container, the host's own steps are the host column. Pure.
 */
import { topologyIds } from '../src/protocol/topologyIds';
import { parseSubjectKey } from '../src/protocol/subject';
import type { TracePathNotification } from '../src/protocol/topologyProtocol';
import type { TopologyLayout } from './layout';

export interface TracePathItems {
  /** the drawn items (node and edge ids) the trace passes, in hop order, each once */
  readonly items: readonly string[];
  /** the drawn items of the hop that decided */
  readonly decider: readonly string[];
  /** each hop's drawn items, by step */
  readonly byStep: ReadonlyMap<number, readonly string[]>;
  /**
   * Publish edges the trace took (their DNAT rule) on the way to a container it never reached (a drop
   * further on): drawn as taken but not arrived, never as if the packet had got there.
   */
  readonly partial: readonly string[];
}

export const noTracePath: TracePathItems = { items: [], decider: [], byStep: new Map(), partial: [] };

/** What the drawing has for one subject key (nothing when it drew nothing for it). */
export function drawnForKey(drawn: ReadonlySet<string>, key: string): string[] {
  const subject = parseSubjectKey(key);
  if (!subject) return [];
  const candidates: string[] = [key];
  switch (subject.kind) {
    case 'hostInterface':
      candidates.push(topologyIds.foreignBridge(subject.name), topologyIds.bridgePort(subject.name), topologyIds.edge('veth', topologyIds.bridgePort(subject.name)));
      break;
    case 'endpoint':
      // the packet crosses the whole veth pair (or the macvlan link) into the container
      candidates.push(topologyIds.edge('veth', key), topologyIds.edge('macvlan', key));
      break;
    case 'host':
      candidates.push(topologyIds.group('host'));
      break;
    default:
      break;
  }
  return candidates.filter((id) => drawn.has(id));
}

export function tracePathItems(layout: TopologyLayout, path: TracePathNotification | null): TracePathItems {
  if (!path || path.hops.length === 0) return noTracePath;
  const drawn = new Set<string>(layout.nodes.map((n) => n.id));
  for (const e of layout.edges) drawn.add(e.id);
  const resolve = (keys: readonly string[]): string[] => [...new Set(keys.flatMap((k) => drawnForKey(drawn, k)))];
  const items: string[] = [];
  const seen = new Set<string>();
  const byStep = new Map<number, readonly string[]>();
  for (const hop of path.hops) {
    const lit = resolve(hop.keys);
    byStep.set(hop.step, lit);
    for (const id of lit) {
      if (seen.has(id)) continue;
      seen.add(id);
      items.push(id);
    }
  }
  const partial = layout.edges.filter((e) => e.role === 'publish' && seen.has(e.id) && !seen.has(e.target)).map((e) => e.id);
  return { items, decider: path.decider ? resolve(path.decider.keys) : [], byStep, partial };
}

/**
 * The hop a click on a drawn item stands for: the deciding hop when the item is where it decided,
 * else the first hop that passes the item; null off the path.
 */
export function hopOfItem(path: TracePathNotification, lit: TracePathItems, itemId: string): number | null {
  if (path.decider && lit.decider.includes(itemId)) return path.decider.step;
  for (const hop of path.hops) if (lit.byStep.get(hop.step)?.includes(itemId)) return hop.step;
  return null;
}
