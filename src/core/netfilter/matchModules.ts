/**
 * The match modules the evaluator understands. A rule using any other module is kept, listed in its
 * `unparsed`, and makes a trace through it uncertain.
 */
export const KNOWN_MATCH_MODULES: ReadonlySet<string> = new Set([
  'tcp', 'udp', 'icmp', 'icmp6', 'multiport', 'addrtype', 'conntrack', 'state', 'set', 'comment', 'mark', 'iprange', 'ipvs',
  // decided only when the trace knows the bridge ports / source MAC, else uncertain
  'physdev', 'mac',
]);

