/**
 * The forwarding and bridge-netfilter switches that decide whether Docker's NAT and filter rules
 * see a packet at all. Read from /proc/sys rather than `sysctl`, which is not always installed;
 * a key whose file is missing (br_netfilter not loaded) is absent, not "0".
 */
import type { BatchCommand } from '../batch';
import { parseError } from '../ipJson';

export const SYSCTL_KEYS = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
] as const;

/**
 * route_localnet per interface decides whether a DNAT of loopback traffic (a publish reached on
 * 127.0.0.1 without docker-proxy) may leave by a bridge; the glob reads every interface's at once.
 */
const ROUTE_LOCALNET = /^net\.ipv4\.conf\.[^=/\s]+\.route_localnet$/;
const routeLocalnetScript =
  // read is the shell's own: a cat per interface cost one process per host veth, i.e. per container.
  // (dash reads a byte at a time and /proc/sys answers EOF before the newline: read's status is 1
  // with the value read, hence the test of the value rather than of the status.)
  `for nl_f in /proc/sys/net/ipv4/conf/*/route_localnet; do nl_v=; { read -r nl_v < "$nl_f"; } 2>/dev/null; [ -n "$nl_v" ] || continue; nl_d=\${nl_f#/proc/sys/net/ipv4/conf/}; ` +
  `printf 'net.ipv4.conf.%s.route_localnet=%s\\n' "\${nl_d%/route_localnet}" "$nl_v"; done`;

export const sysctlsCommand: BatchCommand = {
  name: 'sysctls',
  requires: [],
  // builtins only: no process at all (BatchCommand.inShell)
  inShell: true,
  script:
    SYSCTL_KEYS.map((k) => `nl_f=/proc/sys/${k.replace(/\./g, '/')}; nl_v=; { read -r nl_v < "$nl_f"; } 2>/dev/null; [ -n "$nl_v" ] && printf '%s=%s\\n' '${k}' "$nl_v"`).join('\n') +
    `\n${routeLocalnetScript}\ntrue`,
};

export function parseSysctls(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (eq < 0 || !((SYSCTL_KEYS as readonly string[]).includes(key) || ROUTE_LOCALNET.test(key))) throw parseError('sysctls', 'unexpected line', line);
    out[key] = line.slice(eq + 1).trim();
  }
  return out;
}
