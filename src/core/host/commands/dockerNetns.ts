/**
 * Docker's own network namespaces under /var/run/docker/netns/ (or `<exec root>/netns` of a dockerd
 * in the shell's network namespace started with `--exec-root`) that belong to no container process:
 * an overlay network's `1-<network id, 10 chars>` (its br0 and vxlan0), the swarm's `ingress_sbox`
 * and the load-balancer namespaces `lb_<network id, 9 chars>`. They have no PID, so they are entered
 * by path (`nsenter --net=PATH`); without nsenter there is nothing else to read them by, and each
 * stays unknown with the reason. Two kinds of file are skipped on purpose: `default` is the host's
 * own namespace, and 12-hex names are container sandboxes, read through their process already.
 * Names come from the host, so the script admits only NETNS_NAME characters before using one.
 */
import type { BatchCommand, BatchSection } from '../batch';
import type { DockerNetns, FdbEntry, IpvsTable, NetInterface } from '../types';
import type { Known } from '../../known';
import { errorMessage } from '../../errors';
import { jsonArrays, optStr, str, strList } from '../ipJson';
import { unknown } from '../../known';
import { NETNS_BATCH_INPUT, parseNetnsBatch } from './netnsBatch';
import { NETNS_NAME } from './namedNetns';
import { NO_IPVS_MARKER, parseProcIpVs } from './ipvs';

export const DOCKER_NETNS_DIR = '/var/run/docker/netns';

export const dockerNetnsCommand: BatchCommand = {
  name: 'docker-netns',
  requires: ['ip'],
  script: `d=${DOCKER_NETNS_DIR}
# a dockerd in this shell's network namespace started with its own --exec-root keeps them under it
# (test's -ef: the same namespace is the same nsfs inode; no readlink process for it). The one in
# the default pid file is asked first: reading every process's name costs some 0.1 ms a container.
q=; { read -r q </var/run/docker.pid; } 2>/dev/null
case "$q" in ''|*[!0-9]*) q= ;; *) q=/proc/$q ;; esac
for p in $q /proc/[0-9]*; do
  read -r c 2>/dev/null <"$p/comm" || continue
  [ "$c" = dockerd ] || continue
  [ "$p/ns/net" -ef /proc/self/ns/net ] || continue
  # The shell's read drops the NULs between arguments (dash, bash and busybox do): arguments that,
  # so joined, hold an option but no --exec-root have none, and no tr is started for them (a shell
  # that stopped at the first NUL would have joined no option).
  a=; while IFS= read -r l || [ -n "$l" ]; do a="$a$l"; l=; done <"$p/cmdline" 2>/dev/null
  case "$a" in *--exec-root*) ;; *--*) break ;; esac
  x=$(tr '\\0' '\\n' <"$p/cmdline" 2>/dev/null | while read -r a; do case "$a" in --exec-root=*) echo "\${a#--exec-root=}"; break ;; --exec-root) read -r b; echo "$b"; break ;; esac; done)
  case "$x" in *[!A-Za-z0-9_./-]*|*..*|'') ;; /*) d="$x/netns" ;; esac
  break
done
if [ "$d" != ${DOCKER_NETNS_DIR} ]; then nl_part dir; printf '%s\\n' "$d"; fi
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
  case "$n" in
    [0-9]*-*)
      # an overlay's namespace: its VXLAN forwarding entries (which MAC sits behind which node)
      nl_part "fdb:$n"
      if ! command -v nsenter >/dev/null 2>&1; then echo 'nsenter: not found on the host (command -v nsenter)'
      elif ! command -v bridge >/dev/null 2>&1; then echo 'bridge: not found on the host (command -v bridge)'
      else nsenter --net="$f" bridge -json fdb show 2>&1 || echo "exit status $?"
      fi ;;
    ingress_sbox|lb_*)
      # the Swarm's load balancers: IPVS services (the routing mesh's, a service VIP's) and the
      # marks and NAT that lead packets to them, all inside this namespace
      command -v nsenter >/dev/null 2>&1 || continue
      nl_part "ipvs:$n"
      nsenter --net="$f" sh -c 'if [ -e /proc/net/ip_vs ]; then cat /proc/net/ip_vs; else echo "${NO_IPVS_MARKER}"; fi' 2>&1 || echo "exit status $?"
      nl_part "ipt:$n"
      if command -v iptables-save >/dev/null 2>&1; then nsenter --net="$f" iptables-save 2>&1 || echo "exit status $?"
      else echo 'iptables-save: not found on the host (command -v iptables-save)'
      fi ;;
  esac
done
true`,
};

