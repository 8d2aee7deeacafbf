/**
 * The nftables tables iptables does not own (Docker 29's native backend, firewalld, the user's
 * own), as JSON text for core/netfilter.
 *
 * `nft -j list ruleset` also lists iptables-nft's own tables (`ip filter`, `ip nat` …), translating
 * each of their rules back from the kernel's expressions; those tables are read from iptables-save
 * and dropped again (netfilter/hooks.ts nativeNftTables), and translating them was most of nft's
 * run on a host with many published ports. The section lists the tables (`nft list tables`, which
 * reads nothing but their names) and then each other IPv4 or IPv6 table (ip, ip6, inet) on its own,
 * one part `table:FAMILY:NAME` of `nft -j list table` output each. The arp, bridge and netdev
 * families are not read: a trace follows IPv4 and IPv6 hooks only. A name that is not plain
 * (`[A-Za-z0-9_.-]`) is never put into the command: the whole ruleset is read instead, as before.
 * Recordings made before hold the whole ruleset in the section's stdout; they still parse.
 */
import type { BatchCommand, BatchSection } from '../batch';
import { IPTABLES_NFT_TABLE_NAMES } from '../../netfilter/hooks';
import { parseError } from '../ipJson';

export const nftRulesetCommand: BatchCommand = {
  name: 'nft-ruleset',
  requires: ['nft'],
  script: `nl_t=$(nft list tables) || exit $?
printf '%s\\n' "$nl_t"
# the tables to list, as FAMILY NAME pairs; a ! when a line is not a plain \`table FAMILY NAME\`
# (split by this shell: a loop read from a pipe would cost two processes)
set -f
nl_l=
IFS='
'
for nl_line in $nl_t; do
  IFS=' '
  set -- $nl_line
  [ "$1" = table ] || continue
  [ $# -eq 3 ] || { nl_l='!'; break; }
  case "$2" in ''|*[!A-Za-z0-9_.-]*) nl_l='!'; break ;; esac
  case "$3" in ''|*[!A-Za-z0-9_.-]*) nl_l='!'; break ;; esac
  case "$2:$3" in
    ip:${IPTABLES_NFT_TABLE_NAMES.join('|ip:')}|ip6:${IPTABLES_NFT_TABLE_NAMES.join('|ip6:')}) ;;
    ip:*|ip6:*|inet:*) nl_l="$nl_l $2 $3" ;;
  esac
done
IFS=' '
case "$nl_l" in *'!'*) nl_part whole; exec nft -j list ruleset ;; esac
# plain names only (no blank, no pattern character): split as words
set -- $nl_l
while [ $# -ge 2 ]; do
  nl_part "table:$1:$2"
  nft -j list table "$1" "$2" || exit $?
  shift 2
done`,
};

/**
 * The section as one `nft -j` document (`{"nftables": [...]}`): the tables listed one by one put
 * into one list, or the whole ruleset where the section read it (a name that was not plain, a
 * recording made before).
 */
export function nftRulesetText(s: BatchSection): string {
  const whole = s.parts.find((p) => p.name === 'whole');
  if (whole) return whole.text;
  const tables = s.parts.filter((p) => p.name.startsWith('table:'));
  if (tables.length === 0 && s.stdout.trimStart().startsWith('{')) return s.stdout;
  const items: unknown[] = [];
  for (const t of tables) {
    let doc: unknown;
    try {
      doc = JSON.parse(t.text);
    } catch (e) {
      throw parseError(`nft -j list table ${t.name.slice('table:'.length).replace(':', ' ')}`, `not JSON: ${(e as Error).message}`, t.text);
    }
    const list = (doc as { nftables?: unknown } | null)?.nftables;
    if (!Array.isArray(list)) throw parseError(`nft -j list table ${t.name.slice('table:'.length).replace(':', ' ')}`, 'no "nftables" array', t.text);
    items.push(...list.filter((i) => !(i && typeof i === 'object' && 'metainfo' in i)));
  }
  return JSON.stringify({ nftables: items });
}
