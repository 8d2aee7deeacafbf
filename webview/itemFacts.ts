/**
 * What the drill-down pane shows for one drawn item: the same presentation sheet
 * (src/protocol/facts) the CLI and the inspect pane render, plus what the pane's buttons act on.
 * Marks and the view's own groups, which only the graph draws, get small sheets of their own here.
 * Pure, so Node tests check it; the pane only turns it into elements (as text).
 */
import type { TopologyView } from '../src/protocol/topologyView';
import { topologyIds, topologyItemKind } from '../src/protocol/topologyIds';
import { containerSheet } from '../src/protocol/facts/containerSheet';
import { endpointSheet, networkSheet } from '../src/protocol/facts/networkSheet';
import { hostInterfaceSheet, hostSummarySection, netnsSheet, publishSheet } from '../src/protocol/facts/hostSheets';
import { ruleText } from '../src/protocol/facts/format';
import { code, row, section, text, unknownValue, type FactSection, type FactSheet } from '../src/protocol/facts/sheet';

export type { FactSection } from '../src/protocol/facts/sheet';

export interface ItemFacts {
  readonly id: string;
  readonly heading: string;
  readonly badges: readonly string[];
  readonly sections: readonly FactSection[];
  /** what the pane's buttons act on */
  readonly inspectId: string | null;
  readonly traceTarget: string | null;
}

function fromSheet(id: string, sheet: FactSheet, inspectId: string | null, traceTarget: string | null, heading = sheet.title): ItemFacts {
  return { id, heading, badges: sheet.badges, sections: sheet.sections, inspectId, traceTarget };
}

function markFacts(t: TopologyView, id: string): ItemFacts | null {
  const [, kind, scope] = /^mark:([^:]+):(.*)$/.exec(id) ?? [];
  if (!kind || scope === undefined) return null;
  const only = (heading: string, badge: string, s: FactSection, inspectId: string | null): ItemFacts => ({ id, heading, badges: [badge], sections: [s], inspectId, traceTarget: null });
  if (kind === 'ip-forward-off') {
    const v = t.host?.sysctls['net.ipv4.ip_forward'];
    return only(
      'ip_forward is off',
      'sysctl',
      section('Host', [
        ...row('net.ipv4.ip_forward', v === undefined ? unknownValue(t.host?.unknown?.sysctls ?? 'not read') : code(v)),
        ...row('Effect', 'the host routes no packet between interfaces: containers cannot reach out, publishes from other hosts fail'),
      ]),
      null,
    );
  }
  const n = t.networks.find((x) => x.id === scope);
  if (!n) return null;
  const opt = (k: string) => (n.options[k] === undefined ? text('not set') : code(n.options[k]!));
  const inspect = topologyIds.network(n.id);
  if (kind === 'masquerade') {
    return only(
      `MASQUERADE for ${n.name}`,
      'nat',
      section('Egress NAT', [
        ...row('Option enable_ip_masquerade', opt('com.docker.network.bridge.enable_ip_masquerade')),
        ...row('Subnets', n.subnets.join(', ')),
        ...(n.natRules.length ? n.natRules.map((r) => ({ label: 'nat', value: code(ruleText(r)) })) : row('nat', 'no rule found in the nat table')),
      ]),
      inspect,
    );
  }
  if (kind === 'icc-off') {
    return only(`ICC off on ${n.name}`, 'filter', section('Inter-container traffic', [...row('Option enable_icc', opt('com.docker.network.bridge.enable_icc')), ...row('Effect', 'containers on this bridge cannot reach each other')]), inspect);
  }
  if (kind === 'internal') {
    return only(`${n.name} is internal`, 'filter', section('Internal network', [...row('Internal', 'yes'), ...row('Effect', 'no route out: traffic to and from outside the subnet is dropped')]), inspect);
  }
  return null;
}

/** The pane's content for a drawn id; null when the id names nothing in this snapshot. */
export function itemFacts(t: TopologyView, id: string): ItemFacts | null {
  const kind = topologyItemKind(id);
  const key = id.slice(id.indexOf(':') + 1);
  switch (kind) {
    case 'container': {
      const c = t.containers.find((x) => x.id === key);
      return c ? fromSheet(id, containerSheet(t, c), id, id) : null;
    }
    case 'network': {
      const n = t.networks.find((x) => x.id === key);
      return n ? fromSheet(id, networkSheet(t, n), id, null, n.bridge ?? n.name) : null;
    }
    case 'endpoint': {
      const [networkId, containerId] = key.split('/');
      const n = t.networks.find((x) => x.id === networkId);
      const e = n?.endpoints.find((x) => x.containerId === containerId);
      if (!n || !e) return null;
      const ctr = topologyIds.container(e.containerId);
      const pair = fromSheet(id, endpointSheet(t, n, e), ctr, ctr, e.hostVeth ?? 'veth (host side unknown)');
      // The drawn item is the host side: the veth's own facts follow the endpoint's.
      const i = e.hostVeth ? t.host?.interfaces.find((x) => x.name === e.hostVeth) : undefined;
      return i ? { ...pair, badges: hostInterfaceSheet(t, i).badges, sections: [...pair.sections, ...hostInterfaceSheet(t, i).sections] } : pair;
    }
    case 'hostInterface': {
      const i = t.host?.interfaces.find((x) => x.name === key);
      if (!i) return null;
      const f = fromSheet(id, hostInterfaceSheet(t, i), id, null);
      return { ...f, sections: [...f.sections, hostSummarySection(t)] };
    }
    case 'foreignBridge':
    case 'bridgePort': {
      const i = t.host?.interfaces.find((x) => x.name === key);
      return i ? fromSheet(id, hostInterfaceSheet(t, i), id, null) : null;
    }
    case 'group':
      return id === topologyIds.group('host') ? { id, heading: t.host?.hostname ?? 'host', badges: ['host'], sections: [hostSummarySection(t)], inspectId: null, traceTarget: null } : null;
    case 'namedNetns': {
      const ns = t.host?.namedNetns.find((x) => x.name === key);
      return ns ? fromSheet(id, netnsSheet(t, ns), id, id) : null;
    }
    case 'publish': {
      const p = t.publishes.find((x) => topologyIds.publish(x.containerId, x.hostIp, x.hostPort, x.protocol) === id);
      if (!p) return null;
      const ctr = topologyIds.container(p.containerId);
      return fromSheet(id, publishSheet(t, p), ctr, ctr, `${p.hostIp}:${p.hostPort} → ${p.containerName}:${p.containerPort}/${p.protocol}`);
    }
    case 'mark':
      return markFacts(t, id);
    default:
      return null;
  }
}
