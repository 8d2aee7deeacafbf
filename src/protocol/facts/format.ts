/** Short textual forms of model facts: the only place each is spelt, for every renderer. */
import type { DockerMount, EngineInfo } from '../../core/docker/types';
import type { Route } from '../../core/host/types';
import type { NetworkNode, PortBinding, Publish, PublishPortDriver, RuleRef } from '../../core/model/types';

/** Which engine serves the API, by name: Docker, or Podman behind its Docker-compatible API. */
export function engineProductText(info: Pick<EngineInfo, 'product'>): string {
  return info.product === 'podman' ? 'Podman' : 'Docker';
}

/** `Docker 20.10.24`, `Podman 4.3.1` */
export function engineVersionText(info: Pick<EngineInfo, 'product' | 'version'>): string {
  return `${engineProductText(info)} ${info.version}`;
}

/**
 * A bridge network's bridge absent from the host: a fault on Docker, which makes it with the
 * network; on Podman netavark makes it with the network's first running container.
 */
export function absentBridgeText(info: Pick<EngineInfo, 'product'>): string {
  return info.product === 'podman' ? 'not on the host: netavark makes it when a container of the network starts' : 'missing on host';
}

/** A quoted firewall rule: `nat/DOCKER #3: -A DOCKER …`. */
export function ruleText(rule: RuleRef): string {
  return `${rule.table}/${rule.chain} #${rule.index}: ${rule.raw}`;
}

export function hostPortText(ip: string, port: number): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

export function publishText(p: Pick<Publish, 'hostIp' | 'hostPort' | 'containerPort' | 'protocol'> & { containerIp?: string | null }): string {
  const target = p.containerIp ? `${p.containerIp}:${p.containerPort}` : `${p.containerPort}`;
  return `${hostPortText(p.hostIp, p.hostPort)} → ${target}/${p.protocol}`;
}

export function portBindingText(p: PortBinding): string {
  if (p.hostPort === null) return `${p.containerPort}/${p.protocol} (exposed only)`;
  return `${hostPortText(p.hostIp ?? '0.0.0.0', p.hostPort)} → ${p.containerPort}/${p.protocol}`;
}

export function proxyText(proxy: { readonly pid: number; readonly args: string }): string {
  return `pid ${proxy.pid}: ${proxy.args}`;
}

/** Rootless Docker: whose namespace the host facts are. */
export function rootlessKitText(k: { readonly pid: number; readonly portDriver: string | null }): string {
  return `RootlessKit's namespace (rootlesskit pid ${k.pid}, port driver ${k.portDriver ?? '(none given)'}): the bridges, rules and listeners here are that namespace's, not the machine's own`;
}

/** Rootless Docker: how a publish enters RootlessKit's namespace from the machine's own. */
export function portDriverText(d: PublishPortDriver): string {
  const on = d.listener
    ? `listens on ${hostPortText(d.listener.address, d.listener.port)}/${d.listener.protocol}`
    : d.listenerUnknown
      ? `its socket is unknown (${d.listenerUnknown})`
      : "holds no socket for it on the machine's side";
  return `rootlesskit pid ${d.pid}, port driver ${d.driver ?? '(none given)'}: ${on}, relays into RootlessKit's namespace`;
}

/** Badges a user should notice at a glance: isolation and reachability switches. */
export function networkBadges(n: NetworkNode): string[] {
  const badges: string[] = [];
  if (n.internal) badges.push('internal');
  if (n.driver === 'bridge' && !n.icc) badges.push('ICC off');
  if (n.attachable) badges.push('attachable');
  if (n.ingress) badges.push('ingress');
  if (n.enableIPv6) badges.push('IPv6');
  return badges;
}

export function networkDescription(n: NetworkNode): string {
  const parts: string[] = [n.driver === 'null' ? 'none' : n.driver];
  if (n.subnets.length) parts.push(n.subnets.join(', '));
  if (n.gateways.length) parts.push(`gw ${n.gateways.join(', ')}`);
  if (n.parent) parts.push(`parent ${n.parent}`);
  parts.push(...networkBadges(n));
  return parts.join(' · ');
}

export function routeText(r: Route): string {
  const parts = [r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  if (r.metric !== null) parts.push(`metric ${r.metric}`);
  if (r.table !== 'main') parts.push(`table ${r.table}`);
  if (r.type !== 'unicast') parts.unshift(r.type);
  return parts.join(' ');
}

/** `bind · ro · host /srv/data`, `volume web-data · rw · host /var/lib/docker/volumes/…`, `tmpfs · rw · in memory`. */
export function mountText(m: DockerMount): string {
  const kind = m.type === 'volume' && m.name ? `volume ${m.name}` : m.type;
  return `${kind} · ${m.rw ? 'rw' : 'ro'} · ${m.source ? `host ${m.source}` : 'in memory'}`;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function yesNo(value: boolean | null): string {
  return value === null ? 'unknown' : value ? 'yes' : 'no';
}

export function withPrefix(address: string | null, prefixLen: number | null): string | null {
  return address ? `${address}${prefixLen !== null ? `/${prefixLen}` : ''}` : null;
}