/** One DockerNetns per namespace part; `id` is filled in later from the host's interfaces. */
export function parseDockerNetns(section: BatchSection): DockerNetns[] {
  const errors = new Map<string, string>();
  for (const p of section.parts) if (p.name.startsWith('err:')) errors.set(p.name.slice(4), p.text.trim());
  const out: DockerNetns[] = [];
  // where the script found them: a dockerd's own --exec-root, else the default
  const dir = section.parts.find((p) => p.name === 'dir')?.text.trim() || DOCKER_NETNS_DIR;
  for (const p of section.parts) {
    if (!p.name.startsWith('ns:')) continue;
    const name = p.name.slice(3);
    if (!NETNS_NAME.test(name)) continue; // the script already refused it; belt and braces
    const path = `${dir}/${name}`;
    const what = `nsenter --net=${path} ip -json -d -batch`;
    const err = errors.get(name);
    const facts =
      p.text.trim() === '' && err !== undefined
        ? { interfaces: unknown(`${what}: ${err}`), routes: unknown(`${what}: ${err}`), neighbours: unknown(`${what}: ${err}`) }
        : parseNetnsBatch(p.text, what);
    const fdbPart = section.parts.find((x) => x.name === `fdb:${name}`);
    const ipvsPart = section.parts.find((x) => x.name === `ipvs:${name}`);
    const iptPart = section.parts.find((x) => x.name === `ipt:${name}`);
    out.push({
      name,
      path,
      id: null,
      ...facts,
      ...(fdbPart ? { fdb: parseFdb(fdbPart.text, `nsenter --net=${path} bridge -json fdb show`) } : {}),
      ...(ipvsPart ? { ipvs: parseIpvsPart(ipvsPart.text, `nsenter --net=${path} cat /proc/net/ip_vs`) } : {}),
      ...(iptPart ? { iptablesSave: parseIptablesPart(iptPart.text, `nsenter --net=${path} iptables-save`) } : {}),
    });
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

/** `bridge -json fdb show` output, or the script's reason why it could not run. */
export function parseFdb(text: string, what: string): Known<readonly FdbEntry[]> {
  const t = text.trim();
  if (t === '') return { known: true, value: [] };
  if (!t.startsWith('[')) return unknown(`${what}: ${t}`);
  try {
    const [records] = jsonArrays(t, 1, what);
    return {
      known: true,
      value: (records ?? []).map((r) => ({
        mac: str(r, 'mac', what),
        dev: optStr(r, 'ifname', what) ?? optStr(r, 'dev', what) ?? '',
        dst: optStr(r, 'dst', what),
        master: optStr(r, 'master', what),
        flags: strList(r, 'flags', what),
        state: optStr(r, 'state', what) ?? '',
      })),
    };
  } catch (e) {
    return unknown(errorMessage(e));
  }
}

/** The IPVS part: the services, none (the kernel shows no IPVS in this namespace), or why it was not read. */
export function parseIpvsPart(text: string, what: string): Known<IpvsTable> {
  const t = text.trim();
  if (t === NO_IPVS_MARKER) return { known: true, value: { present: false, services: [] } };
  if (!t.startsWith('IP Virtual Server')) return unknown(`${what}: ${t.split('\n')[0] || 'no output'}`);
  try {
    return { known: true, value: { present: true, services: parseProcIpVs(t, what) } };
  } catch (e) {
    return unknown(errorMessage(e));
  }
}

/** The namespace's iptables-save text, or why there is none. */
function parseIptablesPart(text: string, what: string): Known<string> {
  const t = text.trim();
  // an empty ruleset prints nothing at all: a namespace without rules is a fact, not a failure
  if (t === '' || t.startsWith('#') || t.startsWith('*')) return { known: true, value: text };
  return unknown(`${what}: ${t.split('\n')[0]}`);
}
