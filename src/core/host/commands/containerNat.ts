/**
 * A container's own nat table, read when a trace needs it: Docker writes a REDIRECT of the published
 * port to the target port inside every task of a service published through the Swarm's ingress
 * mesh (and its embedded DNS rules in containers on user-defined networks). One round trip for all
 * containers asked; each enters its namespace by PID, checked against the namespace inode the
 * snapshot saw, as the listeners' read does (containerListeners.ts).
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { Known } from '../../known';
import { unknown } from '../../known';
import { targetLines, type ListenerTarget } from './containerListeners';

export function containerNatCommand(targets: readonly ListenerTarget[]): BatchCommand {
  const lines = targetLines(targets);
  return {
    name: 'container-nat',
    requires: ['nsenter', 'iptables-save'],
    script: `printf '%s\\n' '${lines.join('\n')}' | while read -r p i; do
  [ -n "$p" ] || continue
  nl_part "nat:$p"
  l=$(readlink "/proc/$p/ns/net" 2>/dev/null) || { echo "netlens: gone"; continue; }
  if [ "$i" != - ] && [ "$l" != "net:[$i]" ]; then echo "netlens: moved"; continue; fi
  nsenter -t "$p" -n iptables-save -t nat 2>&1 || echo "exit status $?"
done`,
  };
}

/** Each target's nat table text, or why it is not known. */
export function parseContainerNat(section: BatchSection, targets: readonly ListenerTarget[]): Record<string, Known<string>> {
  const out: Record<string, Known<string>> = {};
  for (const t of targets) {
    const what = `nsenter -t ${t.pid} -n iptables-save -t nat`;
    const part = section.parts.find((p) => p.name === `nat:${t.pid}`);
    const text = part?.text ?? '';
    const first = text.trim().split('\n')[0] ?? '';
    if (!part) out[t.containerId] = unknown(`${what}: no answer`);
    else if (first === 'netlens: gone' || first === 'netlens: moved') out[t.containerId] = unknown(`${what}: PID ${t.pid} is no longer in the namespace the snapshot read (the container stopped or restarted)`);
    // no nat table in the namespace prints nothing: a fact, not a failure
    else if (first === '' || first.startsWith('#') || first.startsWith('*')) out[t.containerId] = { known: true, value: text };
    else out[t.containerId] = unknown(`${what}: ${first}`);
  }
  return out;
}
