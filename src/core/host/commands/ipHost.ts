/**
 * The host's neighbours, routes and interfaces from one `ip` process: `ip -json -details -batch`
 * runs `neigh show`, the routes of both families and `addr show` and prints one JSON array a line,
 * which the batch splits back into the ip-neigh, ip-route and ip-addr sections (BatchCommand.splits)
 * — two process starts fewer in every whole host read than three commands of their own. `-details`,
 * which the interfaces need, adds to routes only what ip otherwise leaves implied (type, table,
 * protocol, scope: ipRoute.ts reads both) and nothing to neighbours.
 *
 * The shell checks that ip printed the four lines, each an array; otherwise (no JSON: busybox, an
 * old iproute2; a failure) it runs the three commands as their own sections would, each framed by
 * `section:NAME` and `status:NAME` parts, and the split takes them from there, with their own
 * fallbacks (route -n, ip's text, brctl), statuses and errors.
 */
import type { BatchCommand, BatchPart, BatchSection } from '../batch';
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
  script: `nl_o=$(ip -json -details -batch - 2>/dev/null <<'NLEOF'
${SECTIONS.flatMap((s) => s.lines).join('\n')}
NLEOF
) && {
  # one JSON array a line, and as many lines as commands (split by this shell: no process)
  set -f
  IFS='
'
  set -- $nl_o
  nl_ok=; [ $# -eq ${LINES} ] && nl_ok=1
  for nl_x; do case "$nl_x" in '['*']') ;; *) nl_ok= ;; esac; done
  if [ -n "$nl_ok" ]; then printf '%s\\n' "$nl_o"; exit 0; fi
}
# ip could not: each command as its own section runs it
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
  // the shell checked the shape; a line too few or too many here is output it never printed
  const lines = s.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== LINES) {
    for (const n of names) out.set(n, { stdout: '', parts: [], code: 70, stderr: `ip -json -details -batch printed ${lines.length} lines, not ${LINES}` });
    return out;
  }
  let at = 0;
  for (const { command, lines: asked } of SECTIONS) {
    out.set(command.name, { stdout: lines.slice(at, at + asked.length).join('\n') + '\n', parts: [], code: 0 });
    at += asked.length;
  }
  return out;
}
