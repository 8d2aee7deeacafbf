/**
 * Ask the kernel with one real packet (opt-in: `trace --verify --probe`, or the editor after the
 * user confirms): from the trace's source namespace, one connection attempt to the traced
 * destination — TCP by bash's /dev/tcp (a SYN, and if answered the handshake and its close), UDP
 * by /dev/udp (two datagrams on one socket: the second fails if an ICMP port unreachable answered
 * the first), ICMP by one `ping` — bounded by `timeout`, with the firewall's rule
 * counters read just before and just after (`iptables-save -c`, or ip6tables-save), all in one
 * shell round trip. netlens changes nothing: no rule is added, no counter reset.
 *
 * It says whether the kernel agrees with the trace twice over: the packet's fate (a TCP connection
 * made for `delivered`; none for `dropped`) and, at each netfilter step, whether the rule the trace
 * says decided was hit (its packet counter grew). Other traffic can make a counter grow too, so a
 * hit is evidence and a rule left untouched is a disagreement. Every value put into the script is
 * validated first (addresses by ipaddr.js, the port and PID as integers, a netns name by pattern).
 */
import * as ipaddr from 'ipaddr.js';
import type { BatchCommand, BatchSection } from '../host/batch';
import type { Topology } from '../model/types';
import { placeOf, type CheckPlace } from './kernelCheck';
import type { TraceHop, TraceResult } from './types';

export type ProbeOutcome = 'connected' | 'refused' | 'timeout' | 'unreachable' | 'sent' | 'answered' | 'error';

export interface ProbePlan {
  readonly place: CheckPlace;
  /** the source namespace's label, as in the trace (`container web1`, `host`, `netns RED`) */
  readonly namespace: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly family: 'ipv4' | 'ipv6';
  readonly dst: string;
  readonly dport: number | null;
  /** how long the attempt may take before `timeout` ends it */
  readonly seconds: number;
  /** the command as a person would type it on the host */
  readonly command: string;
  /** the rules the trace says the packet meets on its way, to be watched by their counters */
  readonly watched: readonly WatchedRule[];
}

export interface WatchedRule {
  readonly step: number;
  /** the host whose rule it is, in a probe across hosts (absent: the one host probed) */
  readonly host?: string;
  readonly table: string;
  readonly chain: string;
  readonly index: number;
  readonly raw: string;
}

export interface WatchedRuleResult extends WatchedRule {
  /** how many packets the rule counted during the probe; null where its counter could not be read */
  readonly packets: number | null;
  readonly agrees: boolean | null;
}

export interface ProbeResult {
  /** false if the packet's fate or any watched rule contradicts the trace; null when nothing settles it */
  readonly agrees: boolean | null;
  /** one line: what the probe showed, and where it contradicts the trace first */
  readonly observed: string;
  readonly outcome: ProbeOutcome | null;
  readonly command: string | null;
  readonly rules: readonly WatchedRuleResult[];
}

const IPT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** What to send and which rules to watch; a string says why this trace cannot be probed. */
export function probePlan(topology: Topology, result: TraceResult, seconds = 2): ProbePlan | string {
  const first = result.hops[0];
  if (!first) return 'the trace has no hop to start from';
  if (first.namespace === 'outside') return 'the packet starts outside this host: netlens sends probes only from namespaces on it';
  const place = placeOf(topology, first.namespace);
  if (typeof place === 'string') return place;
  const { dst, dport, proto } = first.packet;
  const family = result.family === 'ipv6' ? 'ipv6' : 'ipv4';
  if (!(family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(dst) : ipaddr.IPv6.isValid(dst) && dst.includes(':'))) return `destination ${JSON.stringify(dst)} is not an ${family} address`;
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') return `protocol ${String(proto)} cannot be probed`;
  if (proto !== 'icmp' && !(dport !== null && Number.isInteger(dport) && dport > 0 && dport < 65536)) return 'the trace has no destination port';
  const command = attemptLine({ place, proto, family, dst, dport, seconds }, 'ping');
  return { place, namespace: first.namespace, proto, family, dst, dport: proto === 'icmp' ? null : dport, seconds, command, watched: watchedRules(result.hops) };
}

