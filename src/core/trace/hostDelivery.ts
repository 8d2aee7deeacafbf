/**
 * A packet delivered to the host's own stack. For a published port that Docker serves with the
 * userland docker-proxy, the proxy accepts it and opens a second connection to the container —
 * traced as host-originated traffic. Otherwise netlens says what it cannot see (listening sockets).
 */
import type { Packet } from '../netfilter/packet';
import type { Publish } from '../model/types';
import { hostOutput } from './pathWalk';
import { simpleHop, type Ending, type Walk } from './walkContext';
import { lookupRoute, sourceAddress } from './routeLookup';

function bindsAddress(p: Publish, ip: string): boolean {
  // '::' publishes are IPv6 sockets; IPv4 traffic is served by the 0.0.0.0 one
  return p.hostIp === '0.0.0.0' || p.hostIp === '' || p.hostIp === ip;
}

export function deliverToHost(walk: Walk, packet: Packet): Ending {
  if (packet.proto === 'icmp') {
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `delivered to the host at ${packet.dst} (the kernel answers echo requests itself)`, packet));
    return { verdict: 'delivered', decidedBy: `arrived at the host's ${packet.dst}`, arrivedIn: walk.host!, packet };
  }
  if (walk.reverseOf) {
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `reply delivered to the host at ${packet.dst}`, packet));
    return { verdict: 'delivered', decidedBy: `reply arrived at the host's ${packet.dst}`, arrivedIn: walk.host!, packet };
  }
  const samePort = walk.topo.publishes.filter((p) => p.hostPort === packet.dport && p.protocol === packet.proto);
  const proxied = samePort.find((p) => bindsAddress(p, packet.dst) && p.proxy);
  if (proxied && proxied.containerIp) {
    walk.hop(
      simpleHop('host', packet.inInterface || 'lo', 'proxy', `delivered to the host at ${packet.dst}:${packet.dport}, where docker-proxy (pid ${proxied.proxy!.pid}) listens for ${proxied.containerName}'s publish ${proxied.hostIp}:${proxied.hostPort}; it opens its own connection to ${proxied.containerIp}:${proxied.containerPort}`, packet),
    );
    const leg = legFromHost(walk, packet, proxied.containerIp, proxied.containerPort);
    if (!leg) return { verdict: 'uncertain', decidedBy: `docker-proxy's connection to ${proxied.containerIp}: the host has no route to it in the model` };
    const ending = hostOutput(walk, leg);
    return { ...ending, decidedBy: `docker-proxy (userland) relayed the publish; its connection: ${ending.decidedBy}`, proxied: { client: packet, clientNs: walk.host! } };
  }
  const elsewhere = samePort.filter((p) => !bindsAddress(p, packet.dst));
  if (samePort.length > 0 && elsewhere.length === samePort.length) {
    const binds = elsewhere.map((p) => `${p.hostIp}:${p.hostPort} (${p.containerName})`).join(', ');
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `delivered to the host at ${packet.dst}:${packet.dport}, but Docker publishes this port only on ${binds}; no DNAT rule matched this address`, packet));
    walk.assume(`no other host process listens on ${packet.proto}/${packet.dport} (netlens does not read the host's sockets)`);
    return { verdict: 'dropped', decidedBy: `publish ${binds} is bound to another address: nothing Docker runs answers ${packet.dst}:${packet.dport} (connection refused)` };
  }
  const unproxied = samePort.find((p) => bindsAddress(p, packet.dst));
  const note = unproxied ? ` (publish of ${unproxied.containerName}, no docker-proxy process in the model)` : '';
  walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `delivered to the host at ${packet.dst}:${packet.dport}${note}; whether a process listens there is not checked`, packet));
  walk.assume(`a host process listens on ${packet.proto}/${packet.dport} (not checked)`);
  return { verdict: 'delivered', decidedBy: `arrived at the host's ${packet.dst}:${packet.dport}`, arrivedIn: walk.host!, packet };
}

function legFromHost(walk: Walk, client: Packet, ip: string, port: number): Packet | null {
  const host = walk.host!;
  const choice = lookupRoute(host, ip);
  if (choice.kind !== 'route') return null;
  const src = sourceAddress(host, choice, ip);
  if (!src) return null;
  return { ...client, src, origSrc: src, sport: null, dst: ip, origDst: ip, dport: port, origDport: port, inInterface: '', outInterface: choice.dev, ctState: 'NEW', physIn: null, physOut: null, srcMac: null };
}
