/**
 * What the trace command takes for a drawn item: a container's name, an interface's or netns's
 * first IPv4 address. The item's subject (src/protocol/topologyIds.ts `subjectOfItem`) says what it is.
 */
import type { Topology } from '../../core/model/types';
import { subjectOfItem } from '../../protocol/topologyIds';

export function traceEndpointOf(topology: Topology | undefined, itemId: string): string {
  const s = subjectOfItem(itemId);
  switch (s?.kind) {
    case 'container':
      return topology?.containers.find((c) => c.id === s.id)?.name ?? s.id;
    case 'endpoint':
    case 'publish':
      return topology?.containers.find((c) => c.id === s.containerId)?.name ?? s.containerId;
    case 'hostInterface': {
      const i = topology?.host?.interfaces.find((x) => x.name === s.name);
      return i?.addressDetails.find((a) => a.family === 'inet')?.address ?? s.name;
    }
    case 'netns': {
      const ns = topology?.host?.namedNetns.find((x) => x.name === s.name);
      const inet = ns && ns.interfaces.known ? ns.interfaces.value.flatMap((i) => i.addresses).find((a) => a.family === 'inet' && !a.address.startsWith('127.')) : undefined;
      return inet?.address ?? s.name;
    }
    case 'network':
      return s.id;
    case 'host':
      return 'host';
    default:
      return itemId;
  }
}
