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
import { FIREWALL } from './kernelWatch';
import type { BridgePort, ContainerNetns, HostFacts, NetInterface } from './types';
import { ipAddrCommand, parseIpAddrOutput } from './commands/ipAddr';
import { ipHostCommand } from './commands/ipHost';
import { parseIpAddrText } from './commands/ipAddrText';
import { ipRouteCommand, parseIpRouteOutput } from './commands/ipRoute';
import { parseRouteN } from './commands/routeN';
import { ipNeighCommand, parseIpNeighOutput } from './commands/ipNeigh';
import { bridgePortsOfInterfaces, parseBridgeLinkOutput } from './commands/bridgeLink';
import { parseBrctlShow } from './commands/brctlShow';
import { hostnameCommand, kernelReleaseOf } from './commands/hostname';
import { ip6tablesSaveCommand, iptablesSaveCommand } from './commands/iptablesSave';
import { iptablesVersionCommand } from './commands/iptablesVersion';
import { nftRulesetCommand, nftRulesetText } from './commands/nftRuleset';
import { parseSysctls, sysctlsCommand } from './commands/sysctls';
import { namedNetnsCommand, parseNamedNetns } from './commands/namedNetns';
import { parseDockerProxies, parseProcesses, containerNetnsCommand, containerNetnsCommandWith, containerNetnsUnchangedCommand, proxiesInShellNetns } from './commands/containerNamespaces';
import { LISTENERS_NOT_READ, containerListenersCommand, parseContainerListeners } from './commands/containerListeners';
import type { ListenerTarget } from './commands/containerListeners';
import type { Listener } from './types';
import { joinHostNetns, readContainerNetns } from './commands/containerNetns';
import { attempt } from './commands/netnsBatch';
import { keepableNamespaces, keptCount, namespaceNsids, spliceKeptNamespaces, unchangedCheck, withoutSocketRecords } from './commands/keptNamespaces';
import { hostListenersCommand, listenersFromTables } from './commands/procNetSockets';
import { containerNatCommand, parseContainerNat } from './commands/containerNat';
import { DOCKER_NETNS_DIR, dockerNetnsCommand, parseDockerNetns, withHostNetnsIds } from './commands/dockerNetns';
import { parseRootlessKit, rootlessKitCommand, rootlessKitCommandAfter, rootlessKitOfShell } from './commands/rootlessKit';
import { monotonicMs } from '../clock';

/**
 * A whole read runs in two lanes (batch.ts): the container namespaces and then the host's
 * interfaces, routes and neighbours in the first, their output parsed as it comes; the other host
 * sections beside them in the second, their output held until the first lane is out. What the
 * first lane prints is most of the read (at 100 containers some 220 KB of namespaces and 230 KB of
 * ip's JSON, against 16 KB for all the rest), and a lane's held output costs the shell that holds
 * it about 1 ms of CPU for every 16 KB (dash reads a command substitution 128 bytes at a time). A
 * read that builds on an earlier one runs in one lane.
 *
 * Two processes starting at once each start slower than alone on a small VM (50 starts took
 * 222 ms, 2 × 50 at once 537 ms, on this project's 2-core machine), and the host sections are
 * mostly process starts: in lanes of their own they cost more CPU than in turn (a read with the
 * firewall in a third lane, 280 ms of CPU for 155 ms against 165 for 150), and a refresh that keeps
 * most sections gained nothing (warm refreshes 88 ms in lanes, 61 ms in turn; after an event 110
 * and 88). The container namespaces are mostly reads of /proc and sysfs in one awk, which overlap
 * the host sections' process starts well: in paired runs of cold `topology --json`, two lanes took
 * 6 ms less at 25 containers and 15–18 ms less at 100 than one. With ip's output in the first lane
 * rather than held in the second, a cold `topology --json` took 1–2 ms less at 25 containers and
 * 14 ms less at 100.
 */
