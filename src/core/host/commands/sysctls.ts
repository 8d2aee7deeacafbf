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

export const sysctlsCommand: BatchCommand = {
  name: 'sysctls',
  requires: [],
  script: SYSCTL_KEYS.map((k) => `f=/proc/sys/${k.replace(/\./g, '/')}; [ -r "$f" ] && printf '%s=%s\\n' '${k}' "$(cat "$f")"`).join('\n') + '\ntrue',
};

export function parseSysctls(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (eq < 0 || !(SYSCTL_KEYS as readonly string[]).includes(key)) throw parseError('sysctls', 'unexpected line', line);
    out[key] = line.slice(eq + 1).trim();
  }
  return out;
}
