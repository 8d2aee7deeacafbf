/**
 * The webview names things by topologyIds; the sidebar and the trace command name them their own
 * way (raw Docker ids, `if:<name>`, `netns:<name>`; container names or IPs for a trace). This is
 * the one place that translates, so neither side has to learn the other's scheme.
 */
import type { Topology } from '../../core/model/types';
import { topologyItemKind } from '../../protocol/topologyIds';

const rest = (id: string): string => id.slice(id.indexOf(':') + 1);

/** The id the sidebar's inspect pane knows an item by (what its trees call `topologyId`). */
export function sidebarIdOf(itemId: string): string {
  const key = rest(itemId);
  switch (topologyItemKind(itemId)) {
    case 'container':
    case 'network':
      return key;
    case 'hostInterface':
    case 'foreignBridge':
    case 'bridgePort':
      return `if:${key}`;
    case 'namedNetns':
      return `netns:${key}`;
    case 'endpoint':
      return key.slice(key.indexOf('/') + 1);
    case 'publish':
      return key.slice(0, key.indexOf('/'));
    case 'mark': {
      const scope = key.slice(key.indexOf(':') + 1);
      return scope === 'host' ? 'host' : scope;
    }
    default:
      return itemId;
  }
}

/** What the trace command takes for an item: a container's name, an interface's or netns's first IPv4. */
export function traceEndpointOf(topology: Topology | undefined, itemId: string): string {
  const key = rest(itemId);
  switch (topologyItemKind(itemId)) {
    case 'container':
      return topology?.containers.find((c) => c.id === key)?.name ?? key;
    case 'endpoint': {
      const containerId = key.slice(key.indexOf('/') + 1);
      return topology?.containers.find((c) => c.id === containerId)?.name ?? containerId;
    }
    case 'hostInterface':
    case 'foreignBridge':
    case 'bridgePort': {
      const i = topology?.host?.interfaces.find((x) => x.name === key);
      return i?.addressDetails.find((a) => a.family === 'inet')?.address ?? key;
    }
    case 'namedNetns': {
      const ns = topology?.host?.namedNetns.find((x) => x.name === key);
      const inet = ns && ns.interfaces.known ? ns.interfaces.value.flatMap((i) => i.addresses).find((a) => a.family === 'inet' && !a.address.startsWith('127.')) : undefined;
      return inet?.address ?? key;
    }
    default:
      return sidebarIdOf(itemId);
  }
}
