/**
 * Docker's own network namespaces under /var/run/docker/netns/ that belong to no container process:
 * an overlay network's `1-<network id, 10 chars>` (its br0 and vxlan0), the swarm's `ingress_sbox`
 * and the load-balancer namespaces `lb_<network id, 9 chars>`. They have no PID, so they are entered
 * by path (`nsenter --net=PATH`); without nsenter there is nothing else to read them by, and each
 * stays unknown with the reason. Two kinds of file are skipped on purpose: `default` is the host's
 * own namespace, and 12-hex names are container sandboxes, read through their process already.
 * Names come from the host, so the script admits only NETNS_NAME characters before using one.
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { DockerNetns, NetInterface } from '../types';
import { unknown } from '../../known';
import { NETNS_BATCH_INPUT, parseNetnsBatch } from './netnsBatch';
import { NETNS_NAME } from './namedNetns';

export const DOCKER_NETNS_DIR = '/var/run/docker/netns';

export const dockerNetnsCommand: BatchCommand = {
  name: 'docker-netns',
  requires: ['ip'],
  script: `d=${DOCKER_NETNS_DIR}
if [ ! -d "$d" ]; then
  # /var/run/docker is root-only: an unprivileged shell cannot even see whether netns/ exists
  if [ -e /var/run/docker ] && ! { [ -r /var/run/docker ] && [ -x /var/run/docker ]; }; then
    echo "cannot enter /var/run/docker (permission denied)" >&2; exit 13
  fi
  exit 0
fi
{ [ -r "$d" ] && [ -x "$d" ]; } || { echo "cannot list $d (permission denied)" >&2; exit 13; }
for f in "$d"/*; do
  [ -e "$f" ] || continue
  n=\${f##*/}
  case "$n" in
    default|''|[!A-Za-z0-9_]*|*[!A-Za-z0-9_.-]*) continue ;;
    *[!0-9a-f]*) ;;
    *) [ \${#n} -eq 12 ] && continue ;;
  esac
  [ \${#n} -le 64 ] || continue
  nl_part "ns:$n"
  if command -v nsenter >/dev/null 2>&1; then
    e=$( { printf '${NETNS_BATCH_INPUT}' | nsenter --net="$f" ip -json -d -batch - ; } 2>&1 1>&3 ); rc=$?
  else
    e='nsenter: not found on the host (command -v nsenter)'; rc=127
  fi
  if [ "$rc" -ne 0 ] || [ -n "$e" ]; then nl_part "err:$n"; printf '%s\\n' "\${e:-exit status $rc}"; fi
done
true`,
};

/** One DockerNetns per namespace part; `id` is filled in later from the host's interfaces. */
export function parseDockerNetns(section: BatchSection): DockerNetns[] {
  const errors = new Map<string, string>();
  for (const p of section.parts) if (p.name.startsWith('err:')) errors.set(p.name.slice(4), p.text.trim());
  const out: DockerNetns[] = [];
  for (const p of section.parts) {
    if (!p.name.startsWith('ns:')) continue;
    const name = p.name.slice(3);
    if (!NETNS_NAME.test(name)) continue; // the script already refused it; belt and braces
    const path = `${DOCKER_NETNS_DIR}/${name}`;
    const what = `nsenter --net=${path} ip -json -d -batch`;
    const err = errors.get(name);
    const facts =
      p.text.trim() === '' && err !== undefined
        ? { interfaces: unknown(`${what}: ${err}`), routes: unknown(`${what}: ${err}`), neighbours: unknown(`${what}: ${err}`) }
        : parseNetnsBatch(p.text, what);
    out.push({ name, path, id: null, ...facts });
  }
  return out;
}

/**
 * The netnsid the host uses for each namespace, where the kernel shows it: a host veth whose peer
 * lives there carries that id as link_netnsid (docker_gwbridge's port to ingress_sbox does). The
 * peer is recognised by the veth pair pointing at each other (our linkIndex is its index and its
 * linkIndex is ours). An overlay namespace usually has no veth to the host, so its id stays null:
 * `ip netns list-id` would list the id but names only /var/run/netns files, never Docker's.
 */
export function withHostNetnsIds(namespaces: readonly DockerNetns[], hostInterfaces: readonly NetInterface[]): DockerNetns[] {
  return namespaces.map((ns) => {
    if (!ns.interfaces.known) return ns;
    const inside = ns.interfaces.value;
    for (const h of hostInterfaces) {
      if (h.kind !== 'veth' || h.linkNetnsId === null || h.linkIndex === null) continue;
      if (inside.some((i) => i.index === h.linkIndex && i.linkIndex === h.index)) return { ...ns, id: h.linkNetnsId };
    }
    return ns;
  });
}
