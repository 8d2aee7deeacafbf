/**
 * The host's name and its kernel's release (what the engine's `/info` Name and KernelVersion are
 * compared with before host facts are joined): the kernel's own answers, read by the shell itself —
 * no process, not even a subshell (BatchCommand.inShell); `hostname` only where /proc/sys is not
 * readable. (dash's read gets EOF before the
 * newline from /proc/sys, so the value is tested, not read's status.)
 */
import type { BatchCommand, BatchSection } from '../batch';
import { known, type Known } from '../../known';

export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  inShell: true,
  script: `nl_v=; { read -r nl_v < /proc/sys/kernel/hostname; } 2>/dev/null
if [ -n "$nl_v" ]; then printf '%s\\n' "$nl_v"; else hostname; fi
nl_part kernel-release
nl_v=; { read -r nl_v < /proc/sys/kernel/osrelease; } 2>/dev/null
printf '%s\\n' "$nl_v"`,
};

/** The kernel release from the hostname section's part; absent in runs recorded before it was read. */
export function kernelReleaseOf(s: BatchSection | undefined): { kernelRelease?: Known<string> } {
  const part = s?.parts.find((p) => p.name === 'kernel-release');
  return part && part.text.trim() ? { kernelRelease: known(part.text.trim()) } : {};
}
