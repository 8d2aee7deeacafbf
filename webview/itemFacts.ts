/**
 * The facts the drill-down pane shows for one drawn item, as plain sections of label/value rows and
 * quoted rule text. Pure, so Node tests check it; the pane only turns it into elements (as text).
 */
import type { ContainerNode, HostInterfaceNode, NetworkNode, Publish, RuleRef, Topology } from '../src/core/model/types';
import { topologyIds, topologyItemKind } from '../src/protocol/topologyIds';
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- until the presentation model puts this sentence in the view model the webview receives
import { firewallBackendText } from '../src/core/model/firewallBackend';

export interface FactSection {
  readonly title: string;
  readonly rows: readonly (readonly [string, string])[];
  /** raw lines quoted as code: firewall rules, proxy command lines */
  readonly code: readonly string[];
}

export interface ItemFacts {
  readonly id: string;
  readonly heading: string;
  readonly badges: readonly string[];
  readonly sections: readonly FactSection[];
  /** what the pane's buttons act on */
  readonly inspectId: string | null;
  readonly traceTarget: string | null;
}

const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '—' : String(v));
const ruleLine = (r: RuleRef): string => `[${r.table}/${r.chain} #${r.index}] ${r.raw}`;
const section = (title: string, rows: (readonly [string, string])[], code: string[] = []): FactSection => ({ title, rows, code });

function containerFacts(t: Topology, c: ContainerNode): ItemFacts {
  const attachments = t.networks.flatMap((n) => n.endpoints.filter((e) => e.containerId === c.id).map((e) => ({ n, e })));
  const sections: FactSection[] = [
    section('Container', [
      ['name', c.name],
      ['id', c.id],
      ['image', c.image],
      ['state', `${c.state} (${c.status})`],
      ['network mode', c.networkMode],
      ['pid', dash(c.pid)],
      ['default gateway', dash(c.defaultGateway)],
    ]),
  ];
  for (const { n, e } of attachments) {
    const iface = c.interfaces.find((i) => i.name === e.containerInterface);
    sections.push(
      section(`Network ${n.name}`, [
        ['driver', n.driver],
        ['container side', dash(e.containerInterface)],
        ['IPv4', e.ipv4 ? `${e.ipv4}/${dash(e.ipv4PrefixLen)}` : '—'],
        ['IPv6', dash(e.ipv6)],
        ['MAC', dash(e.mac)],
        ['gateway', dash(e.gateway)],
        ['host side (veth)', e.hostVeth ? `${e.hostVeth}${e.hostVethIndex !== null ? ` (ifindex ${e.hostVethIndex})` : ''}` : n.driver === 'bridge' ? 'unknown' : `none (${n.driver})`],
        ['bridge', dash(iface?.bridge ?? n.bridge)],
        ['aliases', e.aliases.join(', ') || '—'],
        ['links', e.links.join(', ') || '—'],
      ]),
    );
  }
  const unattached = c.interfaces.filter((i) => !attachments.some((a) => a.e.containerInterface === i.name));
  if (unattached.length > 0) {
    sections.push(section('Other interfaces', unattached.map((i) => [i.name, `${i.kind} ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(', ') || 'no address'}`] as const)));
  }
  const pubs = t.publishes.filter((p) => p.containerId === c.id);
  if (c.ports.length > 0) {
    sections.push(
      section(
        'Ports',
        c.ports.map((p) => [`${p.containerPort}/${p.protocol}`, p.hostPort !== null ? `published on ${p.hostIp ?? '*'}:${p.hostPort}` : 'exposed only'] as const),
        pubs.flatMap((p) => (p.dnatRule ? [ruleLine(p.dnatRule)] : [])),
      ),
    );
  }
  if (c.unknown?.netns) {
    // unknown is not empty: say so where the interfaces and routes would be
    sections.push(section('Own namespace', [['interfaces, routes', `unknown: ${c.unknown.netns}`]]));
  } else if (c.routes.length > 0) {
    sections.push(section('Routes', c.routes.map((r) => [r.dst, `${r.gateway ? `via ${r.gateway} ` : ''}dev ${dash(r.dev)}`] as const)));
  }
  return { id: topologyIds.container(c.id), heading: c.name, badges: [c.state, c.networkMode], sections, inspectId: topologyIds.container(c.id), traceTarget: topologyIds.container(c.id) };
}

