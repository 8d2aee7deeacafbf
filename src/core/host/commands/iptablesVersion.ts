/** `iptables -V` says which backend (legacy or nf_tables) the iptables-save text came through. */
import type { BatchCommand } from '../batch';

export const iptablesVersionCommand: BatchCommand = { name: 'iptables-version', requires: ['iptables'], script: 'iptables -V' };
