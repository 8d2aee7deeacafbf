/**
 * One snapshot of the host's kernel view: every host command runs in one script over one
 * `shell.run` (one SSH round trip on a remote host), and every fact is parsed on its own so a
 * missing tool, a permission error or output we have never seen leaves just that fact unknown,
 * with the reason, while the rest of HostFacts stands.
 */
import type { Known } from '../known';
import { known, unknown } from '../known';
import { errorMessage, isNetlensError } from '../errors';
import { runBatch, runSection, sectionFailure } from './batch';
import type { BatchCommand, BatchSection } from './batch';
import type { HostShell } from './shell';
import type { BridgePort, HostFacts, NetInterface } from './types';
import { ipAddrCommand, parseIpAddrOutput } from './commands/ipAddr';
import { parseIpAddrText } from './commands/ipAddrText';
import { ipRouteCommand, parseIpRouteOutput } from './commands/ipRoute';
import { parseRouteN } from './commands/routeN';
import { ipNeighCommand, parseIpNeighOutput } from './commands/ipNeigh';
import { bridgeLinkCommand, parseBridgeLinkOutput } from './commands/bridgeLink';
import { parseBrctlShow } from './commands/brctlShow';
import { hostnameCommand, kernelReleaseOf } from './commands/hostname';
import { ip6tablesSaveCommand, iptablesSaveCommand } from './commands/iptablesSave';
import { iptablesVersionCommand } from './commands/iptablesVersion';
import { nftRulesetCommand } from './commands/nftRuleset';
import { parseSysctls, sysctlsCommand } from './commands/sysctls';
import { namedNetnsCommand, parseNamedNetns } from './commands/namedNetns';
import { parseDockerProxies, parseProcesses, containerNetnsCommand, containerNetnsCommandWith, proxiesInShellNetns } from './commands/containerNamespaces';
import { containerListenersCommand, parseContainerListeners } from './commands/containerListeners';
import type { ListenerTarget } from './commands/containerListeners';
import type { Listener } from './types';
import { parseContainerNetns } from './commands/containerNetns';
import { attempt } from './commands/netnsBatch';
import { hostListenersCommand, listenersFromTables } from './commands/procNetSockets';
import { DOCKER_NETNS_DIR, dockerNetnsCommand, parseDockerNetns, withHostNetnsIds } from './commands/dockerNetns';
import { parseRootlessKit, rootlessKitCommand, rootlessKitOfShell } from './commands/rootlessKit';

export const HOST_COMMANDS: readonly BatchCommand[] = [
  hostnameCommand,
  ipAddrCommand,
  ipRouteCommand,
  ipNeighCommand,
  bridgeLinkCommand,
  iptablesSaveCommand,
  ip6tablesSaveCommand,
  nftRulesetCommand,
  iptablesVersionCommand,
  sysctlsCommand,
  namedNetnsCommand,
  dockerNetnsCommand,
  containerNetnsCommand,
  hostListenersCommand,
  rootlessKitCommand,
];

/** A section's fact: unknown with the section's failure, or what `parse` makes of it. */
function fact<T>(sections: ReadonlyMap<string, BatchSection>, name: string, parse: (s: BatchSection) => T): Known<T> {
  const s = sections.get(name);
  if (!s) return unknown(`${name}: not run`);
  const failure = sectionFailure(name, s);
  if (failure) return unknown(failure);
  try {
    return known(parse(s));
  } catch (e) {
    return unknown(errorMessage(e));
  }
}

function textPart(s: BatchSection): string | null {
  return s.parts.find((p) => p.name === 'text')?.text ?? null;
}

function bridgePortsFromBrctl(text: string, interfaces: Known<readonly NetInterface[]>): BridgePort[] {
  const index = new Map((interfaces.known ? interfaces.value : []).map((i) => [i.name, i.index]));
  return parseBrctlShow(text).flatMap((b) =>
    // brctl gives no port state; ifindex comes from the interface list (-1 where that is unknown)
    b.interfaces.map((ifname) => ({ ifname, ifindex: index.get(ifname) ?? -1, master: b.bridge, state: 'unknown', hairpin: null })),
  );
}

/** Host facts of a shell that failed or must not be joined: every fact unknown for one reason. */
export function failedHostFacts(target: string, transport: HostFacts['transport'], shellError: NonNullable<HostFacts['shellError']>, reason: string, elapsedMs: number): HostFacts {
  const u = unknown(reason);
  return {
    target,
    transport,
    hostname: u,
    kernelRelease: u,
    interfaces: u,
    routes: u,
    neighbours: u,
    bridgePorts: u,
    iptablesSave: u,
    ip6tablesSave: u,
    nftRuleset: u,
    iptablesVersion: u,
    sysctls: u,
    namedNetns: u,
    listeners: u,
    dockerNetns: u,
    dockerProxies: u,
    rootlessKit: u,
    containerNetns: u,
    shellError,
    roundTrips: 1,
    elapsedMs,
  };
}

export interface CollectOptions {
  readonly signal?: AbortSignal;
  /**
   * Read who listens in every container namespace (default true). A refresh passes false: each
   * namespace's socket tables cost the kernel a scan of its whole TCP and UDP hashes, and those
   * containers' listeners are then unknown with LISTENERS_NOT_READ until collectContainerListeners.
   */
  readonly containerListeners?: boolean;
}