function networkFacts(t: Topology, n: NetworkNode): ItemFacts {
  const rules = n.natRules.map(ruleLine);
  return {
    id: topologyIds.network(n.id),
    heading: n.bridge ?? n.name,
    badges: [n.driver, ...(n.internal ? ['internal'] : []), ...(n.icc ? [] : ['ICC off']), ...(n.natRules.length > 0 ? ['MASQUERADE'] : [])],
    sections: [
      section('Network', [
        ['name', n.name],
        ['id', n.id],
        ['driver', n.driver],
        ['scope', n.scope],
        ['bridge', n.bridge ? `${n.bridge}${n.bridgePresent === false ? ' (not on the host)' : ''}` : '—'],
        ['parent', dash(n.parent)],
        ['subnets', n.subnets.join(', ') || '—'],
        ['gateways', n.gateways.join(', ') || '—'],
        ['internal', String(n.internal)],
        ['inter-container (ICC)', String(n.icc)],
        ['IP masquerade', String(n.masquerade)],
        ['MTU', dash(n.mtu)],
        ['endpoints', String(n.endpoints.length)],
      ]),
      section('NAT rules', [], rules.length > 0 ? rules : ['(no MASQUERADE/SNAT rule matches this network)']),
      section('Options', Object.entries(n.options).map(([k, v]) => [k, v] as const)),
    ],
    inspectId: topologyIds.network(n.id),
    traceTarget: null,
  };
}

function interfaceFacts(i: HostInterfaceNode, id: string, heading: string): ItemFacts {
  return {
    id,
    heading,
    badges: [i.kind, i.state.toLowerCase()],
    sections: [
      section('Interface', [
        ['name', i.name],
        ['ifindex', String(i.index)],
        ['kind', i.kind],
        ['state', i.state],
        ['MTU', String(i.mtu)],
        ['MAC', dash(i.mac)],
        ['addresses', i.addresses.join(', ') || '—'],
        ['master', dash(i.master)],
        ['peer', dash(i.peer)],
        ['parent', dash(i.parent)],
      ]),
      section('Details', Object.entries(i.details).map(([k, v]) => [k, String(v)] as const)),
    ],
    inspectId: id,
    traceTarget: null,
  };
}

const onOff = (v: boolean | null | undefined): string => (v === null || v === undefined ? 'unknown' : v ? 'on' : 'off');

/** The host as a whole, under each of its NICs and on the placeholder drawn when none was found. */
function hostSection(t: Topology): FactSection {
  const h = t.host;
  return section('Host', [
    ['hostname', dash(h?.hostname)],
    ['ip_forward', onOff(h?.ipForward)],
    ['bridge-nf-call-iptables', onOff(h?.bridgeNfCallIptables)],
    ['firewall backend', firewallBackendText(t)],
    ['iptables', dash(h?.firewall.iptablesVersion)],
  ]);
}

function publishFacts(p: Publish, id: string): ItemFacts {
  const code: string[] = [];
  if (p.dnatRule) code.push(ruleLine(p.dnatRule));
  if (p.filterRule) code.push(ruleLine(p.filterRule));
  if (p.proxy) code.push(`docker-proxy pid ${p.proxy.pid}: ${p.proxy.args}`);
  return {
    id,
    heading: `${p.hostIp}:${p.hostPort} → ${p.containerName}:${p.containerPort}/${p.protocol}`,
    badges: [p.protocol, p.dnatRule ? 'DNAT' : 'no DNAT rule found', p.proxy ? 'docker-proxy' : 'no proxy'],
    sections: [
      section('Publish', [
        ['host', `${p.hostIp}:${p.hostPort}`],
        ['container', `${p.containerName} ${dash(p.containerIp)}:${p.containerPort}/${p.protocol}`],
        ['DNAT rule', p.dnatRule ? `${p.dnatRule.table}/${p.dnatRule.chain} #${p.dnatRule.index}` : 'not found'],
        ['FORWARD rule', p.filterRule ? `${p.filterRule.table}/${p.filterRule.chain} #${p.filterRule.index}` : 'not found'],
        ['docker-proxy', p.proxy ? `pid ${p.proxy.pid}` : 'none running'],
      ], code),
    ],
    inspectId: topologyIds.container(p.containerId),
    traceTarget: topologyIds.container(p.containerId),
  };
}