export const HOST_COMMANDS: readonly BatchCommand[] = [
  // In one lane (a read that builds on an earlier one), first the container namespaces: their
  // parse is the costliest, and runs as soon as they have come (readHost) while the sections after
  // them still run — those with little output first, so that the shell does not wait on a full
  // pipe meanwhile, the host's interfaces and routes last. A whole read keeps this order in each
  // of its lanes (hostCommands).
  containerNetnsCommand,
  hostnameCommand,
  iptablesVersionCommand,
  sysctlsCommand,
  namedNetnsCommand,
  dockerNetnsCommand,
  iptablesSaveCommand,
  ip6tablesSaveCommand,
  nftRulesetCommand,
  hostListenersCommand,
  rootlessKitCommand,
  ipNeighCommand,
  ipRouteCommand,
  ipAddrCommand,
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

/**
 * The last parse of each fact, per shell: a refresh that kept a section, or read the same text
 * again, gets the earlier parse (the same objects; facts are read-only). `deps` are the other facts
 * a parse uses, compared by identity, so a fact built on a changed one is parsed again.
 */
const parsed = new Map<string, { section: BatchSection; deps: readonly unknown[]; value: Known<unknown> }>();
const PARSED_MAX = 256;

function sameSection(a: BatchSection, b: BatchSection): boolean {
  return (
    a === b ||
    (a.code === b.code &&
      a.stdout === b.stdout &&
      a.stderr === b.stderr &&
      (a.missing ?? []).join(' ') === (b.missing ?? []).join(' ') &&
      a.parts.length === b.parts.length &&
      a.parts.every((p, i) => p.name === b.parts[i]!.name && p.text === b.parts[i]!.text))
  );
}

/** `fact`, remembered for `shellKey` and `label` (`parsed` above). */
function memoFact<T>(shellKey: string, label: string, sections: ReadonlyMap<string, BatchSection>, name: string, deps: readonly unknown[], parse: (s: BatchSection) => T): Known<T> {
  const s = sections.get(name);
  if (!s) return fact(sections, name, parse);
  const key = `${shellKey}\0${label}`;
  const m = parsed.get(key);
  if (m && sameSection(m.section, s) && m.deps.length === deps.length && m.deps.every((d, i) => d === deps[i])) return m.value as Known<T>;
  const value = fact(sections, name, parse);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(key, { section: s, deps, value });
  return value;
}

function textPart(s: BatchSection): string | null {
  return s.parts.find((p) => p.name === 'text')?.text ?? null;
}

/**
 * The facts parsed from their own section alone, no other fact going in: what hostFactsOf reads,
 * and what a cold read parses ahead, each as soon as its section has arrived (readHost), so that
 * the container namespaces' parse overlaps the host sections still running.
 */
const OWN_FACTS = {
  interfaces: {
    section: 'ip-addr',
    parse: (s: BatchSection) => {
      const text = textPart(s);
      return text !== null ? parseIpAddrText(text) : parseIpAddrOutput(s.stdout);
    },
  },
  routes: {
    section: 'ip-route',
    parse: (s: BatchSection) => {
      const text = textPart(s);
      return text !== null ? parseRouteN(text) : parseIpRouteOutput(s.stdout);
    },
  },
  neighbours: { section: 'ip-neigh', parse: (s: BatchSection) => parseIpNeighOutput(s.stdout) },
  processes: { section: 'container-netns', parse: (s: BatchSection) => parseProcesses(s.stdout) },
  containerNetnsRead: { section: 'container-netns', parse: (s: BatchSection) => readContainerNetns(s.parts) },
} as const;
type OwnFacts = typeof OWN_FACTS;

const shellKeyOf = (shell: HostShell): string => `${shell.target} ${(shell.prefix ?? []).join(' ')}`;

/** OWN_FACTS of one section that has just arrived, parsed into the memo that hostFactsOf then finds. */
function parseAhead(shell: HostShell, name: string, section: BatchSection): void {
  const single = new Map([[name, section]]);
  for (const [label, own] of Object.entries(OWN_FACTS)) if (own.section === name) memoFact<unknown>(shellKeyOf(shell), label, single, name, [], own.parse);
}

function bridgePortsFromBrctl(text: string, interfaces: Known<readonly NetInterface[]>): BridgePort[] {
  const index = new Map((interfaces.known ? interfaces.value : []).map((i) => [i.name, i.index]));
  return parseBrctlShow(text).flatMap((b) =>
    // brctl gives no port state; ifindex comes from the interface list (-1 where that is unknown)
    b.interfaces.map((ifname) => ({ ifname, ifindex: index.get(ifname) ?? -1, master: b.bridge, state: 'unknown', hairpin: null })),
  );
}

/** Bridge ports from the ip-addr section: the JSON's bridge-slave data, or brctl's list where ip printed text. */
function bridgePortsOfAddrSection(s: BatchSection, interfaces: Known<readonly NetInterface[]>): BridgePort[] {
  const brctl = s.parts.find((p) => p.name === 'brctl');
  if (brctl && s.parts.some((p) => p.name === 'brctl-failed')) throw new Error(`ip printed no JSON (ip -json -details addr) and brctl show failed: ${brctl.text.trim().split('\n')[0] ?? ''}`);
  if (brctl) return bridgePortsFromBrctl(brctl.text, interfaces);
  if (textPart(s) !== null) throw new Error('ip printed no JSON (ip -json -details addr) and brctl is not on the host: the bridge ports are not known');
  if (!interfaces.known) throw new Error(interfaces.reason);
  return bridgePortsOfInterfaces(interfaces.value);
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
   * Read who listens, in every container namespace and on the host (default true). A refresh
   * passes false: each namespace's socket tables cost the kernel a scan of its whole TCP and UDP
   * hashes (the host's too: about 9 ms here, a quarter of a quiet refresh), and those listeners are
   * then unknown with LISTENERS_NOT_READ until collectContainerListeners or collectHostListeners.
   */
  readonly containerListeners?: boolean;
}

const HOST_TABLES = '/proc/self/net/{tcp,tcp6,udp,udp6} of the host';

/** The host's listeners of a read that did not ask for them: one object, so what is parsed with it is remembered (memoFact). */
const HOST_LISTENERS_NOT_READ: Known<readonly Listener[]> = unknown(LISTENERS_NOT_READ);

/**
 * The sections a refresh after engine events keeps from the earlier read: what Docker does not
 * change when containers start, stop, connect or disconnect — the host's name and kernel, the
 * iptables build, the host's routes (a network's route comes with `network create`, which asks for
 * a whole read) and the namespaces made with `ip netns add`. Everything else is read again.
 */
export const KEPT_ON_CONTAINER_EVENTS: ReadonlySet<string> = new Set(['hostname', 'iptables-version', 'ip-route', 'netns']);

/**
 * An earlier read to build on: its sections, which of them to keep, and which container namespaces
 * to read again; the other namespaces are kept where the kernel shows the same process in the same
 * namespace (commands/keptNamespaces.ts).
 */
export interface HostReuse {
  readonly previous: ReadonlyMap<string, BatchSection>;
  /** sections to keep where the earlier read got them whole (KEPT_ON_CONTAINER_EVENTS after engine events) */
  readonly sections: ReadonlySet<string>;
  /** containers whose namespaces are read again (engine events named them) */
  readonly reread: ReadonlySet<string>;
  /**
   * Whether a namespace with this netnsid (null: none known) may be kept; absent, any may. The
   * kernel watcher vouches only for namespaces it could hear: those with an nsid, without a change.
   */
  readonly keepNsid?: (nsid: number | null) => boolean;
  /** when the earlier read's kept sections were read (ISO time), for HostFacts.kept */
  readonly since: string;
  /** the kernel watcher vouched for what is kept (HostFacts.kept.watched) */
  readonly watched?: boolean;
  /**
   * Nothing can have started or left a namespace unheard (the kernel watcher heard no link, no nsid,
   * no container namespace change, and no engine event named a container): the container-netns
   * section is first a check that each process the earlier read found is still in its namespace,
   * and the earlier read is kept whole when it is (containerNetnsUnchangedCommand). A container
   * with no link of its own (`--network none`) starts unheard: the caller reads again without this
   * when the engine runs a container the kept process table lacks (session.ts).
   */
  readonly unchangedNamespaces?: boolean;
}

/**
 * The sections the kernel watcher vouches for, each with the kinds of change (ip monitor's labels,
 * in the watcher's own namespace) after which it is read again. A link going down changes routes'
 * `linkdown` and flushes neighbours without a route or neighbour message, so LINK counts for those
 * too. The firewall's dumps count on `nft monitor` (FIREWALL), and only where what they show is
 * all in nftables' ruleset and changes only by a transaction it reports (firewallWatchable). Docker's
 * own namespaces are kept on the engine's word instead (keepDockerNetns); sysctls and named netns are
 * read every time, and so is every container namespace the watcher cannot hear (one without an
 * nsid here) or heard change.
 */
export const WATCHED_SECTIONS: ReadonlyMap<string, readonly string[]> = new Map([
  ['ip-addr', ['LINK', 'ADDR']],
  ['ip-route', ['ROUTE', 'RULE', 'NEXTHOP', 'LINK', 'ADDR']],
  ['ip-neigh', ['NEIGH', 'LINK']],
  ['iptables-save', [FIREWALL]],
  ['ip6tables-save', [FIREWALL]],
  ['nft-ruleset', [FIREWALL]],
]);

/**
 * Whether `nft monitor` hears every change of what an earlier read of this section showed:
 * iptables-save's dump only when it came through the nf_tables backend (its header says
 * `(nf_tables)`; iptables-legacy's tables tell nobody), and nftables' whole ruleset only without
 * sets whose elements the packet path adds or times out (`dynamic`, `timeout`, meters), which no
 * transaction reports. The dumps carry no counters (nft's JSON does, and they are not read).
 */
export function firewallWatchable(name: string, previous: BatchSection | undefined): boolean {
  if (name === 'iptables-save' || name === 'ip6tables-save') return !!previous && /^# Generated by ip6?tables(?:-nft)?-save v[^\n]*\(nf_tables\)/.test(previous.stdout);
  if (name === 'nft-ruleset') return !!previous && ![previous.stdout, ...previous.parts.map((p) => p.text)].some((t) => /"(?:dynamic|timeout)"|"meter"/.test(t));
  return true;
}

/**
 * `reuse` keeping Docker's own namespaces too, when the earlier read found none (no part: sandboxes
 * are not listed): for a caller that knows the engine has no overlay network, which they come with,
 * and reads them again when it has one (session.ts).
 */
export function keepDockerNetns(reuse: HostReuse): HostReuse {
  const previous = reuse.previous.get('docker-netns');
  if (!previous || sectionFailure('docker-netns', previous) !== null || previous.parts.length > 0 || previous.stdout.trim()) return reuse;
  return { ...reuse, sections: new Set([...reuse.sections, 'docker-netns']) };
}

/** What the kernel watcher heard since the last read began (kernelWatch.ts WatchWindow). */
export interface HeardChanges {
  readonly host: ReadonlySet<string>;
  readonly nsids: ReadonlySet<number>;
}

/**
 * A read built on the last one with a kernel watcher that ran, subscribed and whole, since that
 * read began: the sections it heard no change for are kept, and the container namespaces with an
 * nsid it heard nothing from, unless engine events named their container (`changed`). The host's
 * name and the iptables build are kept as after engine events (no kernel message tells of them;
 * a whole read every FULL_READ_EVERY_MS bounds that); named namespaces only after engine events,
 * as before, and only when the watcher heard no namespace that is not a container's (a named one
 * without an nsid here is not heard at all).
 */
export function watchedReuse(previous: ReadonlyMap<string, BatchSection>, heardNow: HeardChanges, changed: readonly string[] | undefined, since: string): HostReuse {
  // what was heard up to now: the watcher's window keeps growing
  const heard = { host: new Set(heardNow.host), nsids: new Set(heardNow.nsids) };
  const sections = new Set(['hostname', 'iptables-version']);
  for (const [name, kinds] of WATCHED_SECTIONS) if (!kinds.some((k) => heard.host.has(k)) && firewallWatchable(name, previous.get(name))) sections.add(name);
  const netns = previous.get('container-netns');
  const containerNsids = netns ? namespaceNsids(netns) : new Set<number>();
  if (changed && [...heard.nsids].every((n) => containerNsids.has(n))) sections.add('netns');
  const unheard = !changed?.length && heard.nsids.size === 0 && !heard.host.has('LINK') && !heard.host.has('NSID');
  return { previous, sections, reread: new Set(changed ?? []), keepNsid: (n) => n !== null && !heard.nsids.has(n), since, watched: true, ...(unheard ? { unchangedNamespaces: true } : {}) };
}

/** What ipHostCommand reads in one process, in HOST_COMMANDS' order. */
const IP_HOST: readonly BatchCommand[] = [ipNeighCommand, ipRouteCommand, ipAddrCommand];

/**
 * HOST_COMMANDS, with or without every container's socket tables, and without what `reuse` keeps;
 * the host's neighbours, routes and interfaces from one command when all three are read.
 */
export function hostCommands(opts: { readonly containerListeners: boolean; readonly reuse?: HostReuse }): readonly BatchCommand[] {
  const previousNetns = opts.reuse?.previous.get('container-netns');
  // a read that asks who listens reads every namespace: an earlier read may not have asked
  const keep = opts.reuse && previousNetns && !opts.containerListeners ? keepableNamespaces(previousNetns, opts.reuse.reread, opts.reuse.keepNsid) : [];
  const read = opts.containerListeners && keep.length === 0 ? containerNetnsCommand : containerNetnsCommandWith({ containerSockets: opts.containerListeners, keep });
  const check = opts.reuse?.unchangedNamespaces && previousNetns && !opts.containerListeners ? unchangedCheck(previousNetns) : null;
  const netns = check ? containerNetnsUnchangedCommand(check, read) : read;
  const kit = opts.reuse ? rootlessKitCommandAfter(opts.reuse.previous.get('rootlesskit')) : rootlessKitCommand;
  const each = HOST_COMMANDS.filter((c) => !(opts.reuse && keptSection(opts.reuse, c.name)) && (opts.containerListeners || c !== hostListenersCommand)).map((c) => (c === containerNetnsCommand ? netns : c === rootlessKitCommand ? kit : c));
  // neighbours, routes and interfaces all to be read: one ip process for the three (ipHost.ts)
  const together = IP_HOST.every((c) => each.includes(c));
  const commands = together ? each.flatMap((c) => (c === IP_HOST[0] ? [ipHostCommand] : IP_HOST.includes(c) ? [] : [c])) : each;
  // a whole read: the other host sections beside the namespaces and ip's (HOST_COMMANDS says why)
  return opts.reuse ? commands : commands.map((c) => (c === netns || c === ipHostCommand ? c : { ...c, lane: 1 }));
}

/** The shell may run in a RootlessKit's namespace (HostShell.rootlessKit): its processes are worth reading. */
function readsRootlessKit(shell: HostShell): boolean {
  return shell.rootlessKit === 'yes' || shell.rootlessKit === 'unknown';
}

/** A section `reuse` keeps: one it names that the earlier read got whole. */
function keptSection(reuse: HostReuse, name: string): boolean {
  const s = reuse.previous.get(name);
  return reuse.sections.has(name) && s !== undefined && sectionFailure(name, s) === null;
}

export async function collectHostFacts(shell: HostShell, options: CollectOptions = {}): Promise<HostFacts> {
  return (await readHost(shell, options)).facts;
}

/** HostFacts and the sections they came from, which a later read after engine events can build on (HostReuse). */
export async function readHost(shell: HostShell, options: CollectOptions & { readonly reuse?: HostReuse } = {}): Promise<{ facts: HostFacts; sections: ReadonlyMap<string, BatchSection> }> {
  const started = monotonicMs();
  const listenersToo = options.containerListeners ?? true;
  let sections: ReadonlyMap<string, BatchSection>;
  let kept: HostFacts['kept'];
  try {
    const commands = hostCommands({ containerListeners: listenersToo, ...(options.reuse ? { reuse: options.reuse } : {}) });
    // RootlessKit's processes cost a scan of the process table: read only where the shell may be in
    // its namespace, which the engine-namespace shell knows once it has looked (before its first run)
    const preparing = shell.prepare?.();
    if (preparing) await preparing;
    // A whole read parses each section's own facts as it arrives; a read that builds on an earlier
    // one splices its sections first, so what it parsed ahead would be parsed again.
    const ahead = options.reuse ? undefined : (name: string, section: BatchSection) => parseAhead(shell, name, section);
    const read = (await runBatch(shell, readsRootlessKit(shell) ? commands : commands.filter((c) => c.name !== rootlessKitCommand.name), options.signal, ahead)).sections;
    if (options.reuse) {
      const merged = withKept(read, options.reuse, listenersToo);
      sections = merged.sections;
      kept = merged.kept;
    } else sections = read;
  } catch (e) {
    // The transport itself failed (SSH refused, aborted): every fact is unknown for that one reason.
    if (options.signal?.aborted) throw e;
    const shellError = isNetlensError(e)
      ? { code: e.code, message: e.message, ...(e.tried ? { tried: e.tried } : {}) }
      : { code: 'SHELL' as const, message: errorMessage(e) };
    return { facts: failedHostFacts(shell.target, shell.transport, shellError, `host shell ${shell.target} failed (${shellError.code}): ${shellError.message}`, monotonicMs() - started), sections: new Map() };
  }
  return { facts: hostFactsOf(shell, sections, started, kept), sections };
}

/** The sections read now, with those `reuse` kept and the kept namespaces put back in place. */
function withKept(read: ReadonlyMap<string, BatchSection>, reuse: HostReuse, sockets: boolean): { sections: Map<string, BatchSection>; kept: NonNullable<HostFacts['kept']> } {
  const out = new Map(read);
  const keptSections: string[] = [];
  for (const [name, s] of reuse.previous) {
    if (out.has(name) || !keptSection(reuse, name)) continue;
    out.set(name, s);
    keptSections.push(name);
  }
  const now = read.get('container-netns');
  const before = reuse.previous.get('container-netns');
  let namespaces = now ? keptCount(now) : 0;
  const unchanged = !!now && !!before && now.parts.some((p) => p.name === 'unchanged');
  if (unchanged) {
    // the check held: the earlier read stands whole (as a read without sockets keeps it)
    out.set('container-netns', withoutSocketRecords(before));
    namespaces = keepableNamespaces(before, new Set()).length;
  } else if (now && before) out.set('container-netns', spliceKeptNamespaces(now, before, sockets));
  return { sections: out, kept: { since: reuse.since, sections: keptSections, namespaces, ...(reuse.watched ? { watched: true } : {}), ...(unchanged ? { processes: true } : {}) } };
}

function hostFactsOf(shell: HostShell, sections: ReadonlyMap<string, BatchSection>, started: number, kept: HostFacts['kept']): HostFacts {
  const shellKey = shellKeyOf(shell);
  const f = <T>(label: string, name: string, deps: readonly unknown[], parse: (s: BatchSection) => T): Known<T> => memoFact(shellKey, label, sections, name, deps, parse);
  const own = <K extends keyof OwnFacts>(label: K): Known<ReturnType<OwnFacts[K]['parse']>> => f(label, OWN_FACTS[label].section, [], OWN_FACTS[label].parse as (s: BatchSection) => ReturnType<OwnFacts[K]['parse']>);
  const interfaces = own('interfaces');
  const processes = own('processes');
  const processSection = sections.get('container-netns');
  const routes = own('routes');
  const neighbours = own('neighbours');
  const rootlessKit = readsRootlessKit(shell) ? f('rootlessKit', 'rootlesskit', [], (s) => rootlessKitOfShell(parseRootlessKit(s))) : known(null);
  const listeners = sections.has('listeners') ? f('listeners', 'listeners', [], (s) => listenersFromTables(s.stdout, HOST_TABLES)) : HOST_LISTENERS_NOT_READ;
  // a container on --network host is in the host's namespace: its facts are the host's
  const hostNetns = { interfaces, routes, neighbours, listeners };
  const kit = rootlessKit.known && rootlessKit.value;
  const joinedNetns = (read: Known<Record<string, ContainerNetns>>) => (read.known ? f('containerNetns', 'container-netns', [read, interfaces, routes, neighbours, listeners], () => joinHostNetns(read.value, hostNetns)) : read);
  return {
    target: shell.target,
    transport: shell.transport,
    ...(shell.transport === 'local' && shell.prefix?.length ? { enter: [...shell.prefix] } : {}),
    hostname: f('hostname', 'hostname', [], (s) => s.stdout.trim()),
    ...kernelReleaseOf(sections.get('hostname')),
    interfaces,
    routes,
    neighbours,
    bridgePorts: sections.has('bridge-link')
      ? // a run recorded before the ports were taken from ip-addr
        f('bridgePorts', 'bridge-link', [interfaces], (s) => {
          const text = textPart(s);
          return text !== null ? bridgePortsFromBrctl(text, interfaces) : parseBridgeLinkOutput(s.stdout);
        })
      : f('bridgePorts', 'ip-addr', [interfaces], (s) => bridgePortsOfAddrSection(s, interfaces)),
    iptablesSave: f('iptablesSave', 'iptables-save', [], (s) => s.stdout),
    ip6tablesSave: f('ip6tablesSave', 'ip6tables-save', [], (s) => s.stdout),
    nftRuleset: f('nftRuleset', 'nft-ruleset', [], nftRulesetText),
    iptablesVersion: f('iptablesVersion', 'iptables-version', [], (s) => s.stdout.trim()),
    sysctls: f('sysctls', 'sysctls', [], (s) => parseSysctls(s.stdout)),
    // the machine's named namespaces are not RootlessKit's namespace's; its own would live in its mount namespace
    namedNetns: kit
      ? unknown("named network namespaces of RootlessKit's mount namespace are not read; /var/run/netns is the machine's, not the rootless engine's host's")
      : f('namedNetns', 'netns', [], parseNamedNetns),
    listeners,
    // /var/run/docker/netns is the machine's rootful engine's; a rootless one keeps its namespaces under its own exec root, in RootlessKit's mount namespace
    dockerNetns: kit
      ? unknown(`rootless Docker keeps its own namespaces (overlay, ingress) under its exec root in RootlessKit's mount namespace, which netlens does not read; ${DOCKER_NETNS_DIR} is the machine's rootful engine's`)
      : f('dockerNetns', 'docker-netns', [interfaces], (s) => withHostNetnsIds(parseDockerNetns(s), interfaces.known ? interfaces.value : [])),
    rootlessKit,
    dockerProxies: processes.known ? unwrap(f('dockerProxies', 'container-netns', [processes], (s) => attempt(() => proxiesInShellNetns(parseDockerProxies(processes.value), s.parts)))) : processes,
    containerNetns: processes.known && processSection ? joinedNetns(own('containerNetnsRead')) : unknown(processes.known ? 'container-netns: not run' : processes.reason),
    ...(kept ? { kept } : {}),
    roundTrips: shell.runsPerRun ?? 1,
    elapsedMs: monotonicMs() - started,
  };
}

/** A fact whose parse is itself a fact (`attempt`): the inner one. */
function unwrap<T>(k: Known<Known<T>>): Known<T> {
  return k.known ? k.value : k;
}

/**
 * One section run in chosen container namespaces, in one round trip, parsed per container; a
 * failing shell or an answer the parser refuses leaves each unknown with its reason.
 */
async function collectInContainers<T>(
  shell: HostShell,
  targets: readonly ListenerTarget[],
  command: (targets: readonly ListenerTarget[]) => BatchCommand,
  parse: (section: BatchSection, targets: readonly ListenerTarget[]) => Record<string, Known<T>>,
  signal?: AbortSignal,
): Promise<Record<string, Known<T>>> {
  if (targets.length === 0) return {};
  const run = await runSection(shell, command(targets), signal);
  const parsed = 'failure' in run ? unknown(run.failure) : attempt(() => parse(run.section, targets));
  return parsed.known ? parsed.value : Object.fromEntries(targets.map((t) => [t.containerId, unknown(parsed.reason)]));
}

/** Who listens in the given container namespaces (commands/containerListeners.ts). */
export const collectContainerListeners = (shell: HostShell, targets: readonly ListenerTarget[], signal?: AbortSignal): Promise<Record<string, Known<readonly Listener[]>>> =>
  collectInContainers(shell, targets, containerListenersCommand, parseContainerListeners, signal);

/** Who listens on the host, read when asked (a trace that reached the host, its pane), in one round trip. */
export async function collectHostListeners(shell: HostShell, signal?: AbortSignal): Promise<Known<readonly Listener[]>> {
  const run = await runSection(shell, hostListenersCommand, signal);
  return 'failure' in run ? unknown(run.failure) : attempt(() => listenersFromTables(run.section.stdout, HOST_TABLES));
}

/** The nat tables of the given container namespaces (commands/containerNat.ts). */
export const collectContainerNat = (shell: HostShell, targets: readonly ListenerTarget[], signal?: AbortSignal): Promise<Record<string, Known<string>>> =>
  collectInContainers(shell, targets, containerNatCommand, parseContainerNat, signal);
