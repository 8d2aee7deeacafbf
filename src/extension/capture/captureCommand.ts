/**
 * What "Capture packets here" runs: `tcpdump -ni <interface>` on the Docker host, locally or over
 * ssh. The terminal gets an argv, never a command line: the interface (from the model, i.e. from
 * the kernel or Docker) is checked against the kernel's own name rules and passed to `sh -c` as a
 * positional parameter. Over ssh the remote shell does parse the command, which is why every part
 * of it is checked by a strict pattern first.
 *
 * Over ssh the target is resolved by src/core/ssh exactly as for the engine and the host shell
 * (~/.ssh/config, the same known_hosts files and keys), and the OpenSSH argv spells every choice
 * out; `display` is that argv, quoted as a shell would need it, so the user confirms what runs.
 */
import { quote } from 'shell-quote';
import { NetlensError } from '../../core/errors';
import { opensshArgv } from '../../core/ssh/openssh';
import { resolveSshTarget } from '../../core/ssh/target';
import type { ResolvedSshTarget, SshTarget } from '../../core/ssh/target';

/** Linux interface names: at most 15 bytes (IFNAMSIZ-1), and here only characters that need no quoting. */
const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** `enter`: the model's host was read in another namespace of this machine (rootless Docker): tcpdump runs there too */
export type CaptureTarget = { readonly kind: 'local'; readonly root: boolean; readonly enter?: readonly string[] } | { readonly kind: 'ssh'; readonly ssh: SshTarget };

/** nsenter and its options, as the host shell was started: nothing a shell would read as more */
const ENTER_WORD = /^[A-Za-z0-9_./=:-]+$/;

export interface CaptureCommand {
  readonly shellPath: string;
  readonly shellArgs: readonly string[];
  /** the exact command that runs, quoted for a shell: what the user is asked to confirm */
  readonly display: string;
  /** over ssh: the target the argv was built for, so its host key can be checked first with the same trust */
  readonly ssh?: ResolvedSshTarget;
}

export function checkInterfaceName(name: string): string {
  if (!INTERFACE_NAME.test(name) || name.startsWith('-')) {
    throw new NetlensError('BAD_INPUT', `"${name}" is not a Linux interface name netlens will pass to tcpdump`, 'capture');
  }
  return name;
}

// Keeps the terminal open after tcpdump ends so its last words (e.g. "permission denied") stay readable.
const HOLD = 'echo; echo "[capture ended with status $status] press Enter to close"; read _';

export function captureCommand(iface: string, target: CaptureTarget, env: Readonly<Record<string, string | undefined>> = process.env): CaptureCommand {
  checkInterfaceName(iface);
  if (target.kind === 'local') {
    const enter = target.enter ?? [];
    if (enter.length && (enter[0] !== 'nsenter' || !enter.every((w) => ENTER_WORD.test(w)))) {
      throw new NetlensError('BAD_INPUT', `"${enter.join(' ')}" is not an nsenter command netlens will run tcpdump with`, 'capture');
    }
    // entering one's own user namespace (rootless Docker as its user) gives tcpdump its capabilities there: no sudo
    const own = enter.includes('--user');
    const tcpdump = [...enter, 'tcpdump', '-ni', iface];
    const argv = target.root || own ? tcpdump : ['sudo', ...tcpdump];
    return {
      shellPath: '/bin/sh',
      shellArgs: ['-c', `"$@"; status=$?; ${HOLD}`, 'netlens-capture', ...argv],
      display: quote(argv),
    };
  }
  const resolved = resolveSshTarget(target.ssh, { env });
  const argv = opensshArgv(resolved, ['tcpdump', '-ni', iface], { tty: true });
  return {
    shellPath: '/bin/sh',
    shellArgs: ['-c', `"$@"; status=$?; ${HOLD}`, 'netlens-capture', ...argv],
    display: quote(argv),
    ssh: resolved,
  };
}
