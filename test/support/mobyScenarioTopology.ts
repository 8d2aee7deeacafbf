/**
 * A Topology for the scenarios Docker's own firewall docs were generated from (moby/moby
 * integration/network/bridge/*doc): bridge `bridge1` 192.0.2.0/24 with container c1 192.0.2.2
 * publishing 8080→80 (or the internal networks bridgeICC 192.0.2.0/24 / bridgeNoICC
 * 198.51.100.0/24), docker0 172.17.0.0/16, and an uplink eth0 203.0.113.1/24 for "outside" peers.
 * Only addresses and names come from the scenario; the shape is the model's own. Each container
 * runs a server on tcp/80 (the scenario's own choice, so a trace can end in a socket): the model
 * knows its listening sockets, as a snapshot reads them.
 */
import type { ContainerNode, HostInterfaceNode, NetworkNode, Publish, Topology } from '../../src/core/model/types';
import type { Route } from '../../src/core/host/types';
import type { Ruleset } from '../../src/core/netfilter/types';
import { known } from '../../src/core/known';

export interface ScenarioNet {
  readonly name: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly icc?: boolean;
  readonly internal?: boolean;
  readonly containers: readonly { readonly name: string; readonly ip: string }[];
}

const route = (dst: string, dev: string, gateway: string | null = null, table = 'main'): Route => ({
  dst, gateway, dev, protocol: 'kernel', scope: gateway ? null : 'link', prefsrc: null, metric: null, table, type: 'unicast', family: 'inet', flags: [],
});

function hostIf(name: string, kind: HostInterfaceNode['kind'], index: number, cidr: string | null, master: string | null, peerContainerId: string | null = null): HostInterfaceNode {
  const [address, len] = cidr ? (cidr.split('/') as [string, string]) : [null, null];
  return {
    name, index, kind, master, addresses: address ? [address] : [],
    addressDetails: address ? [{ family: 'inet', address, prefixLen: Number(len), scope: 'global', broadcast: null }] : [],
    mac: null, mtu: 1500, state: 'UP', peer: null, peerContainerId, peerNetns: null, parent: null, dockerNetworkId: null, details: {},
  };
}

export function mobyScenarioTopology(ruleset: Ruleset, nets: readonly ScenarioNet[], opts: { publishes?: readonly Publish[]; sysctls?: Record<string, string> } = {}): Topology {
  const all: ScenarioNet[] = [{ name: 'bridge', subnet: '172.17.0.0/16', gateway: '172.17.0.1', containers: [] }, ...nets];
  let index = 10;
  const interfaces: HostInterfaceNode[] = [hostIf('lo', 'loopback', 1, '127.0.0.1/8', null), hostIf('eth0', 'physical', 2, '203.0.113.1/24', null)];
  const routes: Route[] = [route('default', 'eth0', '203.0.113.254'), route('203.0.113.0/24', 'eth0')];
  const networks: NetworkNode[] = [];
  const containers: ContainerNode[] = [];
  for (const n of all) {
    const bridge = n.name === 'bridge' ? 'docker0' : n.name;
    const len = Number(n.subnet.split('/')[1]);
    interfaces.push(hostIf(bridge, 'bridge', index++, `${n.gateway}/${len}`, null));
    routes.push(route(n.subnet, bridge));
    const endpoints = n.containers.map((c) => {
      const id = `${c.name}`.padEnd(64, '0');
      const veth = `veth-${c.name}`;
      interfaces.push(hostIf(veth, 'veth', index++, null, bridge, id));
      containers.push({
        id, name: c.name, image: 'busybox', state: 'running', status: 'Up', networkMode: n.name, sharesNetnsWith: null, pid: 1000 + index, labels: {}, ports: [], mounts: [], networks: [n.name],
        interfaces: [{ name: 'eth0', index: 2, mac: null, addresses: [{ family: 'inet', address: c.ip, prefixLen: len, scope: 'global', broadcast: null }], kind: 'veth', hostPeer: veth, hostPeerIndex: index - 1, bridge }],
        routes: [route(n.subnet, 'eth0'), ...(n.internal ? [] : [route('default', 'eth0', n.gateway)])],
        neighbours: [], defaultGateway: n.internal ? null : n.gateway,
        listeners: known([{ protocol: 'tcp', family: 'inet', address: '0.0.0.0', port: 80 }]),
      });
      return {
        containerId: id, containerName: c.name, networkId: n.name, networkName: n.name, ipv4: c.ip, ipv4PrefixLen: len, ipv6: null, mac: null,
        gateway: n.internal ? null : n.gateway, aliases: [], links: [], containerInterface: 'eth0', hostVeth: veth, hostVethIndex: index - 1,
      };
    });
    networks.push({
      id: n.name, name: n.name, driver: 'bridge', scope: 'local', bridge, bridgePresent: true, subnets: [n.subnet], gateways: [n.gateway], internal: n.internal ?? false,
      attachable: false, ingress: false, enableIPv6: false, icc: n.icc ?? true, masquerade: true, mtu: null, parent: null, options: {}, labels: {}, natRules: [], endpoints,
    });
  }
  return {
    schema: 1,
    collectedAt: '2025-08-20T00:00:00Z',
    engine: {
      endpoint: { kind: 'unix', url: 'unix:///var/run/docker.sock', source: 'default' }, name: 'moby-doc', version: ruleset.origin, apiVersion: '', os: 'linux', kernelVersion: '',
      storageDriver: 'overlay2', firewallBackend: null, swarm: { state: 'inactive', nodeAddr: null }, containerdImageStore: false,
    },
    networks, containers, volumes: [],
    host: {
      target: 'local', hostname: 'moby-doc', interfaces, routes, ipForward: true, bridgeNfCallIptables: true, namedNetns: [],
      firewall: { backend: 'iptables', iptablesVersion: null, ipv4: ruleset, ipv6: null },
      sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1', ...(opts.sysctls ?? {}) },
    },
    publishes: opts.publishes ?? [],
    gaps: [],
    stats: { apiCalls: 0, shellRoundTrips: 0, collectMs: 0 },
  };
}

/** c1's publish 8080→80 as the docs create it; the proxy is left out (traffic from outside never uses it). */
export function c1Publish(): Publish {
  return { containerId: 'c1'.padEnd(64, '0'), containerName: 'c1', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '192.0.2.2', containerPort: 80, protocol: 'tcp', dnatRule: null, filterRule: null, proxy: null };
}
