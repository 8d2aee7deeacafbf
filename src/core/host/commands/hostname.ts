/**
 * The host's name and its kernel's release (what the engine's `/info` Name and KernelVersion are
 * compared with before host facts are joined). `hostname` is absent from some minimal images; the
 * kernel's own answer is always there.
 */
import type { BatchCommand, BatchSection } from '../batch';
import { known, type Known } from '../../known';

export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  script: 'hostname 2>/dev/null || cat /proc/sys/kernel/hostname\nnl_part kernel-release\ncat /proc/sys/kernel/osrelease',
};

/** The kernel release from the hostname section's part; absent in runs recorded before it was read. */
export function kernelReleaseOf(s: BatchSection | undefined): { kernelRelease?: Known<string> } {
  const part = s?.parts.find((p) => p.name === 'kernel-release');
  return part && part.text.trim() ? { kernelRelease: known(part.text.trim()) } : {};
}
