/**
 * What would change a trace's verdict, in words and as commands to copy. netlens never runs them:
 * they are suggestions a person reads, checks and runs themselves. Each comes from a fact of the
 * trace (the hop that decided, the rule it names) joined with the model (which networks the ends
 * are on, which ports listen, which address a publish is bound to).
 */
import type { ContainerNode, NetworkNode, Topology } from '../model/types';
import type { TraceHop, TraceRequest, TraceResult } from './types';

export type SuggestionKind = 'network' | 'rule' | 'policy' | 'publish' | 'sysctl' | 'internal' | 'icc' | 'listener' | 'uncertain-rule' | 'missing' | 'reply';

export interface Suggestion {
  readonly kind: SuggestionKind;
  /** the change, in words */
  readonly says: string;
  /** a command to copy (never run by netlens) */
  readonly command?: string;
}

/** A token as it can stand in a POSIX shell command line unquoted, or single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_.:/@%+=,[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `netlens trace …` command line that asks the same question from a shell. */
export function traceCliCommand(request: TraceRequest, extra: readonly string[] = []): string {
  const parts = ['netlens', 'trace', '--from', shellWord(request.from), '--to', shellWord(request.to), '--proto', request.proto];
  if (request.port !== undefined) parts.push('--port', String(request.port));
  if (request.family === 'ipv6') parts.push('-6');
  return [...parts, ...extra].join(' ');
}

function containerOf(topology: Topology, end: string): ContainerNode | undefined {
  // `name`, `name:port`, an id or its 12-character prefix
  const base = end.replace(/:\d+$/, '');
  return topology.containers.find((c) => c.name === base || (base.length >= 12 && c.id.startsWith(base)));
}

/** The user-visible networks a container is attached to (not `host`, `none` or another container's). */
function networksOf(topology: Topology, c: ContainerNode): NetworkNode[] {
  return c.networks.map((n) => topology.networks.find((x) => x.name === n || x.id === n)).filter((n): n is NetworkNode => !!n && n.driver !== 'host' && n.driver !== 'null');
}

function ownNetns(c: ContainerNode): boolean {
  return !c.networkMode.startsWith('container:') && c.networkMode !== 'host' && c.networkMode !== 'none';
}

/** The hop that decided: the last of the reply when the reply decided, else the forward path's last. */
function decidingHop(result: TraceResult): TraceHop | undefined {
  if (result.decidedBy.startsWith('reply:') && result.reply?.length) return result.reply.at(-1);
  return result.hops.at(-1);
}

const isDrop = (h: TraceHop): boolean => / (DROPPED|REJECTED) by rule \d+/.test(h.what);
const isUnsure = (h: TraceHop): boolean => / UNCERTAIN at rule \d+/.test(h.what);

function ruleTool(result: TraceResult, table: string): string {
  const tool = result.family === 'ipv6' ? 'ip6tables' : 'iptables';
  return table === 'filter' ? tool : `${tool} -t ${table}`;
}

