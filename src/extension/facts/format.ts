/** Short textual forms of model facts, shared by tree descriptions, tooltips and the inspect pane. */
import type { NetworkNode, Publish, RuleRef, PortBinding, Topology } from '../../core/model/types';
import type { Route } from '../../core/host/types';

export function ruleText(rule: RuleRef): string {
  return `${rule.table} ${rule.chain} #${rule.index}: ${rule.raw}`;
}

export function publishText(p: Pick<Publish, 'hostIp' | 'hostPort' | 'containerPort' | 'protocol'> & { containerIp?: string | null }): string {
  const host = p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp;
  const target = p.containerIp ? `${p.containerIp}:${p.containerPort}` : `${p.containerPort}`;
  return `${host}:${p.hostPort} → ${target}/${p.protocol}`;
}

export function portBindingText(p: PortBinding): string {
  if (p.hostPort === null) return `${p.containerPort}/${p.protocol} (exposed only)`;
  const ip = p.hostIp ?? '0.0.0.0';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${p.hostPort} → ${p.containerPort}/${p.protocol}`;
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

/** Reasons the model gives for facts it could not establish about a subject (by name or id). */
export function gapsAbout(topology: Topology, ...keys: string[]): string[] {
  const wanted = keys.filter((k) => k.length > 0);
  return topology.gaps.filter((g) => wanted.some((k) => g.subject.includes(k))).map((g) => `${g.subject}: ${g.reason}`);
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function yesNo(value: boolean | null): string {
  return value === null ? 'unknown' : value ? 'yes' : 'no';
}
