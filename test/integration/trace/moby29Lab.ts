/**
 * The host a moby/moby firewall document describes (integration/network/bridge/*doc/generated/*.md,
 * kept under test/fixtures/netfilter/moby-v29.7.2-*), built for real in network namespaces of this
 * suite's own, so the kernel — not a reading of the rules — says what Docker 29's ruleset does:
 *
 * - `nl29-host`: the Docker host. Bridges with the document's names and addresses (docker0
 *   172.17.0.1/16 as every document has it, bridge1 192.0.2.1/24 …), `eth0` 203.0.113.1/24 as its
 *   uplink, ip_forward=1, and the document's ruleset loaded with `nft -f` (or `iptables-restore`).
 * - `nl29-<container>`: one netns per container, eth0 with the document's address and a MAC of the
 *   scheme Docker used before 26 (02:42 + the IPv4 address), default route via the bridge (none on
 *   --internal networks), and busybox httpd bound to its address on ports 80 and 81.
 * - `nl29-out`: "outside", joined to nl29-host's eth0 by a veth, 203.0.113.50/24, with routes to the
 *   container subnets via 203.0.113.1 (a neighbour on the host's LAN can always send those) and its
 *   own httpd on 203.0.113.50:80.
 * - the userland proxy, where the document runs the daemon with it: the real `docker-proxy` binary of
 *   Debian's docker.io, started in nl29-host with the flags Docker 29 passes it.
 *
 * netlens then reads that host as it reads any: its host batch runs INSIDE nl29-host (a local shell
 * through `nsenter --net=`), so interfaces, routes, sysctls, listeners and `nft -j list ruleset` come
 * from the kernel. The engine side is what `docker network inspect` / `docker ps` would say for the
 * document's setup commands. Everything is named `nl29-*`; `down()` removes it and tolerates what a
 * crashed run left.
 */
import { createHash } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { known } from '../../../src/core/known';
import { hostFactsIn } from '../../support/netnsHost';
import { buildTopology } from '../../../src/core/model/build';
import { hostRulesets } from '../../../src/core/session';
import type { ContainerNetns, HostFacts } from '../../../src/core/host/types';
import type { DockerContainer, DockerNetwork, EngineFacts } from '../../../src/core/docker/types';
import type { Gap, Topology } from '../../../src/core/model/types';
import { fixtureText, type Layout } from '../../support/netfilterFixtures';

export const HOST_NS = 'nl29-host';
export const OUT_NS = 'nl29-out';
export const HOST_UPLINK = { dev: 'eth0', ip: '203.0.113.1', prefix: 24 } as const;
export const OUT_IP = '203.0.113.50';
export const PAGE = 'netlens nl29 page';
const PREFIX = 'nl29-';
const WWW = '/tmp/nl29-www';
const DOCKER_PROXY = '/usr/sbin/docker-proxy';

export interface LabContainer {
  readonly name: string;
  readonly ip: string;
}

export interface LabNet {
  /** the docker network's name (the bridge is named by com.docker.network.bridge.name, as the documents do) */
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly icc?: boolean;
  readonly internal?: boolean;
  readonly gatewayMode?: 'nat' | 'routed' | 'nat-unprotected';
  readonly containers: readonly LabContainer[];
}

