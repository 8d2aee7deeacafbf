/**
 * The OpenSSH command line for a resolved target, for what must run in a terminal (capture): every
 * choice netlens made is spelled out as an option — the address, port, user, the same known_hosts
 * files, the key files — and `-F none` keeps a config file from changing any of it behind the
 * command the user confirmed. `BatchMode` and `StrictHostKeyChecking=yes`: never a prompt, never a
 * host key trusted on first use.
 */
import { existsSync } from 'node:fs';
import { NetlensError } from '../errors';
import type { ResolvedSshTarget } from './target';

/** Characters a path may have to go into an `-o Keyword=value` (ssh splits on spaces, expands % and ~). */
const SAFE_PATH = /^[A-Za-z0-9_./@+,=-]+$/;
const SAFE_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const SAFE_HOST = /^[A-Za-z0-9_.:]([A-Za-z0-9_.:-]*)$/;

function checked(path: string, what: string): string {
  if (!SAFE_PATH.test(path)) throw new NetlensError('BAD_INPUT', `the ${what} path "${path}" has characters netlens will not pass to ssh`, 'capture');
  return path;
}

/** argv for `ssh … -- host remote…`; `remote` must already be safe for the remote shell. */
export function opensshArgv(target: ResolvedSshTarget, remote: readonly string[], opts: { tty?: boolean } = {}): string[] {
  if (target.proxyJump) {
    throw new NetlensError('SSH_CONFIG', `${target.alias} is reached through ProxyJump ${target.proxyJump}; a capture terminal does not go through jump hosts yet`, 'capture');
  }
  if (!SAFE_HOST.test(target.hostName)) throw new NetlensError('BAD_INPUT', `"${target.hostName}" is not a host name netlens will pass to ssh`, 'capture');
  if (!SAFE_USER.test(target.username)) throw new NetlensError('BAD_INPUT', `"${target.username}" is not a user name netlens will pass to ssh`, 'capture');
  const files = (list: readonly string[], what: string): string => (list.length > 0 ? list.map((f) => checked(f, what)).join(' ') : 'none');
  const keys = target.identityFiles.filter((f) => existsSync(f)).flatMap((f) => ['-i', checked(f, 'key')]);
  return [
    'ssh',
    '-F', 'none',
    ...(opts.tty ? ['-t'] : []),
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${files(target.userKnownHostsFiles, 'known_hosts')}`,
    '-o', `GlobalKnownHostsFile=${files(target.globalKnownHostsFiles, 'known_hosts')}`,
    ...(target.knownHostsName !== defaultKnownHostsName(target) ? ['-o', `HostKeyAlias=${checked(target.knownHostsName, 'HostKeyAlias')}`] : []),
    ...(target.identityAgent !== undefined ? ['-o', `IdentityAgent=${identityAgentOption(target.identityAgent)}`] : []),
    ...keys,
    '-p', String(target.port),
    '-l', target.username,
    '--', target.hostName.replace(/^\[|\]$/g, ''),
    ...remote,
  ];
}

function defaultKnownHostsName(t: ResolvedSshTarget): string {
  const h = t.hostName.toLowerCase();
  return t.port === 22 ? h : `[${h}]:${t.port}`;
}

/** `none`, `SSH_AUTH_SOCK` and `$NAME` go as they are (ssh reads them itself); a socket path is checked. */
function identityAgentOption(setting: string): string {
  return /^(none|SSH_AUTH_SOCK|\$[A-Za-z_][A-Za-z0-9_]*)$/.test(setting) ? setting : checked(setting, 'IdentityAgent');
}