function markFacts(t: Topology, id: string): ItemFacts | null {
  const [, kind, scope] = /^mark:([^:]+):(.*)$/.exec(id) ?? [];
  if (!kind || scope === undefined) return null;
  if (kind === 'ip-forward-off') {
    return {
      id,
      heading: 'ip_forward is off',
      badges: ['sysctl'],
      sections: [section('Host', [['net.ipv4.ip_forward', dash(t.host?.sysctls['net.ipv4.ip_forward'])], ['effect', 'the host routes no packet between interfaces: containers cannot reach out, publishes from other hosts fail']])],
      inspectId: null,
      traceTarget: null,
    };
  }
  const n = t.networks.find((x) => x.id === scope);
  if (!n) return null;
  const opt = (k: string): string => dash(n.options[k]);
  if (kind === 'masquerade') {
    return { id, heading: `MASQUERADE for ${n.name}`, badges: ['nat'], sections: [section('Egress NAT', [['option enable_ip_masquerade', opt('com.docker.network.bridge.enable_ip_masquerade')], ['subnets', n.subnets.join(', ')]], n.natRules.length > 0 ? n.natRules.map(ruleLine) : ['(no rule found in the nat table)'])], inspectId: topologyIds.network(n.id), traceTarget: null };
  }
  if (kind === 'icc-off') {
    return { id, heading: `ICC off on ${n.name}`, badges: ['filter'], sections: [section('Inter-container traffic', [['option enable_icc', opt('com.docker.network.bridge.enable_icc')], ['effect', 'containers on this bridge cannot reach each other']])], inspectId: topologyIds.network(n.id), traceTarget: null };
  }
  if (kind === 'internal') {
    return { id, heading: `${n.name} is internal`, badges: ['filter'], sections: [section('Internal network', [['internal', 'true'], ['effect', 'no route out: traffic to and from outside the subnet is dropped']])], inspectId: topologyIds.network(n.id), traceTarget: null };
  }
  return null;
}

/** The pane's content for a drawn id; null when the id names nothing in this snapshot. */
export function itemFacts(t: Topology, id: string): ItemFacts | null {
  const kind = topologyItemKind(id);
  const key = id.slice(id.indexOf(':') + 1);
  switch (kind) {
    case 'container': {
      const c = t.containers.find((x) => x.id === key);
      return c ? containerFacts(t, c) : null;
    }
    case 'network': {
      const n = t.networks.find((x) => x.id === key);
      return n ? networkFacts(t, n) : null;
    }
    case 'endpoint': {
      const [networkId, containerId] = key.split('/');
      const n = t.networks.find((x) => x.id === networkId);
      const e = n?.endpoints.find((x) => x.containerId === containerId);
      if (!n || !e) return null;
      const i = e.hostVeth ? t.host?.interfaces.find((x) => x.name === e.hostVeth) : undefined;
      const base = i ? interfaceFacts(i, id, e.hostVeth!) : { id, heading: e.hostVeth ?? 'veth (host side unknown)', badges: ['veth'], sections: [], inspectId: null, traceTarget: null };
      return {
        ...base,
        sections: [
          section('veth pair', [
            ['host side', dash(e.hostVeth)],
            ['host ifindex', dash(e.hostVethIndex)],
            ['on bridge', dash(n.bridge)],
            ['container', e.containerName],
            ['container side', dash(e.containerInterface)],
            ['container IP', e.ipv4 ? `${e.ipv4}/${dash(e.ipv4PrefixLen)}` : '—'],
            ['MAC', dash(e.mac)],
          ]),
          ...base.sections,
        ],
        inspectId: topologyIds.container(e.containerId),
        traceTarget: topologyIds.container(e.containerId),
      };
    }
    case 'hostInterface': {
      const i = t.host?.interfaces.find((x) => x.name === key);
      if (!i) return null;
      const f = interfaceFacts(i, id, i.name);
      return { ...f, sections: [...f.sections, hostSection(t)] };
    }
    case 'foreignBridge':
    case 'bridgePort': {
      const i = t.host?.interfaces.find((x) => x.name === key);
      return i ? interfaceFacts(i, id, i.name) : null;
    }
    case 'group':
      return id === topologyIds.group('host')
        ? { id, heading: t.host?.hostname ?? 'host', badges: ['host'], sections: [hostSection(t)], inspectId: null, traceTarget: null }
        : null;
    case 'namedNetns': {
      const ns = t.host?.namedNetns.find((x) => x.name === key);
      if (!ns) return null;
      const rows = ns.interfaces.known
        ? ns.interfaces.value.map((i) => [i.name, `${i.kind} ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(', ') || 'no address'}`] as const)
        : [['interfaces', `unknown: ${ns.interfaces.reason}`] as const];
      const routes = ns.routes.known ? ns.routes.value.map((r) => [r.dst, `${r.gateway ? `via ${r.gateway} ` : ''}dev ${dash(r.dev)}`] as const) : [['routes', `unknown: ${ns.routes.reason}`] as const];
      return { id, heading: ns.name, badges: ['netns'], sections: [section('Interfaces', rows), section('Routes', routes)], inspectId: id, traceTarget: id };
    }
    case 'publish': {
      const p = t.publishes.find((x) => topologyIds.publish(x.containerId, x.hostIp, x.hostPort, x.protocol) === id);
      return p ? publishFacts(p, id) : null;
    }
    case 'mark':
      return markFacts(t, id);
    default:
      return null;
  }
}
