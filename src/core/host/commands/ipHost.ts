/**
 * The host's neighbours, routes and interfaces from one `ip` process: `ip -json -details -batch`
 * runs `neigh show`, the routes of both families and `addr show` and prints one JSON array a line,
 * which the batch splits back into the ip-neigh, ip-route and ip-addr sections (BatchCommand.splits)
 * — two process starts fewer in every whole host read than three commands of their own. `-details`,
 * which the interfaces need, adds to routes only what ip otherwise leaves implied (type, table,
 * protocol, scope: ipRoute.ts reads both) and nothing to neighbours.
 *
 * ip's output goes out as ip prints it: held in the shell to look at first, its 230 KB at 100
 * containers cost the shell 20 ms of CPU (it reads what it captures 128 bytes at a time). Where ip
 * fails (no JSON or no `-batch`: busybox, an iproute2 before 4.13; a command the kernel refuses),
 * what it printed is void (the section's `retry` part, batch.ts RETRY_PART) and the shell runs the
 * three commands as their own sections would, each framed by `section:NAME` and `status:NAME`
 * parts; the split takes them from there, with their own fallbacks (route -n, ip's text, brctl),
 * statuses and errors. The shape ip promises, one JSON array a line, is checked by the split: an
 * iproute2 4.13 or 4.14 exits 0 having printed JSON for the addresses only, text for the rest.
 */
import { RETRY_PART, type BatchCommand, type BatchPart, type BatchSection } from '../batch';
import { ipAddrCommand } from './ipAddr';
import { ipNeighCommand } from './ipNeigh';
import { IP_ROUTE_BATCH, ipRouteCommand } from './ipRoute';

/** In the order the batch prints them; ip-route's is two lines, IPv4 then IPv6 (parseIpRouteOutput). */
const SECTIONS = [
  { command: ipNeighCommand, lines: ['neigh show'] },
  { command: ipRouteCommand, lines: IP_ROUTE_BATCH },
  { command: ipAddrCommand, lines: ['addr show'] },
];
const LINES = SECTIONS.reduce((n, s) => n + s.lines.length, 0);

const fallback = SECTIONS.map(
  ({ command }) => `nl_part 'section:${command.name}'
nl_e=$( { (
${command.script}
) ; } 2>&1 1>&3 ); nl_c=$?
nl_part 'status:${command.name}'
printf '%s\\n%s' "$nl_c" "$nl_e"`,
).join('\n');

export const ipHostCommand: BatchCommand = {
  name: 'ip-host',
  requires: ['ip'],
  script: `ip -json -details -batch - 2>/dev/null <<'NLEOF' && exit 0
${SECTIONS.flatMap((s) => s.lines).join('\n')}
NLEOF
# ip could not: what it printed is void, and each command runs as its own section would
nl_part ${RETRY_PART}
${fallback}`,
  splits: { names: SECTIONS.map((s) => s.command.name), split: splitIpHost },
};

function sectionOf(stdout: string, parts: BatchPart[], statusText: string | undefined): BatchSection {
  if (statusText === undefined) return { stdout, parts, code: -1, stderr: 'ip-host: the section ended before this command did' };
  const nl = statusText.indexOf('\n');
  const code = Number(nl < 0 ? statusText : statusText.slice(0, nl));
  const stderr = nl < 0 ? '' : statusText.slice(nl + 1);
  return { stdout, parts, code: Number.isInteger(code) ? code : -1, ...(stderr ? { stderr } : {}) };
}

/** The ip-host section as the three sections it stands for. */
export function splitIpHost(s: BatchSection): Map<string, BatchSection> {
  const names = SECTIONS.map((x) => x.command.name);
  const out = new Map<string, BatchSection>();
  // not run (ip missing), cut short, or a shell that failed: each says so
  if (s.code !== 0 || s.missing?.length) {
    for (const n of names) out.set(n, { stdout: '', parts: [], code: s.code, ...(s.stderr !== undefined ? { stderr: s.stderr } : {}), ...(s.missing ? { missing: s.missing } : {}) });
    return out;
  }
  if (s.parts.some((p) => p.name.startsWith('section:'))) {
    let current: { name: string; stdout: string; parts: BatchPart[] } | null = null;
    for (const p of s.parts) {
      if (p.name.startsWith('section:')) {
        if (current) out.set(current.name, sectionOf(current.stdout, current.parts, undefined));
        current = { name: p.name.slice('section:'.length), stdout: p.text, parts: [] };
      } else if (p.name.startsWith('status:') && current && p.name.slice('status:'.length) === current.name) {
        out.set(current.name, sectionOf(current.stdout, current.parts, p.text));
        current = null;
      } else if (current) current.parts.push(p);
    }
    if (current) out.set(current.name, sectionOf(current.stdout, current.parts, undefined));
    for (const n of names) if (!out.has(n)) out.set(n, { stdout: '', parts: [], code: -1, stderr: 'ip-host: not run' });
    return out;
  }
  // one JSON array a line, a line for each command: anything else is not taken for a fact
  const lines = s.stdout.split('\n').filter((l) => l !== '');
  const isArray = (l: string): boolean => l.startsWith('[') && l.endsWith(']');
  if (lines.length !== LINES || !lines.every(isArray)) {
    const odd = lines.find((l) => !isArray(l));
    const why = odd !== undefined ? `ip -json -details -batch printed a line that is not a JSON array (an iproute2 before 4.15 prints JSON for addresses only): ${JSON.stringify(odd.slice(0, 120))}` : `ip -json -details -batch printed ${lines.length} lines, not ${LINES}`;
    const last = lines[lines.length - 1];
    for (const { command } of SECTIONS) {
      // the addresses come last, and their line stands where it is JSON
      if (odd !== undefined && command === ipAddrCommand && last !== undefined && isArray(last)) out.set(command.name, { stdout: `${last}\n`, parts: [], code: 0 });
      else out.set(command.name, { stdout: '', parts: [], code: 70, stderr: why });
    }
    return out;
  }
  let at = 0;
  for (const { command, lines: asked } of SECTIONS) {
    out.set(command.name, { stdout: lines.slice(at, at + asked.length).join('\n') + '\n', parts: [], code: 0 });
    at += asked.length;
  }
  return out;
}
