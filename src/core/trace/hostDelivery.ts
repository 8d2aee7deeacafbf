/**
 * A packet delivered to the host's own stack. For a published port that Docker serves with the
 * userland docker-proxy, the proxy accepts it and opens a second connection to the container —
 * traced as host-originated traffic. Otherwise the host's listening sockets decide, where known.
 */
import type { Packet } from '../netfilter/packet';
import type { Publish } from '../model/types';
import { withPort } from '../model/addresses';
import { hostOutput } from './pathWalk';
import { simpleHop, type Ending, type Walk } from './walkContext';
import { lookupRoute, sourceAddress } from './routeLookup';
import { dualStackAssumption, findListener, listenerText, listenersFact, refusalText } from './listenerCheck';

function bindsAddress(p: Publish, ip: string): boolean {
  // '::' publishes are IPv6 sockets; IPv4 traffic is served by the 0.0.0.0 one, IPv6 by the '::' one
  const any = ip.includes(':') ? '::' : '0.0.0.0';
  return p.hostIp === any || p.hostIp === '' || p.hostIp === ip;
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
      simpleHop('host', packet.inInterface || 'lo', 'proxy', `delivered to the host at ${withPort(packet.dst, packet.dport)}, where docker-proxy (pid ${proxied.proxy!.pid}) listens for ${proxied.containerName}'s publish ${withPort(proxied.hostIp, proxied.hostPort)}; it opens its own connection to ${withPort(proxied.containerIp, proxied.containerPort)}`, packet),
    );
    // an IPv6 publish of a container without IPv6: docker-proxy's own connection is IPv4
    const legWalk = walk.inFamily(proxied.containerIp.includes(':') ? 'ipv6' : 'ipv4');
    if (legWalk !== walk) walk.hop(simpleHop('host', null, 'note', `docker-proxy's connection to ${proxied.containerIp} is ${legWalk.family === 'ipv6' ? 'IPv6' : 'IPv4'}: it passes the ${legWalk.family === 'ipv6' ? 'ip6tables' : 'iptables'} rules and the host's ${legWalk.family === 'ipv6' ? 'IPv6' : 'IPv4'} routes`, packet));
    const leg = legFromHost(legWalk, packet, proxied.containerIp, proxied.containerPort);
    if (!leg) return { verdict: 'uncertain', decidedBy: `docker-proxy's connection to ${proxied.containerIp}: the host has no route to it in the model` };
    const ending = hostOutput(legWalk, leg);
    return { ...ending, decidedBy: `docker-proxy (userland) relayed the publish; its connection: ${ending.decidedBy}`, proxied: { client: packet, clientNs: walk.host! } };
  }
  const elsewhere = samePort.filter((p) => !bindsAddress(p, packet.dst));
  const found = findListener(walk.host?.listeners ?? null, packet);
  if (samePort.length > 0 && elsewhere.length === samePort.length && found.kind !== 'found') {
    const binds = elsewhere.map((p) => `${withPort(p.hostIp, p.hostPort)} (${p.containerName})`).join(', ');
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `delivered to the host at ${withPort(packet.dst, packet.dport)}, but Docker publishes this port only on ${binds}; no DNAT rule matched this address`, packet));
    if (found.kind === 'unknown') walk.missing(listenersFact(walk.host!), found.why, `no other host process listens on ${packet.proto}/${packet.dport}`);
    return { verdict: 'dropped', decidedBy: `publish ${binds} is bound to another address: nothing Docker runs answers ${withPort(packet.dst, packet.dport)} (connection refused)` };
  }
  const unproxied = samePort.find((p) => bindsAddress(p, packet.dst));
  const note = unproxied ? ` (publish of ${unproxied.containerName}, no docker-proxy process in the model)` : '';
  const at = `delivered to the host at ${withPort(packet.dst, packet.dport)}${note}`;
  if (found.kind === 'none') {
    const refused = refusalText(packet.proto, packet.dport, 'host');
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'drop', `${at}; ${refused.hop}`, packet));
    return { verdict: 'dropped', decidedBy: refused.decidedBy };
  }
  if (found.kind === 'found') {
    // the host's sockets include every docker-proxy's: name the process when it is one
    const proxy = walk.topo.publishes.find((p) => p.proxy && p.hostPort === found.listener.port && p.protocol === found.listener.protocol && (p.hostIp === found.listener.address || (p.hostIp === '' && (found.listener.address === '0.0.0.0' || found.listener.address === '::'))));
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `${at}, where ${listenerText(found.listener)} listens${proxy ? ` (docker-proxy pid ${proxy.proxy!.pid})` : ''}`, packet));
    if (found.dualStackAssumed) walk.assume(dualStackAssumption(found.listener, 'host'));
  } else {
    walk.hop(simpleHop('host', packet.inInterface || 'lo', 'deliver', `${at}; whether a process listens there is not known: ${found.why}`, packet));
    walk.missing(listenersFact(walk.host!), found.why, `a host process listens on ${packet.proto}/${packet.dport}`);
  }
  return { verdict: 'delivered', decidedBy: `arrived at the host's ${withPort(packet.dst, packet.dport)}`, arrivedIn: walk.host!, packet };
}

function legFromHost(walk: Walk, client: Packet, ip: string, port: number): Packet | null {
  const host = walk.host!;
  const choice = lookupRoute(host, ip);
  if (choice.kind !== 'route') return null;
  const src = sourceAddress(host, choice, ip);
  if (!src) return null;
  return {
    ...client, family: walk.family, src, origSrc: src, sport: null, dst: ip, origDst: ip, dport: port, origDport: port, inInterface: '', outInterface: choice.dev, ctState: 'NEW', physIn: null, physOut: null, srcMac: null,
  };
}
