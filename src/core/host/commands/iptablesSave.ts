/**
 * The legacy-syntax rule dumps for both families, kept verbatim: core/netfilter parses them and
 * keeps each rule's raw text for explanations.
 */
import type { BatchCommand } from '../batch';

export const iptablesSaveCommand: BatchCommand = { name: 'iptables-save', requires: ['iptables-save'], script: 'iptables-save' };
export const ip6tablesSaveCommand: BatchCommand = { name: 'ip6tables-save', requires: ['ip6tables-save'], script: 'ip6tables-save' };
