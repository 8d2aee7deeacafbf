/**
 * `netlens topology --docker-host A --docker-host B …`: one session per engine, each with the host
 * shell today's options resolve for it, all read at once; then what joins the hosts (their routes
 * to each other, model/hostLinks.ts). An engine that fails is one error among the engines, not the
 * end of the others.
 */
import { createSession, type SessionOptions } from '../core/session';
import { errorMessage, isNetlensError } from '../core/errors';
import type { Topology } from '../core/model/types';
import { formatHostLinks, hostLinks } from '../core/model/hostLinks';
import { renderTopology } from './renderTopology';
import { NetlensError } from '../core/errors';
import { hopsOnHost, hostLabel, mergeHostChecks, traceOverlay, type OverlayTraceResult } from '../core/trace/overlayTrace';
import { containersMissingNat } from '../core/trace/readingListeners';
import { countedBetween, mergeHostProbes, watchedRules } from '../core/trace/probe';
import { formatTrace } from '../core/trace/formatTrace';

export interface EngineError {
  readonly dockerHost: string;
  readonly error: { readonly code: string; readonly message: string };
}

/** The text to print, and whether no engine could be read at all (then the exit status is 1). */
export async function severalHosts(each: readonly SessionOptions[], opts: { readonly json: boolean; readonly listeners: boolean }): Promise<{ text: string; noneRead: boolean }> {
  const sessions = each.map((o) => createSession(o));
  try {
    const read = await Promise.all(
      sessions.map((s, i) =>
        s.snapshot(undefined, { containerListeners: opts.listeners }).catch(
          (e: unknown): EngineError => ({ dockerHost: each[i]!.dockerHost ?? '', error: { code: isNetlensError(e) ? e.code : 'ERROR', message: errorMessage(e) } }),
        ),
      ),
    );
    const models = read.filter((r): r is Topology => !('error' in r));
    const failed = read.filter((r): r is EngineError => 'error' in r);
    const joined = hostLinks(models);
    const noneRead = models.length === 0;
    if (opts.json) return { text: JSON.stringify({ engines: read, links: joined.links, tunnels: joined.tunnels ?? [], linksUnknown: joined.unknown }, null, 2), noneRead };
    const text = [
      ...read.map((r, i) => ('error' in r ? `Engine ${each[i]!.dockerHost}: ${r.error.code}: ${r.error.message}` : renderTopology(r))),
      ...(models.length > 1 ? formatHostLinks(joined) : []),
      ...(failed.length ? [`${failed.length} of ${read.length} engines could not be read`] : []),
    ].join('\n\n');
    return { text, noneRead };
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
}

export interface SeveralHostsTraceArgs {
  readonly from?: string;
  readonly to?: string;
  readonly proto?: string;
  readonly port?: string;
  readonly json?: boolean;
  /** ask each host's kernel, read-only, about the routing steps taken on it */
  readonly verify?: boolean;
  /** send one real packet from the sender and watch the counters of the rules on its way, on every host (the flag is the consent) */
  readonly probe?: boolean;
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/**
 * `netlens trace --docker-host A --docker-host B --from C --to D[:port]`: every host read (with the
 * containers' listeners, since the packet may end in any of them), then the walk between two
 * containers of one overlay network (core/trace/overlayTrace.ts). `--from` is a container on one of
 * the hosts; `--to` a container on any of them (its address on an overlay it shares with the
 * sender) or an IPv4 address — another host's with a port is a request to a port that host
 * publishes through the Swarm's routing mesh, followed to the task IPVS sends it to.
 */
export async function traceSeveralHosts(each: readonly SessionOptions[], args: SeveralHostsTraceArgs): Promise<string> {
  if (!args.from || !args.to) throw new NetlensError('BAD_INPUT', 'trace needs --from and --to');
  const proto = (args.proto ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw new NetlensError('BAD_INPUT', `--proto must be tcp, udp or icmp across hosts (IPv4 overlays), got "${args.proto}"`);
  const m = /^(.+?)(?::(\d+))?$/.exec(args.to)!;
  const toName = m[1]!;
  const port = m[2] !== undefined ? Number(m[2]) : args.port !== undefined ? Number(args.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new NetlensError('BAD_INPUT', `the port must be 1-65535, got "${m[2] ?? args.port}"`);
  const sessions = each.map((o) => createSession(o));
  try {
    let models = await Promise.all(sessions.map((s) => s.snapshot(undefined, { containerListeners: true })));
    const named = (t: Topology, n: string) => t.containers.find((c) => c.name === n || c.id === n || (n.length >= 12 && c.id.startsWith(n)));
    const fromHosts = models.map((t, i) => (named(t, args.from!) ? i : -1)).filter((i) => i >= 0);
    if (fromHosts.length !== 1) throw new NetlensError('BAD_INPUT', fromHosts.length === 0 ? `no container ${args.from} on any of the hosts` : `container ${args.from} is on several hosts (#${fromHosts.map((i) => i + 1).join(', #')}): name it by id`);
    const fromHost = fromHosts[0]!;
    const sender = named(models[fromHost]!, args.from)!;
    let to = toName;
    if (!IPV4.test(toName)) {
      // a container: its address on an overlay the sender is on
      const senderNets = new Set(models[fromHost]!.networks.filter((n) => n.driver === 'overlay' && n.endpoints.some((e) => e.containerId === sender.id)).map((n) => n.id));
      const hit = models
        .flatMap((t) => t.networks.filter((n) => senderNets.has(n.id)).flatMap((n) => n.endpoints.filter((e) => e.ipv4 && (e.containerName === toName || e.containerId === toName || (toName.length >= 12 && e.containerId.startsWith(toName))))))
        .map((e) => e.ipv4!);
      if (hit.length === 0) throw new NetlensError('BAD_INPUT', `no container ${toName} shares an overlay network with ${sender.name} on the hosts read`);
      to = hit[0]!;
    }
    const overlayRequest = { fromHost, from: sender.name, to, proto, ...(port !== undefined ? { port } : {}) } as const;
    let traced = traceOverlay(models, overlayRequest);
    // a Swarm task reached through the routing mesh: its own nat table (the REDIRECT to the target port), read on its host
    for (let round = 0; round < 2; round++) {
      const asks = models.map((t, i) => containersMissingNat(t, traced.missing, `${hostLabel(models, i)}: `));
      if (asks.every((x) => x.length === 0)) break;
      models = await Promise.all(models.map((t, i) => (asks[i]!.length ? sessions[i]!.readContainerNat(t, asks[i]!) : t)));
      traced = traceOverlay(models, overlayRequest);
    }
    let result: OverlayTraceResult = traced;
    const name = (i: number): string => hostLabel(models, i);
    // each host's share of the walk, under its own labels, for its own kernel (--verify, --probe)
    const split = args.verify || args.probe ? models.map((_, i) => hopsOnHost(models, traced, i)) : [];
    if (split.some((x) => x === null)) {
      throw new NetlensError('BAD_INPUT', `--verify and --probe across hosts tell each host's steps by its host name, and two hosts here share one (${models.map((_, i) => name(i)).join(', ')})`);
    }
    const on = (i: number) => split[i]!;
    if (args.verify) {
      const parts = await Promise.all(models.map(async (t, i) => (on(i).hops.length || on(i).reply?.length ? { host: name(i), check: await sessions[i]!.verifyTrace(t, on(i)) } : null)));
      result = { ...result, kernel: mergeHostChecks(parts.filter((p): p is NonNullable<typeof p> => p !== null)) };
    }
    if (args.probe) {
      // the far hosts' counters before and after the attempt, which reads the sender's own around it
      const far = models.map((_, i) => i).filter((i) => i !== fromHost && watchedRules(on(i).hops).length > 0);
      const before = await Promise.all(far.map((i) => sessions[i]!.ruleCounters('ipv4')));
      const request = { from: sender.name, to, proto, ...(port !== undefined ? { port } : {}) } as const;
      const sent = await sessions[fromHost]!.probeTrace(models[fromHost]!, { ...traced, request, hops: on(fromHost).hops, reply: undefined });
      const after = await Promise.all(far.map((i) => sessions[i]!.ruleCounters('ipv4')));
      const counted = far.map((i, k) => ({
        host: name(i),
        rules: countedBetween(watchedRules(on(i).hops), before[k]!.text, after[k]!.text),
        failure: before[k]!.failure ?? after[k]!.failure,
      }));
      result = { ...result, probe: mergeHostProbes({ host: name(fromHost), probe: sent }, counted) };
    }
    if (args.json) return JSON.stringify(result, null, 2);
    return formatTrace({ ...result, request: { from: `${sender.name} on ${name(fromHost)}`, to: toName === to ? to : `${toName} (${to})`, proto, ...(port !== undefined ? { port } : {}) } });
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
}
