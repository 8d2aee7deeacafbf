/** The whole nftables ruleset as JSON text, kept verbatim for core/netfilter (newer engines write nft directly). */
import type { BatchCommand } from '../batch';

export const nftRulesetCommand: BatchCommand = { name: 'nft-ruleset', requires: ['nft'], script: 'nft -j list ruleset' };
