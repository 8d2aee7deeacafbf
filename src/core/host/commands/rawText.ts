/**
 * Commands whose output other parts of the core parse (core/netfilter) or that need no parsing:
 * the text is kept exactly as the host printed it.
 */
import type { BatchCommand } from '../batch';

export const iptablesSaveCommand: BatchCommand = { name: 'iptables-save', requires: ['iptables-save'], script: 'iptables-save' };
export const ip6tablesSaveCommand: BatchCommand = { name: 'ip6tables-save', requires: ['ip6tables-save'], script: 'ip6tables-save' };
export const nftRulesetCommand: BatchCommand = { name: 'nft-ruleset', requires: ['nft'], script: 'nft -j list ruleset' };
export const iptablesVersionCommand: BatchCommand = { name: 'iptables-version', requires: ['iptables'], script: 'iptables -V' };
// `hostname` is absent from some minimal images; the kernel's own answer is always there.
export const hostnameCommand: BatchCommand = {
  name: 'hostname',
  requires: [],
  script: 'hostname 2>/dev/null || cat /proc/sys/kernel/hostname',
};
