/**
 * One refresh = one script = one round trip. Named commands are composed into a single POSIX-sh
 * script whose output is framed by markers carrying a delimiter drawn fresh for every run; the
 * delimiter lives only in an unexported shell variable, so no command output (process lists, rule
 * comments, interface aliases) can know it and forge a section boundary.
 */
import { newDelimiter } from './markers';
import { StringDecoder } from 'node:string_decoder';
import { formatDuration } from '../abort';
import { NetlensError, errorMessage } from '../errors';
import { ShellTimeoutError } from './shell';
import type { HostShell, ShellResult } from './shell';

export interface BatchCommand {
  /** section name, `[a-z][a-z0-9_-]*` */
  readonly name: string;
  /** host programs the script needs; any absent (command -v) → code 127 without running it */
  readonly requires: readonly string[];
  /**
   * POSIX-sh body. It may call `nl_part NAME` to start a named sub-part of its stdout (NAME must be
   * `[A-Za-z0-9_.:/-]+`), e.g. one part per namespace; parts are framed by the same delimiter.
   */
  readonly script: string;
  /**
   * Which lane runs it (0, the default, or 1, 2 …). Sections of one lane run in turn; the lanes run
   * at once, so on a host with two cores or more the batch takes about as long as its longest lane,
   * not the sum. Lane 0 writes as it goes, so what finished is out even if a later section stalls;
   * another lane's output is held until the lanes before it are out, so sections never interleave.
   * The host read runs its sections in one lane (collect.ts says why).
   */
  readonly lane?: number;
  /**
   * Run in the batch's own shell rather than in a subshell of its own: no process for the section
   * (a fork costs about 1.5 ms of CPU on a 2-core VM, more than many sections' work). Only for a
   * script of shell builtins (an external command it runs still gets its process) that never
   * leaves the shell or changes it: composeBatch refuses `exit`, `exec`, `set`, `trap`, `cd`,
   * `eval`, `.`, `unset`, `export`, `readonly`, `shift` and `IFS`, and variables not named `nl_…`.
   * Its stderr is discarded (the script keeps its own errors out of it) and its status is its last
   * command's.
   */
  readonly inShell?: true;
  /**
   * One command that reads what several sections would (one process instead of several): the
   * section it comes back as is replaced, when it arrives and in the run's result, by what `split`
   * makes of it, sections named `splits.names`. A run that holds those sections themselves instead
   * (recorded before they were read together) is taken as it is.
   */
  readonly splits?: { readonly names: readonly string[]; readonly split: (section: BatchSection) => ReadonlyMap<string, BatchSection> };
}

export interface BatchPart {
  readonly name: string;
  readonly text: string;
}

export interface BatchSection {
  /** stdout before the first `nl_part` */
  readonly stdout: string;
  readonly parts: readonly BatchPart[];
  readonly stderr?: string;
  /** exit status; 127 when a required program is missing, -1 when the section never came back */
  readonly code: number;
  /** programs `command -v` did not find */
  readonly missing?: readonly string[];
}

export interface BatchRun {
  readonly sections: ReadonlyMap<string, BatchSection>;
  readonly shell: ShellResult;
  /** the run was stopped at its limit: the sections that finished are real, the others say why they are not */
  readonly timedOut?: string;
}

const SECTION_NAME = /^[a-z][a-z0-9_-]*$/;
const PROGRAM_NAME = /^[A-Za-z0-9._+-]+$/;