/** HOST_COMMANDS, with or without every container's socket tables. */
export function hostCommands(opts: { readonly containerListeners: boolean }): readonly BatchCommand[] {
  if (opts.containerListeners) return HOST_COMMANDS;
  const fast = containerNetnsCommandWith({ containerSockets: false });
  return HOST_COMMANDS.map((c) => (c === containerNetnsCommand ? fast : c));
}

export async function collectHostFacts(shell: HostShell, options: CollectOptions = {}): Promise<HostFacts> {
  const started = performance.now();
  let sections: ReadonlyMap<string, BatchSection>;
  try {
    sections = (await runBatch(shell, hostCommands({ containerListeners: options.containerListeners ?? true }), options.signal)).sections;
  } catch (e) {
    // The transport itself failed (SSH refused, aborted): every fact is unknown for that one reason.
    if (options.signal?.aborted) throw e;
    const shellError = isNetlensError(e)
      ? { code: e.code, message: e.message, ...(e.tried ? { tried: e.tried } : {}) }
      : { code: 'SHELL' as const, message: errorMessage(e) };
    return failedHostFacts(shell.target, shell.transport, shellError, `host shell ${shell.target} failed (${shellError.code}): ${shellError.message}`, performance.now() - started);
  }

  const interfaces = fact(sections, 'ip-addr', (s) => {
    const text = textPart(s);
    return text !== null ? parseIpAddrText(text) : parseIpAddrOutput(s.stdout);
  });
  const processes = fact(sections, 'container-netns', (s) => parseProcesses(s.stdout));
  const processSection = sections.get('container-netns');
  const routes = fact(sections, 'ip-route', (s) => {
    const text = textPart(s);
    return text !== null ? parseRouteN(text) : parseIpRouteOutput(s.stdout);
  });
  const neighbours = fact(sections, 'ip-neigh', (s) => parseIpNeighOutput(s.stdout));
  const rootlessKit = fact(sections, 'rootlesskit', (s) => rootlessKitOfShell(parseRootlessKit(s)));
  const listeners = fact(sections, 'listeners', (s) => listenersFromTables(s.stdout, '/proc/self/net/{tcp,tcp6,udp,udp6} of the host'));
  // a container on --network host is in the host's namespace: its facts are the host's
  const hostNetns = { interfaces, routes, neighbours, listeners };
  return {
    target: shell.target,
    transport: shell.transport,
    ...(shell.transport === 'local' && shell.prefix?.length ? { enter: [...shell.prefix] } : {}),
    hostname: fact(sections, 'hostname', (s) => s.stdout.trim()),
    ...kernelReleaseOf(sections.get('hostname')),
    interfaces,
    routes,
    neighbours,
    bridgePorts: fact(sections, 'bridge-link', (s) => {
      const text = textPart(s);
      return text !== null ? bridgePortsFromBrctl(text, interfaces) : parseBridgeLinkOutput(s.stdout);
    }),
    iptablesSave: fact(sections, 'iptables-save', (s) => s.stdout),
    ip6tablesSave: fact(sections, 'ip6tables-save', (s) => s.stdout),
    nftRuleset: fact(sections, 'nft-ruleset', (s) => s.stdout),
    iptablesVersion: fact(sections, 'iptables-version', (s) => s.stdout.trim()),
    sysctls: fact(sections, 'sysctls', (s) => parseSysctls(s.stdout)),
    // the machine's named namespaces are not RootlessKit's namespace's; its own would live in its mount namespace
    namedNetns:
      rootlessKit.known && rootlessKit.value
        ? unknown("named network namespaces of RootlessKit's mount namespace are not read; /var/run/netns is the machine's, not the rootless engine's host's")
        : fact(sections, 'netns', parseNamedNetns),
    listeners,
    // /var/run/docker/netns is the machine's rootful engine's; a rootless one keeps its namespaces under its own exec root, in RootlessKit's mount namespace
    dockerNetns:
      rootlessKit.known && rootlessKit.value
        ? unknown(`rootless Docker keeps its own namespaces (overlay, ingress) under its exec root in RootlessKit's mount namespace, which netlens does not read; ${DOCKER_NETNS_DIR} is the machine's rootful engine's`)
        : fact(sections, 'docker-netns', (s) => withHostNetnsIds(parseDockerNetns(s), interfaces.known ? interfaces.value : [])),
    rootlessKit,
    dockerProxies: processes.known ? attempt(() => proxiesInShellNetns(parseDockerProxies(processes.value), processSection?.parts ?? [])) : processes,
    containerNetns: processes.known && processSection ? attempt(() => parseContainerNetns(processSection.parts, hostNetns)) : unknown(processes.known ? 'container-netns: not run' : processes.reason),
    roundTrips: shell.runsPerRun ?? 1,
    elapsedMs: performance.now() - started,
  };
}

/**
 * The listeners of the given container namespaces, in one round trip (see
 * commands/containerListeners.ts); a failing shell leaves each unknown with its reason.
 */
export async function collectContainerListeners(shell: HostShell, targets: readonly ListenerTarget[], signal?: AbortSignal): Promise<Record<string, Known<readonly Listener[]>>> {
  if (targets.length === 0) return {};
  const run = await runSection(shell, containerListenersCommand(targets), signal);
  const parsed = 'failure' in run ? unknown(run.failure) : attempt(() => parseContainerListeners(run.section, targets));
  return parsed.known ? parsed.value : Object.fromEntries(targets.map((t) => [t.containerId, unknown(parsed.reason)]));
}