/** The rules the hops say the packet meets, to watch by their counters (names fit for a command only). */
export function watchedRules(hops: readonly TraceHop[]): WatchedRule[] {
  const watched: WatchedRule[] = [];
  for (const h of hops) {
    if (h.kind !== 'netfilter' || !h.rule) continue;
    const r = h.rule;
    if (!IPT_NAME.test(r.table) || !IPT_NAME.test(r.chain) || !Number.isInteger(r.index)) continue;
    watched.push({ step: h.step, table: r.table, chain: r.chain, index: r.index, raw: r.raw });
  }
  return watched;
}

/** One read of every rule's counters (`iptables-save -c`), for a host the probe's packet reaches but does not start on. */
export function countersCommand(family: 'ipv4' | 'ipv6'): BatchCommand {
  const save = family === 'ipv6' ? 'ip6tables-save' : 'iptables-save';
  return { name: 'counters', requires: [save], script: `${save} -c` };
}

/** How many packets each watched rule counted between two `iptables-save -c` texts; a rule on the way must count the probe. */
export function countedBetween(watched: readonly WatchedRule[], beforeText: string | null, afterText: string | null): WatchedRuleResult[] {
  const before = beforeText === null ? null : ruleCounters(beforeText);
  const after = afterText === null ? null : ruleCounters(afterText);
  return watched.map((w) => {
    const key = `${w.table} ${w.chain} ${w.index}`;
    const a = after?.get(key);
    const b = before?.get(key);
    if (a === undefined || b === undefined) return { ...w, packets: null, agrees: null };
    return { ...w, packets: a - b, agrees: a - b > 0 };
  });
}

/**
 * The attempt as it runs, and as the confirmation shows it: one text, so what the user agrees to is
 * what runs. Every value was validated by probePlan (an address, a port, a PID, a netns name) and is
 * quoted anyway; bash gets the address and port as arguments, not inside its program. `ping` is
 * `$NL_PING` in the script: ping, or busybox's where iputils is not installed.
 */
function attemptLine(p: Pick<ProbePlan, 'place' | 'proto' | 'family' | 'dst' | 'dport' | 'seconds'>, ping: string): string {
  const enter =
    p.place.kind === 'host' ? '' : p.place.kind === 'netns' ? `ip netns exec '${p.place.name}' ` : p.place.kind === 'docker' ? `nsenter --net='${p.place.path}' ` : `nsenter -t '${p.place.pid}' -n `;
  const attempt =
    p.proto === 'tcp'
      ? `timeout ${p.seconds} bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe '${p.dst}' '${p.dport}'`
      : p.proto === 'udp'
        ? // a second datagram on the same (connected) socket fails when an ICMP port unreachable came back for the first
          `timeout ${p.seconds} bash -c 'exec 3>"/dev/udp/$1/$2"; printf netlens-probe >&3; sleep 0.3; printf netlens-probe >&3' probe '${p.dst}' '${p.dport}'`
        : `timeout ${p.seconds + 1} ${ping} -c 1 -W ${p.seconds} ${p.family === 'ipv6' ? '-6 ' : ''}'${p.dst}'`;
  return `${enter}${attempt}`;
}

/** The batch section: counters, the attempt (its output and status), counters again. */
export function probeCommand(plan: ProbePlan): BatchCommand {
  const save = plan.family === 'ipv6' ? 'ip6tables-save' : 'iptables-save';
  const tool = plan.proto === 'icmp' ? 'ping' : 'bash';
  return {
    name: 'probe',
    requires: ['timeout', ...(tool === 'bash' ? ['bash'] : []), ...(plan.place.kind === 'container' || plan.place.kind === 'docker' ? ['nsenter'] : plan.place.kind === 'netns' ? ['ip'] : [])],
    script: [
      // ping, or busybox's where iputils is not installed
      ...(tool === 'ping'
        ? ['if command -v ping >/dev/null 2>&1; then NL_PING=ping', 'elif command -v busybox >/dev/null 2>&1; then NL_PING="busybox ping"', "else echo 'neither ping nor busybox found on the host (command -v)' >&2; exit 127; fi"]
        : []),
      'nl_part before',
      `${save} -c 2>&1 || printf 'netlens: %s failed\\n' '${save}'`,
      'nl_part attempt',
      // start and end in ns where date can say (GNU date; busybox prints something else, then no time)
      `s=$(date +%s%N 2>/dev/null)`,
      `r=$(${attemptLine(plan, '$NL_PING')} 2>&1 </dev/null); rc=$?`,
      `e=$(date +%s%N 2>/dev/null)`,
      `printf '%s\\nrc=%s start=%s end=%s\\n' "$r" "$rc" "$s" "$e"`,
      'nl_part after',
      `${save} -c 2>&1 || printf 'netlens: %s failed\\n' '${save}'`,
      'true',
    ].join('\n'),
  };
}