export interface LabPublish {
  readonly container: string;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

export interface LabSpec {
  readonly layout: Extract<Layout, 'moby-v29.7.2-nftables' | 'moby-v29.7.2-iptables'>;
  /** the document's file name without .md, which is also the fixture's */
  readonly doc: string;
  readonly nets: readonly LabNet[];
  /** `docker run -p` of the document */
  readonly publishes: readonly LabPublish[];
  /** the daemon runs docker-proxy for the publishes (its default; off in the routed and nat-unprotected documents) */
  readonly userlandProxy: boolean;
}

/** docker0 as Docker 29 creates it on a new daemon (new-daemon.md): present in every document, with no container. */
const DOCKER0: LabNet = { name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', containers: [] };

export function nsOf(container: string): string {
  return `${PREFIX}${container}`;
}

const hex64 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** 02:42 followed by the IPv4 address, the MAC scheme of Docker before 26 — any fixed MAC would do, the engine side must name it. */
export function macOf(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

export function run(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function attempt(cmd: string, args: readonly string[], timeoutMs = 10_000): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** argv that runs `argv` inside netns `ns` (nsenter, so /sys stays the host's and nothing is remounted). */
export function inNs(ns: string, argv: readonly string[]): [string, string[]] {
  return ['nsenter', [`--net=/run/netns/${ns}`, ...argv]];
}

function nsExec(ns: string, argv: readonly string[], input?: string): string {
  const [cmd, args] = inNs(ns, argv);
  return run(cmd, args, input);
}

function ourNamespaces(): string[] {
  const r = attempt('ip', ['-json', 'netns', 'list']);
  if (r.code !== 0 || !r.out.trim()) return [];
  return (JSON.parse(r.out) as { name: string }[]).map((n) => n.name).filter((n) => n.startsWith(PREFIX));
}

/** Removes every nl29-* namespace, first ending the processes that live in them (this suite's, from this or a crashed run). */
export function down(): void {
  for (const ns of ourNamespaces()) {
    const pids = attempt('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const ns of ourNamespaces()) attempt('ip', ['netns', 'del', ns]);
  rmSync(WWW, { recursive: true, force: true });
}

export interface RunningLab {
  readonly spec: LabSpec;
  /** netlens's model of nl29-host, read from the kernel inside it */
  snapshot(): Promise<{ topology: Topology; host: HostFacts }>;
  /** ends the lab's processes (by their pids) and removes its namespaces */
  stop(): void;
}

async function waitForListener(ns: string, addr: string, port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const [cmd, args] = inNs(ns, ['ss', '-Hltn']);
    const out = attempt(cmd, args).out;
    if (out.split('\n').some((l) => l.includes(`${addr}:${port} `) || l.includes(`*:${port} `) || l.includes(`[::]:${port} `))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${addr}:${port} in ${ns} after 5 s`);
}

/** The document's ruleset, loaded the way the document's daemon left it. */
function loadRuleset(spec: LabSpec): void {
  if (spec.layout === 'moby-v29.7.2-nftables') {
    // Adapted, as capture-moby-nft.sh does: nft 1.0.6 (Debian 12) accepts the name `dstnat` only on
    // the prerouting hook; the document prints it for the output hook too, where it stands for the
    // same priority, -100. Nothing else is changed.
    const text = fixtureText(spec.layout, `${spec.doc}.nft`).replace(/hook output priority dstnat;/g, 'hook output priority -100;');
    nsExec(HOST_NS, ['nft', '-f', '-'], text);
  } else {
    // the document's `iptables -S` per table, as an iptables-save file (extract-moby.mjs); unchanged
    nsExec(HOST_NS, ['iptables-restore'], fixtureText(spec.layout, `${spec.doc}.rules`));
  }
}

export async function up(spec: LabSpec): Promise<RunningLab> {
  down();
  const nets = [DOCKER0, ...spec.nets];
  const children: ChildProcess[] = [];
  const spawnIn = (ns: string, argv: readonly string[], signalFd = false): ChildProcess => {
    const [cmd, args] = inNs(ns, argv);
    const child = spawn(cmd, args, { stdio: signalFd ? ['ignore', 'ignore', 'ignore', 'pipe'] : 'ignore' });
    children.push(child);
    return child;
  };
  const stop = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    down();
  };
  try {
    mkdirSync(WWW, { recursive: true });
    writeFileSync(`${WWW}/index.html`, `${PAGE}\n`);
    const h = (...a: string[]) => run('ip', ['-n', HOST_NS, ...a]);
    run('ip', ['netns', 'add', HOST_NS]);
    h('link', 'set', 'lo', 'up');
    // Docker turns forwarding on; br_netfilter is loaded on this machine and a new namespace starts
    // with bridge-nf-call-iptables=1, which Docker also sets (ICC off relies on it): written anyway.
    nsExec(HOST_NS, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables']);
    const pids = new Map<string, number>();
    for (const n of nets) {
      const len = n.subnet.split('/')[1]!;
      h('link', 'add', n.bridge, 'type', 'bridge');
      h('addr', 'add', `${n.gateway}/${len}`, 'dev', n.bridge);
      h('link', 'set', n.bridge, 'up');
      for (const c of n.containers) {
        const ns = nsOf(c.name);
        const veth = `veth-${c.name}`;
        run('ip', ['netns', 'add', ns]);
        h('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
        h('link', 'set', veth, 'master', n.bridge, 'up');
        const c1 = (...a: string[]) => run('ip', ['-n', ns, ...a]);
        c1('link', 'set', 'eth0', 'address', macOf(c.ip));
        c1('addr', 'add', `${c.ip}/${len}`, 'dev', 'eth0');
        c1('link', 'set', 'eth0', 'up');
        c1('link', 'set', 'lo', 'up');
        if (!n.internal) c1('route', 'add', 'default', 'via', n.gateway);
        for (const port of [80, 81]) {
          const child = spawnIn(ns, ['busybox', 'httpd', '-f', '-p', `${c.ip}:${port}`, '-h', WWW]);
          if (port === 80 && child.pid) pids.set(c.name, child.pid);
        }
      }
    }
    run('ip', ['netns', 'add', OUT_NS]);
    h('link', 'add', HOST_UPLINK.dev, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUT_NS);
    h('addr', 'add', `${HOST_UPLINK.ip}/${HOST_UPLINK.prefix}`, 'dev', HOST_UPLINK.dev);
    h('link', 'set', HOST_UPLINK.dev, 'up');
    const o = (...a: string[]) => run('ip', ['-n', OUT_NS, ...a]);
    o('addr', 'add', `${OUT_IP}/24`, 'dev', 'eth0');
    o('link', 'set', 'eth0', 'up');
    o('link', 'set', 'lo', 'up');
    for (const n of spec.nets) o('route', 'add', n.subnet, 'via', HOST_UPLINK.ip);
    spawnIn(OUT_NS, ['busybox', 'httpd', '-f', '-p', `${OUT_IP}:80`, '-h', WWW]);
    loadRuleset(spec);
    const proxyPids = new Set<number>();
    if (spec.userlandProxy) {
      for (const p of spec.publishes) {
        const c = spec.nets.flatMap((n) => n.containers).find((x) => x.name === p.container)!;
        // the flags moby's portmapper/proxy_linux.go passes (Docker 29 adds -use-listen-fd, which
        // only hands over a socket the daemon opened; this docker-proxy opens its own). fd 3 is the
        // pipe on which it tells its parent it started, as dockerd gives it: without one, closing
        // "fd 3" would close its own listening socket.
        const child = spawnIn(HOST_NS, [DOCKER_PROXY, '-proto', 'tcp', '-host-ip', p.hostIp, '-host-port', String(p.hostPort), '-container-ip', c.ip, '-container-port', String(p.containerPort)], true);
        if (child.pid) proxyPids.add(child.pid);
        await waitForListener(HOST_NS, p.hostIp, p.hostPort);
      }
    }
    for (const n of spec.nets) for (const c of n.containers) for (const port of [80, 81]) await waitForListener(nsOf(c.name), c.ip, port);
    await waitForListener(OUT_NS, OUT_IP, 80);
    const engine = engineFacts(spec);
    return {
      spec,
      stop,
      snapshot: () => snapshot(spec, engine, pids, proxyPids),
    };
  } catch (e) {
    stop();
    throw e;
  }
}

async function snapshot(spec: LabSpec, engine: EngineFacts, pids: ReadonlyMap<string, number>, proxyPids: ReadonlySet<number>): Promise<{ topology: Topology; host: HostFacts }> {
  const facts = await hostFactsIn(HOST_NS);
  if (!facts.namedNetns.known) throw new Error(`named netns unknown: ${facts.namedNetns.reason}`);
  // A container here is a named netns; on a Docker host the batch finds its namespace through the
  // container's shim process instead. The batch read each one (interfaces, routes, sockets) all the
  // same: hand them to the model as the containers' namespaces.
  const named = facts.namedNetns.value;
  const containerNetns: Record<string, ContainerNetns> = {};
  for (const c of spec.nets.flatMap((n) => n.containers)) {
    const ns = named.find((n) => n.name === nsOf(c.name));
    if (!ns) throw new Error(`the batch did not read netns ${nsOf(c.name)}`);
    containerNetns[containerId(c.name)] = { containerId: containerId(c.name), pid: pids.get(c.name) ?? 0, interfaces: ns.interfaces, routes: ns.routes, neighbours: ns.neighbours, ...(ns.listeners ? { listeners: ns.listeners } : {}) };
  }
  // The PID namespace is this machine's: the process list also shows other engines' docker-proxy
  // processes, which serve other network namespaces. Only the lab's own serve nl29-host.
  const proxies = facts.dockerProxies.known ? facts.dockerProxies.value.filter((p) => proxyPids.has(p.pid)) : [];
  const host: HostFacts = {
    ...facts,
    // the lab's "outside" stays a named netns (the trace can follow a packet into it); nl29-host is
    // the host itself, and the other namespaces on this machine are no part of the document's host
    namedNetns: known(named.filter((n) => n.name === OUT_NS)),
    containerNetns: known(containerNetns),
    dockerProxies: known(proxies),
  };
  const gaps: Gap[] = [];
  const rules = hostRulesets(host, gaps);
  const topology = buildTopology({ engine, host, ipv4Rules: rules.ipv4, ipv6Rules: rules.ipv6, rulesGaps: gaps });
  return { topology, host };
}

export function containerId(name: string): string {
  return hex64(`nl29 container ${name}`);
}

/** What the engine would report for the document's `docker network create` / `docker run` commands. */
export function engineFacts(spec: LabSpec): EngineFacts {
  const nets = [DOCKER0, ...spec.nets];
  const networks: DockerNetwork[] = nets.map((n) => ({
    id: hex64(`nl29 network ${n.name}`),
    name: n.name,
    driver: 'bridge',
    scope: 'local',
    internal: n.internal ?? false,
    attachable: false,
    ingress: false,
    enableIPv6: false,
    ipam: { driver: 'default', config: [{ subnet: n.subnet, gateway: n.gateway, ipRange: null }] },
    options: {
      'com.docker.network.bridge.name': n.bridge,
      ...(n === DOCKER0 ? { 'com.docker.network.bridge.default_bridge': 'true' } : {}),
      ...(n.icc === false ? { 'com.docker.network.bridge.enable_icc': 'false' } : {}),
      ...(n.gatewayMode ? { 'com.docker.network.bridge.gateway_mode_ipv4': n.gatewayMode } : {}),
    },
    labels: {},
    created: '2025-01-01T00:00:00Z',
  }));
  const containers: DockerContainer[] = spec.nets.flatMap((n) =>
    n.containers.map((c) => ({
      id: containerId(c.name),
      name: c.name,
      image: 'busybox',
      imageId: '',
      command: 'httpd',
      created: 0,
      state: 'running',
      status: 'Up',
      networkMode: n.name,
      labels: {},
      // routed mode has no host port: moby's routed port mapper drops it ("Host port ignored,
      // because NAT is disabled"), so the container's port is only exposed
      ports: spec.publishes
        .filter((p) => p.container === c.name)
        .map((p) => (n.gatewayMode === 'routed' ? { hostIp: null, hostPort: null, containerPort: p.containerPort, protocol: 'tcp' as const } : { hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: 'tcp' as const })),
      mounts: [],
      endpoints: [
        {
          networkName: n.name,
          networkId: hex64(`nl29 network ${n.name}`),
          endpointId: hex64(`nl29 endpoint ${c.name}`),
          ipv4: c.ip,
          ipv4PrefixLen: Number(n.subnet.split('/')[1]),
          ipv6: null,
          ipv6PrefixLen: null,
          gateway: n.internal ? null : n.gateway,
          ipv6Gateway: null,
          mac: macOf(c.ip),
          aliases: [],
          links: [],
        },
      ],
    })),
  );
  return {
    info: {
      endpoint: { kind: 'unix', url: 'unix:///run/nl29/docker.sock', source: 'option' },
      name: HOST_NS,
      version: `${spec.layout} lab (moby docs ${spec.doc})`,
      apiVersion: '1.52',
      os: 'linux',
      kernelVersion: '',
      storageDriver: 'overlay2',
      firewallBackend: spec.layout === 'moby-v29.7.2-nftables' ? 'nftables' : 'iptables',
      swarm: { state: 'inactive', nodeAddr: null },
      containerdImageStore: true,
    },
    networks,
    containers,
    volumes: [],
    apiCalls: 0,
  };
}