export function whatWouldChange(topology: Topology, result: TraceResult): Suggestion[] {
  const out: Suggestion[] = [];
  const add = (s: Suggestion): void => {
    if (!out.some((x) => x.says === s.says)) out.push(s);
  };
  const { request } = result;
  const from = containerOf(topology, request.from);
  const to = containerOf(topology, request.to);
  const hop = decidingHop(result);

  if (result.verdict !== 'delivered') {
    // two containers with no network in common: only a published port or a shared network joins them
    if (from && to && from.id !== to.id && ownNetns(from) && ownNetns(to)) {
      const mine = networksOf(topology, from);
      const theirs = networksOf(topology, to);
      if (theirs.length > 0 && !mine.some((n) => theirs.some((t) => t.id === n.id))) {
        // a user-defined network first: containers there also find each other by name
        const net = theirs.find((n) => n.name !== 'bridge') ?? theirs[0]!;
        add({ kind: 'network', says: `${from.name} and ${to.name} share no network: connect ${from.name} to ${net.name}, a network of ${to.name}`, command: `docker network connect ${shellWord(net.name)} ${shellWord(from.name)}` });
      }
    }
    if (hop?.rule && isDrop(hop)) {
      const r = hop.rule;
      const tool = ruleTool(result, r.table);
      if (r.chain === 'DOCKER-ISOLATION-STAGE-1' || r.chain === 'DOCKER-ISOLATION-STAGE-2') {
        const internal = to ? networksOf(topology, to).find((n) => n.internal) : undefined;
        if (internal && r.raw.includes('! -s ')) {
          add({ kind: 'internal', says: `${internal.name} is an internal network (--internal): only containers attached to it reach ${to!.name}, nothing from outside it`, ...(from && ownNetns(from) ? { command: `docker network connect ${shellWord(internal.name)} ${shellWord(from.name)}` } : {}) });
        } else if (!out.some((s) => s.kind === 'network')) {
          add({ kind: 'rule', says: `Docker isolates its networks from each other: ${r.table} ${r.chain} #${r.index} drops it (${r.raw}); attach both ends to one network instead of removing Docker's rule` });
        }
      } else {
        const icc = topology.networks.find((n) => !n.icc && n.bridge && r.raw === `-A ${r.chain} -i ${n.bridge} -o ${n.bridge} -j DROP`);
        if (icc) {
          add({ kind: 'icc', says: `${icc.name} has inter-container communication off (com.docker.network.bridge.enable_icc=false): its containers reach each other only through published ports, or on another network they share` });
          if (to) {
            const other = topology.networks.find((n) => n.icc && n.driver === 'bridge' && n.name !== 'bridge' && !n.internal);
            if (other && from && ownNetns(from)) add({ kind: 'network', says: `or put both on ${other.name}, which allows inter-container traffic`, command: `docker network connect ${shellWord(other.name)} ${shellWord(from.name)} && docker network connect ${shellWord(other.name)} ${shellWord(to.name)}` });
          }
        } else {
          add({ kind: 'rule', says: `${r.table} ${r.chain} rule #${r.index} drops it: ${r.raw}. Removing it (check first that it is still #${r.index}: positions shift when rules are added or removed) would let this packet on`, command: `${tool} -D ${shellWord(r.chain)} ${r.index}` });
        }
      }
    }
    if (hop && /policy (DROP|REJECT)$/.test(result.decidedBy) && hop.table && hop.chain) {
      const p = hop.packet;
      const port = p.dport !== null && p.proto !== 'icmp' ? ` --dport ${p.dport}` : '';
      add({ kind: 'policy', says: `no rule in ${hop.table} ${hop.chain} accepts it and the chain's policy drops it: publish the port (docker run -p), or accept this traffic in DOCKER-USER`, command: `${ruleTool(result, 'filter')} -I DOCKER-USER -d ${p.dst} -p ${p.proto === 'icmp' && result.family === 'ipv6' ? 'icmpv6' : p.proto}${port} -j ACCEPT` });
    }
    // a publish bound to loopback only, asked from elsewhere
    const bound = /^publish (\S+):(\d+) \((.+?)\) is bound to another address/.exec(result.decidedBy);
    if (bound) {
      const [, hostIp, hostPort, name] = bound;
      const pub = topology.publishes.find((p) => p.hostIp === hostIp && String(p.hostPort) === hostPort && p.containerName === name);
      const image = topology.containers.find((c) => c.name === name)?.image;
      const cport = pub ? `${pub.containerPort}${pub.protocol === 'tcp' ? '' : `/${pub.protocol}`}` : 'PORT';
      add({ kind: 'publish', says: `the port is published on ${hostIp} only: ${name} answers ${hostIp}:${hostPort} from this host alone. Re-create ${name} publishing on all addresses (0.0.0.0), or on the one this packet is sent to`, command: `docker run -p 0.0.0.0:${hostPort}:${cport} ${image ? shellWord(image) : 'IMAGE'}` });
    }
    // a sysctl that is off
    const sys = /^sysctl (\S+)=0\b/.exec(result.decidedBy.replace(/^reply: /, ''));
    if (sys) add({ kind: 'sysctl', says: `${sys[1]} is 0 on the host: turning it on would let the host pass this packet (it changes every namespace's traffic, not only this one's)`, command: `sysctl -w ${sys[1]}=1` });
    // nothing listens on the port
    if (hop?.kind === 'drop' && /no (process|socket) listens on (tcp|udp)\/\d+/.test(hop.what + result.decidedBy)) {
      const m = /(tcp|udp)\/(\d+) in container (\S+?)(:| for|$)/.exec(hop.what) ?? /(tcp|udp)\/(\d+) in container (\S+?)(:| for|$)/.exec(result.decidedBy);
      const c = m ? topology.containers.find((x) => x.name === m[3]) : to;
      const proto = m?.[1] ?? request.proto;
      if (c?.listeners?.known) {
        const ports = [...new Set(c.listeners.value.filter((l) => l.protocol === proto && !l.address.startsWith('127.')).map((l) => l.port))].sort((a, b) => a - b);
        add({ kind: 'listener', says: ports.length > 0 ? `nothing in ${c.name} listens on ${proto}/${m?.[2] ?? request.port}; ${proto} ports that do listen there: ${ports.join(', ')}` : `nothing in ${c.name} listens on ${proto} at all: start the service, or check that it binds this port`, ...(ports.length > 0 ? { command: traceCliCommand({ ...request, to: `${c.name}:${ports[0]}`, port: undefined }) } : {}) });
      } else if (c) {
        add({ kind: 'listener', says: `nothing in ${c.name} listens on ${proto}/${m?.[2] ?? request.port}${c.listeners && !c.listeners.known ? ` (which ports do is not known: ${c.listeners.reason})` : ''}`, command: `docker exec ${shellWord(c.name)} ss -lntu` });
      }
    }
    if (result.decidedBy.startsWith('reply:') && out.length === 0) add({ kind: 'reply', says: `the packet arrives, but its reply does not come back: ${result.decidedBy.slice('reply:'.length).trim()}` });
  }

  // uncertain: a rule netlens cannot evaluate, or facts it does not have
  for (const h of [...result.hops, ...(result.reply ?? [])]) {
    if (h.rule && isUnsure(h)) {
      const r = h.rule;
      add({ kind: 'uncertain-rule', says: `netlens cannot tell whether ${r.table} ${r.chain} rule #${r.index} matches (${h.what.replace(/^.*UNCERTAIN at rule \d+ \([^)]*\) — /, '')}): read its counters, or send one real packet and see`, command: traceCliCommand(request, ['--probe']) });
    }
  }
  for (const m of result.missing) {
    const firewall = /iptables|nft|firewall/i.test(m.fact);
    add({ kind: 'missing', says: `not known: ${m.fact} (${m.why}); the trace took ${m.assumed}. ${firewall || /sysctl|route|host/i.test(m.fact) ? 'Give netlens the host facts: run it on the Docker host as root, or set netlens.hostShell (CLI: --host-shell) to a shell that can read them' : 'netlens could not read it; refresh once it can'}`, ...(firewall ? { command: `${result.family === 'ipv6' ? 'ip6tables' : 'iptables'}-save` } : {}) });
  }
  return out;
}