/** Packet counters by `table chain index` from `iptables-save -c`; null when the text is not that. */
export function ruleCounters(text: string): Map<string, number> | null {
  if (!/^\*[a-z_]+$/m.test(text)) return null;
  const counters = new Map<string, number>();
  const seen = new Map<string, number>();
  let table = '';
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('*')) table = t.slice(1);
    const m = /^\[(\d+):\d+\]\s+-A\s+(\S+)/.exec(t);
    if (!m) continue;
    const key = `${table} ${m[2]}`;
    const index = (seen.get(key) ?? 0) + 1;
    seen.set(key, index);
    counters.set(`${key} ${index}`, Number(m[1]));
  }
  return counters;
}

function outcomeOf(proto: ProbePlan['proto'], text: string): { outcome: ProbeOutcome; detail: string; ms: number | null } {
  const lines = text.replace(/\n+$/, '').split('\n');
  const status = /^rc=(\d+) start=(\S*) end=(\S*)$/.exec(lines[lines.length - 1] ?? '');
  // bash says it twice (`connect: …` and `/dev/tcp/…: …`): the last line is the one to show
  const out = (lines.slice(0, -1).filter((l) => l.trim()).pop() ?? '').replace(/^probe: (line \d+: )?/, '').trim();
  const rc = status ? Number(status[1]) : -1;
  const ns = (t: string | undefined) => (t && /^\d{10,}$/.test(t) ? BigInt(t) : null);
  const start = ns(status?.[2]);
  const end = ns(status?.[3]);
  const ms = start !== null && end !== null && end >= start ? Number((end - start) / 1000000n) : null;
  if (rc === 124) return { outcome: 'timeout', detail: 'no answer before the limit', ms };
  if (/refused/i.test(out)) return { outcome: 'refused', detail: out, ms };
  if (/unreachable|no route/i.test(out)) return { outcome: 'unreachable', detail: out, ms };
  if (rc === 0) return { outcome: proto === 'tcp' ? 'connected' : proto === 'udp' ? 'sent' : 'answered', detail: out, ms };
  if (proto === 'icmp' && rc === 1) return { outcome: 'timeout', detail: out || 'no echo reply', ms };
  return { outcome: 'error', detail: out || `exit status ${rc}`, ms };
}

const OUTCOME_WORDS: Record<ProbeOutcome, string> = {
  connected: 'the connection was made',
  refused: 'the connection was refused',
  timeout: 'no answer came',
  unreachable: 'the destination was unreachable',
  sent: 'the datagrams were sent and no ICMP error came back',
  answered: 'the echo was answered',
  error: 'the probe could not run',
};

/** Whether the packet's fate agrees with the trace's verdict; null when it does not settle it. */
function fateAgrees(verdict: TraceResult['verdict'], outcome: ProbeOutcome): boolean | null {
  if (verdict === 'uncertain' || outcome === 'error' || outcome === 'sent') return null;
  const arrived = outcome === 'connected' || outcome === 'answered';
  return verdict === 'delivered' ? arrived : !arrived;
}

