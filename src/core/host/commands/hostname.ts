/** The host's name. `hostname` is absent from some minimal images; the kernel's own answer is always there. */
import type { BatchCommand } from '../batch';

export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  script: 'hostname 2>/dev/null || cat /proc/sys/kernel/hostname',
};