export function composeBatch(commands: readonly BatchCommand[], delimiter: string): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(delimiter)) throw new NetlensError('BAD_INPUT', `batch delimiter must be 16+ alphanumerics`);
  const seen = new Set<string>();
  const lines = [
    `NL_D='${delimiter}'`,
    'LC_ALL=C; export LC_ALL',
    // A non-login SSH session often lacks the sbin directories where ip, bridge and iptables live.
    'command -v ip >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"',
    'exec 3>&1',
    `nl_part() { printf '\\n%s:part:%s\\n' "$NL_D" "$1"; }`,
  ];
  for (const c of commands) {
    if (!SECTION_NAME.test(c.name)) throw new NetlensError('BAD_INPUT', `bad batch section name ${JSON.stringify(c.name)}`);
    if (seen.has(c.name)) throw new NetlensError('BAD_INPUT', `duplicate batch section ${c.name}`);
    seen.add(c.name);
    for (const p of c.requires) {
      if (!PROGRAM_NAME.test(p)) throw new NetlensError('BAD_INPUT', `bad program name ${JSON.stringify(p)} in ${c.name}`);
    }
  }
  for (const c of commands) {
    if (c.inShell) inShellCheck(c);
    if (c.lane !== undefined && !(Number.isInteger(c.lane) && c.lane >= 0 && c.lane < 8)) throw new NetlensError('BAD_INPUT', `bad lane ${String(c.lane)} for ${c.name}`);
  }
  const lanes = [...new Set(commands.map((c) => c.lane ?? 0))].sort((a, b) => a - b).map((l) => commands.filter((c) => (c.lane ?? 0) === l));
  if (lanes.length <= 1) {
    lines.push(...commands.flatMap(sectionLines));
    return lines.join('\n') + '\n';
  }
  // The lanes are the stages of one pipeline and run at once. The first runs its sections in turn,
  // writing straight to the script's stdout (fd 4), so what finished is out even if a later one
  // stalls, and then says "go" down the pipe. Each later stage runs its sections with their output
  // held in a variable (a trailing x keeps the newlines command substitution would strip), waits
  // for "go" from the stage before it, writes what it held to fd 4 and says "go" to the next:
  // sections never interleave, and no temporary file is needed.
  const [first, ...later] = lanes;
  lines.push('exec 4>&1', '{', ...first!.flatMap(sectionLines), `printf 'go\\n' >&5`);
  later.forEach((lane, i) => {
    lines.push(
      i === 0 ? '} 5>&1 1>&4 3>&4 | {' : '} | {',
      `NL_HELD=$( exec 3>&1 4>&-`,
      ...lane.flatMap(sectionLines),
      `printf x ) </dev/null`,
      'read -r _',
      `printf '%s' "\${NL_HELD%x}" >&4`,
      `printf 'go\\n'`,
    );
  });
  // the last stage's "go" goes nowhere
  lines.push('} >/dev/null');
  return lines.join('\n') + '\n';
}

