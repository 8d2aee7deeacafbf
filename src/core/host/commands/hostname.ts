/**
 * The host's name and its kernel's release (what the engine's `/info` Name and KernelVersion are
 * compared with before host facts are joined): the kernel's own answers, read by the shell itself —
 * no process; `hostname` only where /proc/sys is not readable. (dash's read gets EOF before the
 * newline from /proc/sys, so the value is tested, not read's status.)
 */
import type { BatchCommand, BatchSection } from '../batch';
import { known, type Known } from '../../known';

export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  script: `v=; { read -r v < /proc/sys/kernel/hostname; } 2>/dev/null
if [ -n "$v" ]; then printf '%s\\n' "$v"; else hostname; fi
nl_part kernel-release
v=; { read -r v < /proc/sys/kernel/osrelease; } 2>/dev/null
printf '%s\\n' "$v"`,
};

/** The kernel release from the hostname section's part; absent in runs recorded before it was read. */
export function kernelReleaseOf(s: BatchSection | undefined): { kernelRelease?: Known<string> } {
  const part = s?.parts.find((p) => p.name === 'kernel-release');
  return part && part.text.trim() ? { kernelRelease: known(part.text.trim()) } : {};
}
