/**
 * What "Capture packets here" runs: `tcpdump -ni <interface>` on the Docker host, locally or over
 * ssh. The terminal gets an argv, never a command line: the interface (from the model, i.e. from
 * the kernel or Docker) is checked against the kernel's own name rules and passed to `sh -c` as a
 * positional parameter. Over ssh the remote shell does parse the command, which is why every part
 * of it is checked by a strict pattern first.
 */
import { NetlensError } from '../../core/errors';

/** Linux interface names: at most 15 bytes (IFNAMSIZ-1), and here only characters that need no quoting. */
const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;
const SSH_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const SSH_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9A-Fa-f:]+\]?)$/;

export type CaptureTarget =
  | { readonly kind: 'local'; readonly root: boolean }
  | { readonly kind: 'ssh'; readonly host: string; readonly port: number; readonly user?: string; readonly privateKeyPath?: string; readonly knownHostsPath?: string };

export interface CaptureCommand {
  readonly shellPath: string;
  readonly shellArgs: readonly string[];
  /** what the user is asked to confirm, as they would type it */
  readonly display: string;
}

export function checkInterfaceName(name: string): string {
  if (!INTERFACE_NAME.test(name) || name.startsWith('-')) {
    throw new NetlensError('BAD_INPUT', `"${name}" is not a Linux interface name netlens will pass to tcpdump`, 'capture');
  }
  return name;
}

// Keeps the terminal open after tcpdump ends so its last words (e.g. "permission denied") stay readable.
const HOLD = 'echo; echo "[capture ended with status $status] press Enter to close"; read _';

export function captureCommand(iface: string, target: CaptureTarget): CaptureCommand {
  checkInterfaceName(iface);
  if (target.kind === 'local') {
    const argv = target.root ? ['tcpdump', '-ni', iface] : ['sudo', 'tcpdump', '-ni', iface];
    return {
      shellPath: '/bin/sh',
      shellArgs: ['-c', `"$@"; status=$?; ${HOLD}`, 'netlens-capture', ...argv],
      display: argv.join(' '),
    };
  }
  if (!SSH_HOST.test(target.host)) throw new NetlensError('BAD_INPUT', `"${target.host}" is not a host name netlens will pass to ssh`, 'capture');
  if (target.user !== undefined && !SSH_USER.test(target.user)) throw new NetlensError('BAD_INPUT', `"${target.user}" is not a user name netlens will pass to ssh`, 'capture');
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new NetlensError('BAD_INPUT', `ssh port ${target.port} is out of range`, 'capture');
  const host = target.host.replace(/^\[|\]$/g, '');
  const dest = target.user ? `${target.user}@${host}` : host;
  // StrictHostKeyChecking=yes: a capture never trusts a host key it has not seen before.
  const argv = [
    'ssh', '-t', '-p', String(target.port), '-o', 'StrictHostKeyChecking=yes',
    ...(target.knownHostsPath ? ['-o', `UserKnownHostsFile=${target.knownHostsPath}`] : []),
    ...(target.privateKeyPath ? ['-i', target.privateKeyPath] : []),
    '--', dest, 'tcpdump', '-ni', iface,
  ];
  return {
    shellPath: '/bin/sh',
    shellArgs: ['-c', `"$@"; status=$?; ${HOLD}`, 'netlens-capture', ...argv],
    display: `ssh -p ${target.port} ${dest} tcpdump -ni ${iface}`,
  };
}
