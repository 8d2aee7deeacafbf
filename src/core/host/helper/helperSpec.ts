/**
 * The helper container of the `container` host shell, as data: what it runs and with which rights.
 * Everything here is fixed text and argv — the image name (checked below), a run id we draw and a
 * deadline we compute are the only values that vary, and none of them reaches a shell's parser.
 * The editor shows exactly this (describeHelper) before the first use on an engine.
 *
 * Inside the helper (image's /bin/sh, host PID namespace, the engine's network namespace):
 *   1. find the Docker daemon (or Podman's service) whose network namespace is the helper's own —
 *      the engine we asked, even when several run on one machine;
 *   2. enter the mount namespace of that daemon, else of PID 1, whichever has `sh` and `ip`
 *      (nsenter where the image has it, else `chroot /proc/PID/root`), and print which on the
 *      first line;
 *   3. exec the host's `/bin/sh` as the same guard every host shell runs (runGuard.ts), which reads the
 *      batch from stdin.
 * The daemon comes first: its mount namespace is where Docker's netns files and the iptables it
 * uses live (on Docker Desktop and Colima, PID 1 of the VM has few tools of its own).
 */
import { GUARD_BOOTSTRAP } from '../runGuard';
import { NetlensError } from '../../errors';

export const HELPER_LABEL = 'netlens.helper';
/** epoch seconds after which no run can still want this helper: a later run may remove it */
export const HELPER_EXPIRES_LABEL = 'netlens.helper.expires';
export const HELPER_RUN_LABEL = 'netlens.helper.run';

/**
 * Argument layout: $1 guard marker, $2 guard deadline (s), $3 the guard's bootstrap line.
 * `read` and `case` are builtins: the scan of /proc forks only for the daemons it finds.
 * `/bin/sh`, never `sh`, after entering: busybox (Debian's static build, the official image)
 * prefers its own applets, so a bare `sh` would be the image's ash running the image's `ip`.
 */
export const HELPER_SCRIPT = [
  'me=$(readlink /proc/self/ns/net); P=; W=',
  'for d in /proc/[0-9]*; do',
  '  read -r c 2>/dev/null <"$d/comm" || continue',
  '  case "$c" in dockerd|podman) ;; *) continue ;; esac',
  '  [ "$(readlink "$d/ns/net" 2>/dev/null)" = "$me" ] || continue',
  '  P=${d#/proc/}; W=$c; break',
  'done',
  'has() {',
  "  if command -v nsenter >/dev/null 2>&1 && nsenter -t \"$1\" -m /bin/sh -c 'command -v ip' >/dev/null 2>&1; then H=nsenter; return 0; fi",
  "  if chroot \"/proc/$1/root\" /bin/sh -c 'command -v ip' >/dev/null 2>&1; then H=chroot; return 0; fi",
  '  return 1',
  '}',
  'for t in "$P:$W" "1:init"; do',
  '  p=${t%%:*}; [ -n "$p" ] || continue',
  '  has "$p" || continue',
  '  echo "netlens-helper: $H into the mount namespace of ${t#*:} (pid $p)"',
  '  if [ "$H" = nsenter ]; then exec nsenter -t "$p" -m /bin/sh -c "$3" nl-run "$1" "$2"; fi',
  '  exec chroot "/proc/$p/root" /bin/sh -c "$3" nl-run "$1" "$2"',
  'done',
  'echo "netlens-helper: no mount namespace with sh and ip: neither ${W:-a Docker daemon in this network namespace} ${P:+(pid $P)} nor PID 1" >&2',
  'exit 125',
].join('\n');

/** The first stdout line the helper prints before the guard takes over. */
export const HELPER_SAYS = /^netlens-helper: ((?:nsenter|chroot) into the mount namespace of \S+ \(pid \d+\))\n/;

/**
 * Rather than `Privileged` (every capability, every device, no masked /proc), exactly what the
 * batch needs: entering namespaces (SYS_ADMIN, SYS_CHROOT), reading other processes' /proc
 * (SYS_PTRACE, DAC_*), netfilter and netlink dumps (NET_ADMIN, NET_RAW), the guard's kills (KILL).
 * It is still root on the host's namespaces — hence the consent. Seccomp and AppArmor profiles
 * would refuse setns. (A host whose own bounding set lacks a capability — as some sandboxes do —
 * cannot start a Privileged container at all; this set starts there too.)
 */
export const HELPER_CAPABILITIES = ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'NET_ADMIN', 'NET_RAW', 'KILL'] as const;

/** An image reference as `docker pull` takes it; anything else is refused before it is sent. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:]{0,254}(@sha256:[a-f0-9]{64})?$/;

export function checkImageRef(image: string): string {
  if (!IMAGE_REF.test(image)) throw new NetlensError('BAD_INPUT', `not an image reference: ${JSON.stringify(image)}`);
  return image;
}

export interface HelperRun {
  readonly image: string;
  /** hex, drawn per run */
  readonly runId: string;
  /** the guard's marker and deadline (runGuard.ts guardedRun args) */
  readonly marker: string;
  readonly deadlineS: number;
  /** epoch seconds after which the helper is stale */
  readonly expires: number;
}

/** POST /containers/create body. */
export function helperCreateBody(run: HelperRun): Record<string, unknown> {
  return {
    Image: checkImageRef(run.image),
    Cmd: ['/bin/sh', '-c', HELPER_SCRIPT, 'nl-helper', run.marker, String(run.deadlineS), GUARD_BOOTSTRAP],
    Entrypoint: [],
    // the image may set none; the host's sbin directories hold ip, iptables-save, nft
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C'],
    Labels: { [HELPER_LABEL]: '1', [HELPER_RUN_LABEL]: run.runId, [HELPER_EXPIRES_LABEL]: String(run.expires) },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    NetworkDisabled: false,
    HostConfig: helperHostConfig(),
  };
}

export function helperHostConfig(): Record<string, unknown> {
  return {
    PidMode: 'host',
    NetworkMode: 'host',
    UTSMode: 'host',
    CapDrop: ['ALL'],
    CapAdd: [...HELPER_CAPABILITIES],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'label=disable'],
    AutoRemove: true,
    LogConfig: { Type: 'none', Config: {} },
  };
}

/** What the editor shows before the first use on an engine: the exact create request, readable. */
export function describeHelper(image: string): string {
  const hc = helperHostConfig();
  return [
    `netlens will start a short-lived container on this engine (image ${image}), removed when the batch ends:`,
    `HostConfig ${JSON.stringify(hc)}`,
    `labels ${HELPER_LABEL}=1, a run id and an expiry; it runs /bin/sh -c with this script:`,
    HELPER_SCRIPT,
    'then the same read-only host batch the local and SSH shells run (ip, bridge, iptables-save, /proc reads), written to its stdin.',
  ].join('\n');
}
