/**
 * The readable tree `netlens topology` prints: engine → network → bridge (or an overlay's namespace,
 * bridge and VXLAN device) → endpoints (IP, MAC, veth), publishes with their DNAT rule and proxy,
 * each container's sockets, mounts and labels (rows of its presentation sheet, src/protocol/facts,
 * which the panes show too), host bridges and their ports, named netns, and what could not be
 * established. Plain text, no colour codes, so it can be piped and diffed.
 */
import { listenersNotRead } from '../core/host/commands/containerListeners';
import { meshPortText, meshStateText } from '../protocol/facts/meshText';
import type { ContainerNode, NetworkNode, Topology } from '../core/model/types';
import { firewallBackendText } from '../protocol/facts/firewallText';
import { listenerSummary } from '../protocol/facts/listenerSummary';
import { containerSheet } from '../protocol/facts/containerSheet';
import { absentBridgeText, engineProductText, engineVersionText, portDriverText, proxyText, rootlessKitText, ruleText } from '../protocol/facts/format';
import { valueText } from '../protocol/facts/sheet';
import { composeMembership, composeProjects } from '../core/model/projects';

/** The sections of a container's sheet the tree prints, each row prefixed with what it is. */
const CONTAINER_SECTIONS: ReadonlyMap<string, string> = new Map([
  ['Listening', 'listening'],
  ['Mounts', 'mount'],
  ['Labels', 'label'],
]);

/** A container's sockets, mounts and labels: the rows of its sheet, as the panes show them. */
export function containerLines(t: Topology, c: ContainerNode): string[] {
  // sockets not read in this refresh are counted once below; a namespace's sharers list its owner's
  // (a --network host container's are the host's, which its line says)
  const skipListening = (listenersNotRead(c.listeners) && c.networkMode !== 'host') || c.sharesNetnsWith !== null;
  return containerSheet(t, c).sections.flatMap((s) => {
    if (s.heading === 'Listening' && skipListening) return [];
    const prefix = CONTAINER_SECTIONS.get(s.heading);
    return prefix ? s.rows.map((r) => `${prefix} ${r.label}: ${valueText(r.value)}`) : [];
  });
}

const short = (id: string): string => id.slice(0, 12);

function networkLine(n: NetworkNode): string {
  const parts = [`${n.name} (${n.driver}`];
  if (n.subnets.length) parts.push(`, ${n.subnets.join(' ')}`);
  if (n.gateways.length) parts.push(` gw ${n.gateways.join(' ')}`);
  parts.push(')');
  const badges = [n.internal && 'internal', !n.icc && n.driver === 'bridge' && 'icc off', n.attachable && 'attachable', n.ingress && 'ingress'].filter(Boolean);
  if (badges.length) parts.push(` [${badges.join(', ')}]`);
  return parts.join('');
}

function carrierLine(t: Topology, n: NetworkNode): string | null {
  if (n.bridge) return `bridge ${n.bridge}${n.bridgePresent === false ? ` (${absentBridgeText(t.engine)})` : ''}`;
  if (n.parent) return `parent ${n.parent} (${n.driver}: no bridge, containers hang off the parent)`;
  return null;
}

/**
 * An overlay's kernel side on this host: its own namespace (the host has no bridge for it), the
 * bridge there that holds the gateway, the VXLAN device that carries it between nodes, and the
 * bridge ports that lead to Docker's other namespaces (the load balancer, the ingress sandbox).
 */
function overlayLines(n: NetworkNode): string[] {
  const ov = n.overlay;
  if (!ov) return [];
  if (ov.namespacePresent === false) return [`namespace ${ov.namespace} not on this host (made when a local container joins)`];
  const where = ov.namespacePresent === null ? ' (not read)' : '';
  const out = [`namespace ${ov.namespace}${where}`];
  if (ov.bridge) out.push(`bridge ${ov.bridge} ${ov.bridgeAddresses.join(' ')} (inside ${ov.namespace})`.trimEnd());
  if (ov.vxlan) {
    const vni = ov.vxlan.vni ?? ov.engineVni;
    out.push(`vxlan ${ov.vxlan.name} vni ${vni ?? '?'} port ${ov.vxlan.port ?? '?'}${ov.vxlan.local ? ` local ${ov.vxlan.local}` : ''}`);
  } else if (ov.engineVni !== null) {
    out.push(`vxlan vni ${ov.engineVni} (engine; the device was not read)`);
  }
  for (const p of ov.ports) if (p.peerNamespace) out.push(`${p.name} ⇄ docker netns ${p.peerNamespace} ${p.peerInterface ?? '?'}`);
  if (ov.remotes && !ov.remotes.known) out.push(`endpoints on other nodes: unknown (${ov.remotes.reason})`);
  const byNode = new Map<string, string[]>();
  for (const r of ov.remotes?.known ? ov.remotes.value : []) byNode.set(r.underlay, [...(byNode.get(r.underlay) ?? []), r.addresses.join(',') || r.mac]);
  for (const [node, eps] of byNode) out.push(`${ov.vxlan?.name ?? 'vxlan0'} → node ${node}: ${eps.join(' ')}`);
  if (n.mesh) out.push(meshStateText(n.mesh), ...n.mesh.ports.map((p) => `  ${meshPortText(p)}`));
  return out;
}

