/**
 * The host's name: the kernel's own answer (what `hostname` prints), read by the shell itself —
 * no process; `hostname` only where /proc/sys is not readable. (dash's read gets EOF before the
 * newline from /proc/sys, so the value is tested, not read's status.)
 */
import type { BatchCommand } from '../batch';

export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  script: `v=; { read -r v < /proc/sys/kernel/hostname; } 2>/dev/null
if [ -n "$v" ]; then printf '%s\\n' "$v"; else hostname; fi`,
};