/** The probe's section against the trace. */
export function judgeProbe(result: TraceResult, plan: ProbePlan | string, section: BatchSection | undefined, failure: string | null): ProbeResult {
  if (typeof plan === 'string') return { agrees: null, observed: `not probed: ${plan}`, outcome: null, command: null, rules: [] };
  const unwatched = plan.watched.map((w) => ({ ...w, packets: null, agrees: null }));
  if (!section || failure) return { agrees: null, observed: `the probe could not run: ${failure ?? 'no answer'}`, outcome: null, command: plan.command, rules: unwatched };
  const part = (name: string) => section.parts.find((p) => p.name === name)?.text ?? '';
  const { outcome, detail, ms } = outcomeOf(plan.proto, part('attempt'));
  const rules = countedBetween(plan.watched, part('before'), part('after'));
  const fate = fateAgrees(result.verdict, outcome);
  const missed = rules.find((r) => r.agrees === false);
  const took = ms !== null ? ` in ${ms} ms` : '';
  const words = plan.proto === 'udp' && outcome === 'refused' ? 'an ICMP port unreachable came back' : OUTCOME_WORDS[outcome];
  const what = `${words}${took}${outcome === 'error' || outcome === 'refused' || outcome === 'unreachable' ? ` (${detail})` : ''}`;
  const hits = rules.filter((r) => r.agrees === true).length;
  const counted = rules.length ? `; ${hits} of ${rules.length} rules on the way counted it` : '';
  if (fate === false) return { agrees: false, observed: `the kernel disagrees: the trace says ${result.verdict}, but ${what}${counted}`, outcome, command: plan.command, rules };
  if (missed) return { agrees: false, observed: `the kernel disagrees at step ${missed.step}: ${missed.table}/${missed.chain} #${missed.index} did not count the probe (${what})`, outcome, command: plan.command, rules };
  if (fate === null) return { agrees: null, observed: `${what}${counted}: that does not settle a ${result.verdict} trace`, outcome, command: plan.command, rules };
  const unread = rules.length - hits;
  return { agrees: true, observed: `${what}, as the trace says${counted}${unread ? ` (${unread} counters not read)` : ''}`, outcome, command: plan.command, rules };
}

/** Lines for the text form of a trace. */
export function formatProbe(p: ProbeResult): string[] {
  const out = [`Probe (sent for real${p.command ? `: ${p.command}` : ''}): ${p.agrees === true ? 'AGREES' : p.agrees === false ? 'DISAGREES' : 'NOT SETTLED'} — ${p.observed}`];
  for (const r of p.rules) out.push(`  ${r.agrees === true ? '✓' : r.agrees === false ? '✗' : '?'} step ${r.step}${r.host ? ` on ${r.host}` : ''} ${r.table}/${r.chain} #${r.index}: ${r.packets === null ? 'counter not read' : `${r.packets} packet${r.packets === 1 ? '' : 's'}`} — ${r.raw}`);
  return out;
}

/**
 * A probe sent from one host whose packet crosses to others: the attempt and the counters on the
 * sending host (`source`), and on each other host the counters of the rules the trace says the packet
 * meets there, read before and after the attempt. One rule anywhere that did not count it is a
 * disagreement; a host whose counters could not be read leaves its rules unsettled and says why.
 */
export function mergeHostProbes(source: { readonly host: string; readonly probe: ProbeResult }, far: readonly { readonly host: string; readonly rules: readonly WatchedRuleResult[]; readonly failure: string | null }[]): ProbeResult {
  // the packet reaches another host inside the tunnel's UDP flow between the hosts, which may be older
  // than the probe: a nat rule (it sees only a flow's first packet) that did not count it settles nothing
  const farRules = far.flatMap((f) => f.rules.map((r) => ({ ...r, host: f.host, agrees: r.table === 'nat' && r.agrees === false ? null : r.agrees })));
  const rules = [...source.probe.rules.map((r) => ({ ...r, host: source.host })), ...farRules].sort((a, b) => a.step - b.step);
  if (source.probe.agrees === false || source.probe.outcome === null) return { ...source.probe, rules };
  const missed = farRules.find((r) => r.agrees === false);
  if (missed) return { ...source.probe, agrees: false, observed: `the kernel disagrees at step ${missed.step} on ${missed.host}: ${missed.table}/${missed.chain} #${missed.index} did not count the probe`, rules };
  const unread = far.filter((f) => f.failure !== null).map((f) => `${f.host}'s counters not read (${f.failure})`);
  const counted = farRules.filter((r) => r.agrees === true).length;
  const there = far.length ? `; on ${far.map((f) => f.host).join(', ')} ${counted} of ${farRules.length} rules on the way counted it` : '';
  return { ...source.probe, observed: `${source.probe.observed}${there}${unread.length ? `; ${unread.join('; ')}` : ''}`, rules };
}