function containerRef(t: Topology, id: string): ContainerNode | undefined {
  return t.containers.find((c) => c.id === id);
}

export function renderTopology(t: Topology): string {
  const out: string[] = [];
  const e = t.engine;
  out.push(`engine ${e.endpoint.url} — ${engineVersionText(e)} (API ${e.apiVersion}), ${e.storageDriver}, host ${t.host?.hostname ?? e.name}`);
  out.push(`firewall ${firewallBackendText(t)}`);
  for (const limit of e.apiLimits ?? []) out.push(`api limit: ${limit}`);
  out.push('');
  const projects = composeProjects(t);
  const owned = new Set(projects.flatMap((p) => p.networks.filter((n) => !n.external).map((n) => n.id)));
  /** `api (shop_api_1)` for a project's container, its name alone for any other */
  const endpointName = (containerId: string, containerName: string): string => {
    const m = composeMembership(projects, containerId);
    return m ? `${m.service.name} (${containerName})` : containerName;
  };
  if (projects.length) {
    out.push('compose projects');
    for (const p of projects) {
      out.push(`├─ ${p.name}${p.workingDir ? ` (${p.workingDir})` : ''}`);
      for (const pn of p.networks) {
        const n = t.networks.find((x) => x.id === pn.id);
        if (!n) continue;
        if (pn.external) {
          // drawn in full where it belongs (networks, or its own project); here the project's use of it
          const users = pn.containerIds.map((id) => composeMembership(projects, id)?.service.name ?? short(id));
          out.push(`│  ├─ ${n.name} [external]  used by ${users.join(', ')}`);
          continue;
        }
        for (const line of networkLines(t, n, endpointName)) out.push(`│  ${line}`);
      }
      const unknownDeps = new Set<string>();
      for (const s of p.services) {
        const names = s.containerIds.map((id) => containerRef(t, id)?.name ?? short(id));
        if (!s.dependsOn.known) unknownDeps.add(s.dependsOn.reason);
        const deps = s.dependsOn.known ? `; depends on ${s.dependsOn.value.length ? s.dependsOn.value.join(', ') : 'nothing'}` : '';
        out.push(`│  ├─ service ${s.name}: ${names.join(', ')}${deps}`);
      }
      // said once for the project, not on every service
      for (const reason of unknownDeps) out.push(`│  ├─ depends_on unknown: ${reason}`);
    }
    out.push('');
  }
  out.push(projects.length ? 'networks outside any project' : 'networks');
  for (const n of sortNetworks(t.networks)) {
    if (owned.has(n.id)) continue;
    const lines = networkLines(t, n, endpointName);
    const users = projects.filter((p) => p.networks.some((pn) => pn.id === n.id && pn.external)).map((p) => p.name);
    if (users.length) lines[0] += `  external network of ${users.join(', ')}`;
    out.push(...lines);
  }
  const shared = t.containers.filter((c) => c.sharesNetnsWith);
  if (shared.length) {
    out.push('');
    out.push('shared network namespaces');
    for (const c of shared) out.push(`├─ ${c.name} uses the namespace of ${containerRef(t, c.sharesNetnsWith!)?.name ?? short(c.sharesNetnsWith!)}`);
  }
  const perContainer = t.containers.map((c) => ({ c, lines: containerLines(t, c) })).filter((x) => x.lines.length > 0);
  const unread = t.containers.filter((c) => !c.sharesNetnsWith && c.networkMode !== 'host' && listenersNotRead(c.listeners)).length;
  if (perContainer.length || unread) {
    out.push('');
    out.push('containers');
    for (const { c, lines } of perContainer) {
      out.push(`├─ ${c.name}`);
      for (const line of lines) out.push(`│  ├─ ${line}`);
    }
    if (unread) out.push(`├─ listening in ${unread} container${unread === 1 ? '' : 's'}: not read (netlens topology --listeners reads them; a trace reads those it reaches)`);
  }
  if (t.publishes.length) {
    out.push('');
    out.push('published ports');
    for (const p of t.publishes) {
      const via = p.dnatRule ? '' : p.proxy ? '  (docker-proxy only)' : '';
      out.push(`├─ ${hostPort(p.hostIp, p.hostPort)}/${p.protocol} → ${p.containerName} ${p.containerIp ?? '?'}:${p.containerPort}${via}`);
      if (p.portDriver) out.push(`│    port  ${portDriverText(p.portDriver)}`);
      if (p.dnatRule) out.push(`│    DNAT  ${ruleText(p.dnatRule)}`);
      if (p.filterRule) out.push(`│    allow ${ruleText(p.filterRule)}`);
      if (p.proxy) out.push(`│    proxy ${proxyText(p.proxy)}`);
    }
  }
  if (t.host) {
    const h = t.host;
    out.push('');
    const rules = h.unknown?.firewallIpv4 ? `; firewall rules unknown: ${h.unknown.firewallIpv4}` : '';
    out.push(`host ${h.hostname ?? h.target} (${h.target}); ip_forward=${fmtFlag(h.ipForward)} bridge-nf-call-iptables=${fmtFlag(h.bridgeNfCallIptables)}${h.firewall.iptablesVersion ? `; ${h.firewall.iptablesVersion}` : ''}${rules}`);
    if (h.rootlessKit) out.push(`├─ rootless Docker: ${rootlessKitText(h.rootlessKit)}`);
    if (h.listeners) out.push(`├─ listening: ${listenersNotRead(h.listeners) ? 'not read (netlens topology --listeners reads them; a trace reads them when it reaches the host)' : listenerSummary(h.listeners)}`);
    for (const i of h.interfaces.filter((i) => i.kind === 'physical' || i.kind === 'bridge' || i.kind === 'macvlan' || i.kind === 'vxlan')) {
      const docker = i.dockerNetworkId ? ` [${engineProductText(t.engine).toLowerCase()} ${t.networks.find((n) => n.id === i.dockerNetworkId)?.name}]` : i.kind === 'bridge' ? ` [not made by ${engineProductText(t.engine)}]` : '';
      out.push(`├─ ${i.name} ${i.kind} ${i.state} ${i.addresses.join(' ')}${docker}`.replace(/ +/g, ' '));
      for (const port of h.interfaces.filter((p) => p.master === i.name)) {
        out.push(`│  ├─ ${port.name} (${port.kind})${port.peer ? ` ⇄ ${port.peer}` : ''}`);
      }
    }
    for (const ns of h.namedNetns) {
      out.push(`├─ netns ${ns.name}`);
      if (ns.listeners) out.push(`│  ├─ listening: ${listenerSummary(ns.listeners)}`);
      for (const i of ns.interfaces.known ? ns.interfaces.value : []) {
        if (i.kind === 'loopback') continue;
        out.push(`│  ├─ ${i.name} ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(' ')}`);
      }
      for (const r of ns.routes.known ? ns.routes.value : []) {
        if (r.family === 'inet' && r.table === 'main') out.push(`│  ├─ route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
      }
    }
  }
  if (t.gaps.length) {
    out.push('');
    out.push('not known');
    for (const g of t.gaps) out.push(`├─ ${g.subject}: ${g.reason}`);
  }
  out.push('');
  out.push(`${t.stats.apiCalls} engine API calls, ${t.stats.shellRoundTrips} shell round trip(s), ${t.stats.collectMs} ms`);
  return out.join('\n');
}

/** One network and its endpoints, as the tree prints it (at the top, or under its project). */
function networkLines(t: Topology, n: NetworkNode, endpointName: (containerId: string, containerName: string) => string): string[] {
  const out: string[] = [];
  out.push(`├─ ${networkLine(n)}`);
  const carrier = carrierLine(t, n);
  if (carrier) out.push(`│  ├─ ${carrier}`);
  for (const line of overlayLines(n)) out.push(`│  ├─ ${line}`);
  for (const r of n.natRules) out.push(`│  ├─ nat ${ruleText(r)}`);
  for (const ep of n.endpoints) {
    if (n.driver === 'host') {
      out.push(`│  ├─ ${endpointName(ep.containerId, ep.containerName)}  (shares the host's network stack)`);
      continue;
    }
    if (n.driver === 'null') {
      out.push(`│  ├─ ${endpointName(ep.containerId, ep.containerName)}  (loopback only)`);
      continue;
    }
    const ips = [ep.ipv4, ep.ipv6].filter(Boolean).join(' ') || 'no IP';
    const cable = ep.hostVeth
      ? `${ep.containerInterface ?? '?'} ⇄ ${ep.hostVeth}`
      : ep.overlayPeer
        ? `${ep.containerInterface ?? '?'} ⇄ ${ep.overlayPeer.interface} (in ${ep.overlayPeer.namespace})`
        : n.parent && ep.containerInterface
          ? `${ep.containerInterface} → parent ${n.parent}`
          : ep.containerInterface ?? '';
    // docker_gwbridge: the engine lists these under the network, not the container; the kernel shows them
    const seen = ep.source === 'kernel' ? '  (from the kernel)' : '';
    out.push(`│  ├─ ${endpointName(ep.containerId, ep.containerName)}  ${ips}  ${ep.mac ?? ''}  ${cable}${seen}`.trimEnd());
    // Docker adds the container's short id as an alias on user networks; only the chosen ones say something.
    const aliases = ep.aliases.filter((a) => a !== ep.containerId.slice(0, 12));
    if (aliases.length) out.push(`│  │    aliases: ${aliases.join(', ')}`);
    if (ep.links.length) out.push(`│  │    links: ${ep.links.join(', ')}`);
  }
  return out;
}

/** The built-in networks first, as `docker network ls` users know them, then by name. */
function sortNetworks(networks: readonly NetworkNode[]): NetworkNode[] {
  const rank = (n: NetworkNode): number => (n.name === 'bridge' ? 0 : n.name === 'host' ? 1 : n.name === 'none' ? 2 : 3);
  return [...networks].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function fmtFlag(v: boolean | null): string {
  return v === null ? 'unknown' : v ? '1' : '0';
}