/** What an `inShell` script may not do (BatchCommand.inShell): leave the shell, or change it for the sections after it. */
const IN_SHELL_FORBIDDEN = /(^|[\s;&|(){}`])(exit|exec|set|trap|cd|eval|\.|unset|export|readonly|shift|source)(?=$|[\s;&|()])|\bIFS\b/m;
const ASSIGNED = /(?:^|[\s;&|({])([A-Za-z_][A-Za-z0-9_]*)=|\b(?:for|read(?:\s+-r)?)\s+([A-Za-z_][A-Za-z0-9_]*)/g;

function inShellCheck(c: BatchCommand): void {
  const bad = IN_SHELL_FORBIDDEN.exec(c.script);
  if (bad) throw new NetlensError('BAD_INPUT', `section ${c.name} runs in the batch's shell but uses ${JSON.stringify(bad[0].trim())}`);
  for (const m of c.script.matchAll(ASSIGNED)) {
    const name = m[1] ?? m[2]!;
    if (!name.startsWith('nl_')) throw new NetlensError('BAD_INPUT', `section ${c.name} runs in the batch's shell but sets ${name} (its variables are named nl_…)`);
  }
}

/** One section: begin marker, the script with its stdout on fd 3 and stderr held, end marker with status, stderr. */
function sectionLines(c: BatchCommand): string[] {
  if (c.inShell) {
    if (c.requires.length > 0) throw new NetlensError('BAD_INPUT', `section ${c.name} runs in the batch's shell: it cannot require programs`);
    return [
      `printf '%s:begin:%s\\n' "$NL_D" '${c.name}'`,
      `{\n${c.script}\n} 2>/dev/null 1>&3; NL_RC=$?`,
      `printf '\\n%s:end:%s:%s:\\n' "$NL_D" '${c.name}' "$NL_RC"`,
      `printf '\\n%s:done:%s\\n' "$NL_D" '${c.name}'`,
    ];
  }
  return [
    `printf '%s:begin:%s\\n' "$NL_D" '${c.name}'`,
    'NL_MISSING=',
    ...c.requires.map((p) => `command -v '${p}' >/dev/null 2>&1 || NL_MISSING="$NL_MISSING ${p}"`),
    'if [ -z "$NL_MISSING" ]; then',
    // stderr is captured into a variable while stdout goes straight to fd 3 (the real stdout),
    // so per-command stderr needs no temporary files on the host.
    `  NL_ERR=$( { (\n${c.script}\n) ; } 2>&1 1>&3 ); NL_RC=$?`,
    'else',
    '  NL_RC=127; NL_ERR="not found on the host (command -v):$NL_MISSING"',
    'fi',
    `printf '\\n%s:end:%s:%s:%s\\n' "$NL_D" '${c.name}' "$NL_RC" "$NL_MISSING"`,
    `printf '%s' "$NL_ERR"`,
    `printf '\\n%s:done:%s\\n' "$NL_D" '${c.name}'`,
  ];
}

/**
 * Splits the script's stdout back into sections; a section that never arrived gets code -1. With
 * `cutShort` (why the run was stopped) the one that had begun says it did not finish and the rest
 * that they were not run.
 */
export function parseBatch(output: string, delimiter: string, names: readonly string[], cutShort?: string): Map<string, BatchSection> {
  const result = new Map<string, BatchSection>();
  for (const name of names) {
    const begin = `${delimiter}:begin:${name}\n`;
    const start = output.indexOf(begin);
    const endMark = `\n${delimiter}:end:${name}:`;
    const end = start < 0 ? -1 : output.indexOf(endMark, start + begin.length - 1);
    if (start < 0 || end < 0) {
      const why = !cutShort
        ? 'the batch ended before this command finished'
        : start < 0
          ? `not run: ${cutShort}`
          : `did not finish: ${cutShort}`;
      result.set(name, { stdout: '', parts: [], code: -1, stderr: why });
      continue;
    }
    const body = output.slice(start + begin.length, end);
    const statusEnd = output.indexOf('\n', end + endMark.length);
    const [rc, missingText] = splitOnce(output.slice(end + endMark.length, statusEnd < 0 ? undefined : statusEnd), ':');
    const doneMark = `\n${delimiter}:done:${name}\n`;
    const done = statusEnd < 0 ? -1 : output.indexOf(doneMark, statusEnd);
    const stderr = done < 0 ? output.slice(statusEnd + 1) : output.slice(statusEnd + 1, done);
    const missing = missingText.trim() ? missingText.trim().split(/\s+/) : undefined;
    const { stdout, parts } = splitParts(body, delimiter);
    const code = /^\d+$/.test(rc) ? Number(rc) : -1;
    result.set(name, { stdout, parts, code, ...(stderr ? { stderr } : {}), ...(missing ? { missing } : {}) });
  }
  return result;
}

/**
 * A section that starts over (`nl_part retry`: what it printed so far is void, e.g. a scan a
 * vanished process cut short) is what it printed after its last retry.
 */
export const RETRY_PART = 'retry';

function splitParts(body: string, delimiter: string): { stdout: string; parts: BatchPart[] } {
  const mark = `\n${delimiter}:part:`;
  const pieces = body.split(mark);
  const parts: BatchPart[] = [];
  for (const piece of pieces.slice(1)) {
    const nl = piece.indexOf('\n');
    parts.push(nl < 0 ? { name: piece, text: '' } : { name: piece.slice(0, nl), text: piece.slice(nl + 1) });
  }
  const retry = parts.map((p) => p.name).lastIndexOf(RETRY_PART);
  if (retry >= 0) return { stdout: parts[retry]!.text, parts: parts.slice(retry + 1) };
  return { stdout: pieces[0] ?? '', parts };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Runs all commands in one `shell.run`. A failing transport rejects; a failing command does not.
 * A run stopped at its limit (one command stalled: a hung namespace, an iptables lock) keeps the
 * sections that finished; the stalled one and those after it come back unknown, saying so.
 * `onSection` is handed each section as soon as it has come, where the shell streams its output
 * (HostShell.run's onProgress); the run then returns those very objects.
 */
export async function runBatch(shell: HostShell, commands: readonly BatchCommand[], signal?: AbortSignal, onSection?: (name: string, section: BatchSection) => void): Promise<BatchRun> {
  const fresh = newDelimiter();
  const delimiter = shell.batchDelimiter?.(fresh) ?? fresh;
  const names = commands.map((c) => c.name);
  const splitting = new Splitting(commands);
  const scanner = onSection ? new SectionScanner(delimiter, (name, section) => splitting.each(name, section, onSection)) : null;
  let shellResult: ShellResult;
  try {
    shellResult = await shell.run(composeBatch(commands, delimiter), signal, scanner ? (chunk) => scanner.push(chunk) : undefined);
  } catch (e) {
    if (!(e instanceof ShellTimeoutError)) throw e;
    const why = `the host batch was stopped after ${formatDuration(e.timeoutMs)} (netlens' limit for one host batch)`;
    return { sections: splitting.all(parseBatch(e.stdout, delimiter, splitting.names(names), why)), shell: { stdout: e.stdout, stderr: '', code: -1 }, timedOut: e.message };
  }
  // the sections handed out as they came are the very objects returned, when they are the whole output
  return { sections: splitting.all(scanner?.sameAs(shellResult, names) ?? parseBatch(shellResult.stdout, delimiter, splitting.names(names))), shell: shellResult };
}

/** BatchCommand.splits in a run: each split once, so that what was handed out early is what the run returns. */
class Splitting {
  private readonly by = new Map<string, NonNullable<BatchCommand['splits']>>();
  private readonly done = new WeakMap<BatchSection, ReadonlyMap<string, BatchSection>>();

  constructor(commands: readonly BatchCommand[]) {
    for (const c of commands) if (c.splits) this.by.set(c.name, c.splits);
  }

  /** the names to look for in an output: the sections a split command stands for too (a run recorded before) */
  names(names: readonly string[]): string[] {
    return [...names, ...[...this.by.values()].flatMap((s) => s.names)];
  }

  private split(name: string, section: BatchSection): ReadonlyMap<string, BatchSection> {
    const splits = this.by.get(name);
    if (!splits) return new Map([[name, section]]);
    let parts = this.done.get(section);
    if (!parts) {
      parts = splits.split(section);
      this.done.set(section, parts);
    }
    return parts;
  }

  each(name: string, section: BatchSection, to: (name: string, section: BatchSection) => void): void {
    for (const [n, s] of this.split(name, section)) to(n, s);
  }

  all(sections: ReadonlyMap<string, BatchSection>): Map<string, BatchSection> {
    const out = new Map<string, BatchSection>();
    const standsFor = new Set([...this.by.values()].flatMap((s) => s.names));
    for (const [name, section] of sections) {
      const splits = this.by.get(name);
      if (!splits) {
        // a section a split command stands for is taken only from a run that holds it itself
        if (!standsFor.has(name) || section.code !== -1 || section.stdout || section.parts.length) out.set(name, section);
        continue;
      }
      // a run recorded before: the sections themselves are there, and the split command is not
      const recorded = section.code === -1 && !section.stdout && splits.names.every((n) => { const r = sections.get(n); return r && r.code !== -1; });
      if (recorded) continue;
      for (const [n, s] of this.split(name, section)) out.set(n, s);
    }
    return out;
  }
}

/**
 * Finds each section in the batch's stdout as it streams in (its `done` marker has come) and hands
 * it out parsed, while the sections after it still run. A marker is looked for only in what came
 * since the last one (and the few characters before, where a marker may have begun), and a
 * section's text is joined once, when it is complete: chunks of a few KB each must not cost a copy
 * of everything so far.
 */
class SectionScanner {
  private readonly decoder = new StringDecoder('utf8');
  private readonly mark: string;
  /** every piece of output, for the final comparison */
  private readonly all: string[] = [];
  private bytes = 0;
  /** the output since the last section's end */
  private pending: string[] = [];
  private pendingLength = 0;
  /** the end of `pending` where a marker may have begun */
  private tail = '';
  private readonly found = new Map<string, BatchSection>();

  constructor(
    private readonly delimiter: string,
    private readonly onSection: (name: string, section: BatchSection) => void,
  ) {
    this.mark = `\n${delimiter}:done:`;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const piece = this.decoder.write(chunk);
    if (!piece) return;
    this.all.push(piece);
    this.scan(piece);
  }

  private scan(piece: string): void {
    // Where the marker is in tail + piece, found without joining the two: the join would copy the
    // whole chunk again (indexOf flattens a concatenation). A marker begun in the tail (shorter
    // than the marker) ends within the piece's first characters.
    const { mark, tail } = this;
    const base = this.pendingLength - tail.length;
    this.pending.push(piece);
    this.pendingLength += piece.length;
    const inHead = tail ? (tail + piece.slice(0, mark.length)).indexOf(mark) : -1;
    const inPiece = inHead >= 0 && inHead < tail.length ? -1 : piece.indexOf(mark);
    const at = inHead >= 0 && inHead < tail.length ? inHead : inPiece < 0 ? -1 : tail.length + inPiece;
    const nl = at < 0 ? -1 : piece.indexOf('\n', at + mark.length - tail.length);
    if (nl < 0) {
      // a marker whose name has not all come yet is kept whole; else only where one may begin
      this.tail = at >= 0 ? (tail + piece).slice(at) : piece.length >= mark.length - 1 ? piece.slice(piece.length - (mark.length - 1)) : (tail + piece).slice(-(mark.length - 1));
      return;
    }
    const eol = tail.length + nl;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    const end = base + eol + 1;
    this.pending = [];
    this.pendingLength = 0;
    this.tail = '';
    const nameAt = at + mark.length - tail.length;
    this.emit(nameAt >= 0 ? piece.slice(nameAt, nl) : tail.slice(at + mark.length) + piece.slice(0, nl), text.slice(0, end));
    if (end < text.length) this.scan(text.slice(end));
  }

  private emit(name: string, text: string): void {
    if (this.found.has(name)) return;
    const section = parseBatch(text, this.delimiter, [name]).get(name);
    if (!section) return;
    this.found.set(name, section);
    try {
      this.onSection(name, section);
    } catch {
      // only an early look: what failed here is parsed again with the whole output
    }
  }

  /**
   * The sections found, when they are every one of `names` and the output scanned is the run's
   * stdout: as many bytes, all decoded, where the shell counts them (every chunk it kept came
   * here, in order), else the same text.
   */
  sameAs(result: ShellResult, names: readonly string[]): Map<string, BatchSection> | null {
    if (!names.every((n) => this.found.has(n))) return null;
    const whole = result.stdoutBytes !== undefined ? result.stdoutBytes === this.bytes && this.decoder.end() === '' : this.all.join('') + this.decoder.end() === result.stdout;
    if (!whole) return null;
    return new Map(names.map((n) => [n, this.found.get(n)!]));
  }
}

/**
 * One section on its own, asked when something needs it (listeners a trace reached, the kernel's
 * routes): the section that came back, or why there is none — a failed section or a failed shell,
 * in words a user can act on. Cancellation is thrown, not turned into a reason.
 */
export async function runSection(shell: HostShell, command: BatchCommand, signal?: AbortSignal): Promise<{ section: BatchSection } | { failure: string }> {
  try {
    const section = (await runBatch(shell, [command], signal)).sections.get(command.name);
    if (!section) return { failure: `${command.name}: not run` };
    const failure = sectionFailure(command.name, section);
    return failure ? { failure } : { section };
  } catch (e) {
    if (signal?.aborted) throw e;
    return { failure: `host shell ${shell.target} failed: ${errorMessage(e)}` };
  }
}

/** Why a section gives no fact, in words a user can act on. */
export function sectionFailure(name: string, s: BatchSection): string | null {
  if (s.missing?.length) return `${s.missing.join(', ')} not found on the host (command -v), needed for ${name}`;
  if (s.code === -1) return `${name}: ${s.stderr ?? 'no output'}`;
  if (s.code !== 0) return `${name} exited with ${s.code}${s.stderr ? `: ${firstLine(s.stderr)}` : ''}`;
  return null;
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
