/**
 * Finds the rules that implement what the engine reports: the DNAT rule behind a publish, the
 * filter rule that lets it through, the MASQUERADE rule of a network. These are lookups for the
 * views ("what did -p 8080:80 turn into?"); deciding whether a packet passes is the trace's job.
 */
import type { Rule, Ruleset } from '../netfilter/types';
import type { RuleRef } from './types';
import { isUnspecified, stripPrefix } from './addresses';

export function ruleRef(rule: Rule): RuleRef {
  return { table: rule.table, chain: rule.chain, index: rule.index, raw: rule.raw };
}

/**
 * The rules of an iptables table, and of every native nftables table beside it: Docker 29's
 * nftables backend keeps its DNAT, filter and masquerade rules together in `ip docker-bridges`
 * (chains nat-prerouting-and-output, filter-forward-in__<bridge>, nat-postrouting-out__<bridge>).
 * The lookups below select by target, so one nft table serves as both "nat" and "filter".
 */
function allRules(ruleset: Ruleset, table: 'nat' | 'filter'): Rule[] {
  const tables = Object.values(ruleset.tables).filter((t) => t.name === table || t.nftFamily !== undefined);
  return tables.flatMap((t) => Object.values(t.chains).flatMap((c) => [...c.rules]));
}

function portOption(rule: Rule, name: 'dport' | 'dports'): string | null {
  for (const m of rule.matches) {
    const v = m.options[name];
    if (v && !v.negated) return v.value;
  }
  return null;
}

function matchesPort(rule: Rule, port: number): boolean {
  const single = portOption(rule, 'dport');
  if (single !== null) {
    const [lo, hi] = single.split(':').map(Number);
    return hi === undefined ? lo === port : port >= lo && port <= hi;
  }
  const multi = portOption(rule, 'dports');
  if (multi !== null) {
    return multi.split(',').some((p) => {
      const [lo, hi] = p.split(':').map(Number);
      return hi === undefined ? lo === port : port >= lo && port <= hi;
    });
  }
  return false;
}

function protocolIs(rule: Rule, protocol: string): boolean {
  return rule.protocol !== null && !rule.protocol.negated && rule.protocol.value === protocol;
}

/** `172.17.0.2:80` or `[fd00::2]:80` → { ip, port } */
function splitHostPort(value: string): { ip: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?/.exec(value);
  if (v6) return { ip: v6[1], port: v6[2] ? Number(v6[2]) : null };
  const [ip, port] = value.split(':');
  return { ip, port: port ? Number(port.split('-')[0]) : null };
}

export interface PublishQuery {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerIp: string | null;
  readonly containerPort: number;
  readonly protocol: string;
}

/** The nat DNAT rule that rewrites hostPort to the container, honouring a host-IP restriction. */
export function findDnatRule(ruleset: Ruleset, q: PublishQuery): Rule | null {
  const anyHostIp = isUnspecified(q.hostIp);
  for (const rule of allRules(ruleset, 'nat')) {
    if (rule.target !== 'DNAT' || !protocolIs(rule, q.protocol) || !matchesPort(rule, q.hostPort)) continue;
    const to = rule.targetOptions['to-destination'];
    if (!to) continue;
    const dest = splitHostPort(to);
    if (dest.port !== null && dest.port !== q.containerPort) continue;
    if (q.containerIp && dest.ip !== q.containerIp) continue;
    const boundTo = rule.destination && !rule.destination.negated ? stripPrefix(rule.destination.value) : null;
    if (anyHostIp ? boundTo !== null : boundTo !== q.hostIp) continue;
    return rule;
  }
  return null;
}

/** The filter rule that accepts forwarded traffic to the container's port. */
export function findPublishFilterRule(ruleset: Ruleset, containerIp: string, containerPort: number, protocol: string): Rule | null {
  for (const rule of allRules(ruleset, 'filter')) {
    if (rule.target !== 'ACCEPT' || !protocolIs(rule, protocol) || !matchesPort(rule, containerPort)) continue;
    if (rule.destination && !rule.destination.negated && stripPrefix(rule.destination.value) === containerIp) return rule;
  }
  return null;
}

/**
 * nat POSTROUTING MASQUERADE/SNAT rules written for a whole subnet: Docker's `-s <subnet> ! -o
 * <bridge> -j MASQUERADE`, and netavark's `-s <subnet> -j NETAVARK-<hash>` whose chain holds the
 * MASQUERADE (after an ACCEPT for the subnet itself): there the rules of that chain are the ones.
 * netavark's nftables driver says the same in `table inet netavark`: `ip saddr <subnet> jump
 * nv_<id>_<subnet>`, whose chain masquerades (`ip daddr != 224.0.0.0/4 masquerade`).
 */
export function findNatRules(ruleset: Ruleset, subnets: readonly string[]): Rule[] {
  const forSubnet = (rule: Rule) => rule.source !== null && !rule.source.negated && subnets.includes(rule.source.value);
  const out: Rule[] = [];
  const tables = Object.values(ruleset.tables).filter((t) => t.name === 'nat' || t.nftFamily !== undefined);
  for (const table of tables) {
    for (const rule of Object.values(table.chains).flatMap((c) => [...c.rules])) {
      if (!forSubnet(rule)) continue;
      if (rule.target === 'MASQUERADE' || rule.target === 'SNAT') out.push(rule);
      else if (rule.target) {
        const jumped = table.chains[rule.target];
        if (jumped) out.push(...jumped.rules.filter((r) => r.target === 'MASQUERADE' || r.target === 'SNAT'));
      }
    }
  }
  return out;
}
