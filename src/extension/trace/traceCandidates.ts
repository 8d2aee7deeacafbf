/**
 * What the trace quick picks offer, taken from the model: containers, the host, named netns and
 * published ports, written the way the trace engine reads them (`container`, `host`,
 * `netns:<name>`, `host:<port>`, an IP).
 */
import type { Topology } from '../../core/model/types';

export interface TraceCandidate {
  readonly value: string;
  readonly label: string;
  readonly description: string;
  /** a port the destination is likely reached on */
  readonly port?: number;
}

export function traceSources(t: Topology): TraceCandidate[] {
  return [
    ...t.containers
      .filter((c) => c.state === 'running')
      .map((c) => ({ value: c.name, label: c.name, description: `container · ${c.networks.join(', ') || c.networkMode}` })),
    { value: 'host', label: 'host', description: 'the Docker host itself' },
    ...(t.host?.namedNetns ?? []).map((ns) => ({ value: `netns:${ns.name}`, label: `netns:${ns.name}`, description: 'named network namespace' })),
  ];
}

export function traceDestinations(t: Topology): TraceCandidate[] {
  const out: TraceCandidate[] = [];
  for (const c of t.containers.filter((x) => x.state === 'running')) {
    const exposed = c.ports[0]?.containerPort;
    out.push({ value: c.name, label: c.name, description: `container${exposed ? ` · port ${exposed}` : ''}`, ...(exposed ? { port: exposed } : {}) });
  }
  out.push({ value: 'host', label: 'host', description: 'the Docker host itself' });
  const seen = new Set<string>();
  for (const p of t.publishes) {
    const wildcard = p.hostIp === '0.0.0.0' || p.hostIp === '::';
    const value = wildcard ? `host:${p.hostPort}` : `${p.hostIp}:${p.hostPort}`;
    if (p.hostIp === '::' || seen.has(value)) continue;
    seen.add(value);
    out.push({ value, label: value, description: `published → ${p.containerName}:${p.containerPort}/${p.protocol}` });
  }
  return out;
}

/** Whether a destination already names its port (`web:80`, `host:8080`, `10.0.0.2:53`). */
export function destinationHasPort(to: string): boolean {
  // an IPv6 address carries a port only in brackets: `[fd00::2]:80`; a bare `fd00::80` is all address
  if (to.startsWith('[')) return /^\[[^\]]+\]:\d{1,5}$/.test(to);
  if ((to.match(/:/g) ?? []).length > 1) return false;
  return /:\d{1,5}$/.test(to) && !/^netns:/.test(to);
}
