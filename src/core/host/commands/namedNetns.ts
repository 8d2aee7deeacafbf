/**
 * Named network namespaces (`ip netns add`, the third seed's RED and BLUE): the list with their
 * host-side netnsids, then each one's interfaces, routes and neighbours. Names come from the host,
 * so the script itself admits only names matching NETNS_NAME before they reach `ip -n`.
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { NamedNetns } from '../types';
import { jsonArrays, optNum, str } from '../ipJson';
import { NETNS_BATCH_INPUT, attempt, parseNetnsBatch } from './netnsBatch';
import { unknown } from '../../known';
import { listenersFromTables, socketTablesScript } from './procNetSockets';

/** Same characters the shell `case` below admits. */
export const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export const namedNetnsCommand: BatchCommand = {
  name: 'netns',
  requires: ['ip'],
  script: `# no named namespace at all: nothing for ip to list (it would print [])
set -- /var/run/netns/*
[ -e "$1" ] || exit 0
ip -json netns list
# the section's status is the list's: a namespace's socket tables that cannot be read (no grep,
# no nsenter) leave only its listeners unknown
nl_rc=$?
for f in /var/run/netns/*; do
  [ -e "$f" ] || continue
  n=\${f##*/}
  case "$n" in
    ''|[!A-Za-z0-9_]*|*[!A-Za-z0-9_.-]*) continue ;;
  esac
  [ \${#n} -le 64 ] || continue
  nl_part "ns:$n"
  e=$( { printf '${NETNS_BATCH_INPUT}' | ip -n "$n" -json -d -batch - ; } 2>&1 1>&3 )
  if [ -n "$e" ]; then nl_part "err:$n"; printf '%s\\n' "$e"; fi
  nl_part "sockets:$n"
  # /proc/self/net is the reading process's namespace: grep run inside NAME reads NAME's tables
  if command -v nsenter >/dev/null 2>&1; then nsenter --net="$f" ${socketTablesScript('/proc/self/net')}
  else ip netns exec "$n" ${socketTablesScript('/proc/self/net')}; fi
done
exit $nl_rc`,
};

export function parseNamedNetns(section: BatchSection): NamedNetns[] {
  const what = 'ip -json netns list';
  const listText = section.stdout.trim();
  const list = listText ? (jsonArrays(listText, 1, what)[0] ?? []) : [];
  const ids = new Map<string, number | null>();
  for (const r of list) ids.set(str(r, 'name', what), optNum(r, 'id', what));
  const errors = new Map<string, string>();
  for (const p of section.parts) if (p.name.startsWith('err:')) errors.set(p.name.slice(4), p.text.trim());
  const sockets = new Map<string, string>();
  for (const p of section.parts) if (p.name.startsWith('sockets:')) sockets.set(p.name.slice('sockets:'.length), p.text);
  const out: NamedNetns[] = [];
  for (const p of section.parts) {
    if (!p.name.startsWith('ns:')) continue;
    const name = p.name.slice(3);
    if (!NETNS_NAME.test(name)) continue; // the script already refused it; belt and braces
    const what = `ip -n ${name} -json -d -batch`;
    const err = errors.get(name);
    const facts = p.text.trim() === '' && err ? { interfaces: unknown(`${what}: ${err}`), routes: unknown(`${what}: ${err}`), neighbours: unknown(`${what}: ${err}`) } : parseNetnsBatch(p.text, what);
    const socketText = sockets.get(name);
    // a recording made before netlens read sockets has no such part: leave the fact out, not unknown
    const listeners = socketText === undefined ? {} : { listeners: attempt(() => listenersFromTables(socketText, `/proc/net/{tcp,tcp6,udp,udp6} of netns ${name}`)) };
    out.push({ name, id: ids.get(name) ?? null, ...facts, ...listeners });
  }
  return out;
}
