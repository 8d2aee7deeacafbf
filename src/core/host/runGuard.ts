/**
 * How a host script is run so that nothing of it outlives its run — locally and over SSH alike.
 *
 * The shell is started as `sh -c 'IFS= read -r W; eval "$W"' nl-run MARKER DEADLINE` and reads,
 * from its stdin: one line of guard code (W below), the script, a line holding only MARKER
 * (drawn fresh per run) and an empty line. stdin then stays OPEN for the whole run: the caller closes it only to
 * cancel. The guard
 *   - makes sure it leads its own process group (a local run is spawned detached, sshd gives every
 *     session its own; otherwise it re-execs itself under `setsid`), so `kill -9 0` reaches every
 *     process the script started — `nsenter`, `ip`, `iptables-save`, whatever they forked;
 *   - feeds the script to `sh -s`, whose exit status becomes the run's: sed copies it up to MARKER
 *     (the shell's own `read` takes a pipe a byte at a time, which cost a 25 KB batch some 35 ms
 *     here; sed, like every stdio reader, takes what the pipe holds, and nothing follows MARKER),
 *     and only a host without sed copies it line by line with `read`;
 *   - then watches stdin: end of input (the caller cancelled, closed the channel, or died; sshd
 *     closes it when the SSH connection drops) kills the whole group;
 *   - kills the whole group after DEADLINE seconds even when nobody is left to close stdin (a
 *     client that vanished behind a silent network) — where `sleep` is on the PATH;
 *   - when the script ends normally, sends TERM to what is left of the group (the watchers, a
 *     background process a command left behind), itself ignoring it, and exits with the status.
 * Without /proc (G unknown) or setsid it cannot lead a group; it then runs the script with only
 * itself as the target of its kills (the batch would outlive a cancel there). Every Linux host
 * netlens reads has /proc.
 *
 * Input that ends before MARKER means the caller cancelled while sending: whatever lines arrived
 * are not trusted to be a whole script, and the group is killed before they can do much (by the
 * stdin watcher, which finds the input ended, where sed copied; by the copy loop otherwise).
 *
 * A local run (shell.ts, guardedLocalRun) passes its script in the shell's environment instead:
 * NL_SCRIPT, which only its own user and root can read (arguments every user sees in ps, and a
 * batch script holds its run's delimiter). The shell takes it into a variable and out of the
 * environment, so that nothing it starts inherits it, starts the same stdin watcher and runs the
 * script in a subshell (which drops the variable too) with its input from /dev/null: no sed and no second sh, two of a host
 * batch's fifteen process starts. It needs no setsid (it is spawned leading its own group) and no
 * deadline (its limit is the caller's timer, its input the caller's own pipe).
 */
import { newEndMarker } from './markers';
import { NetlensError } from '../errors';

/** The command line (the one thing a login shell parses): POSIX sh, and fine in bash, zsh, fish and csh. */
export const GUARD_BOOTSTRAP = 'IFS= read -r W; eval "$W"';

/** One line; no single quotes, so it could also travel inside '…' if a caller needed that. */
const GUARD_CODE = [
  'G=; read -r _ _ _ _ G _ </proc/$$/stat 2>/dev/null;',
  'if [ -n "$G" ] && [ "$G" != "$$" ] && command -v setsid >/dev/null 2>&1; then exec setsid sh -c "$W" "$0" "$@"; fi;',
  'K=0; [ "$G" = "$$" ] || K=$$;',
  'exec 3<&0;',
  'T=; if [ "$2" -gt 0 ]; then ( sleep "$2" && kill -9 $K ) >/dev/null 2>&1 </dev/null & T=$!; fi;',
  '{ F=1; if command -v sed >/dev/null 2>&1; then sed -n -e "/^$1\\$/q" -e p;',
  'else F=; while IFS= read -r l; do if [ "$l" = "$1" ]; then F=1; break; fi; printf "%s\\n" "$l"; done; fi; exec >&-;',
  '[ -n "$F" ] || kill -9 $K;',
  '( while read -r _; do :; done <&3; kill -9 $K ) >/dev/null 2>&1 & } <&3 2>/dev/null | sh -s 3<&-; R=$?;',
  'exec 3<&-;',
  'if [ "$K" = 0 ]; then trap "" TERM; kill -TERM 0; else kill $T 2>/dev/null; fi;',
  'exit $R',
].join(' ');

/** Seconds the guard waits beyond the caller's own limit: the caller normally cancels first. */
export const GUARD_GRACE_S = 5;

export interface GuardedRun {
  /** argv after the shell: `-c BOOTSTRAP nl-run MARKER DEADLINE` (a local run: `-c LOCAL_GUARD nl-run`) */
  readonly args: readonly string[];
  /** what to write to stdin (without closing it) */
  readonly input: string;
  /** the end marker of the input, where the script is sent through it */
  readonly marker: string | null;
  /** what the shell's environment gains (a local run: NL_SCRIPT) */
  readonly env: Readonly<Record<string, string>>;
}

/** One line, like GUARD_CODE; the script is in NL_SCRIPT. */
const LOCAL_GUARD = [
  'G=; read -r _ _ _ _ G _ </proc/$$/stat 2>/dev/null; K=0; [ "$G" = "$$" ] || K=$$;',
  'S=$NL_SCRIPT; unset NL_SCRIPT;',
  'exec 3<&0; ( while read -r _; do :; done <&3; kill -9 $K ) >/dev/null 2>&1 & exec 3<&-;',
  '( eval "unset S; $S" ) </dev/null; R=$?;',
  'if [ "$K" = 0 ]; then trap "" TERM; kill -TERM 0; fi;',
  'exit $R',
].join(' ');

/** An environment string may hold 128 KiB (Linux' MAX_ARG_STRLEN): a longer script goes through stdin. */
export const LOCAL_SCRIPT_MAX = 120_000;

/** A local run whose script is in the environment (see above); null when it is too long for that. */
export function guardedLocalRun(script: string): GuardedRun | null {
  if (Buffer.byteLength(script) > LOCAL_SCRIPT_MAX) return null;
  return { args: ['-c', LOCAL_GUARD, 'nl-run'], input: '', marker: null, env: { NL_SCRIPT: script } };
}

/** `marker`: the end marker to use (a run started ahead: shell.ts' EarlyRun), else one drawn now. */
export function guardedRun(script: string, timeoutMs: number | null, marker = newEndMarker()): GuardedRun {
  // it is a word of the command line and a sed pattern
  if (!/^[A-Za-z0-9]{16,}$/.test(marker)) throw new NetlensError('BAD_INPUT', 'a run end marker must be 16+ alphanumerics');
  const deadline = timeoutMs === null ? 0 : Math.ceil(timeoutMs / 1000) + GUARD_GRACE_S;
  const body = script.endsWith('\n') ? script : `${script}\n`;
  // the empty line after MARKER is for sed, which reads a line ahead (to know the last one) and
  // would otherwise wait there for the rest of the input, i.e. until the run is cancelled
  return { args: ['-c', GUARD_BOOTSTRAP, 'nl-run', marker, String(deadline)], input: `${GUARD_CODE}\n${body}${marker}\n\n`, marker, env: {} };
}

/** The SSH exec command for a guarded run: the login shell only sees `exec sh …` and safe words. */
export function guardedRemoteCommand(run: GuardedRun): string {
  const [, bootstrap, ...rest] = run.args;
  return `exec sh -c '${bootstrap}' ${rest.join(' ')}`;
}
