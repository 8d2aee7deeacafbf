/**
 * How netlens logs in, in ssh's order: the agent (the config's IdentityAgent, else SSH_AUTH_SOCK) first, then the key files of the
 * target (the one the user named, the config's IdentityFile, else ssh's default names). netlens
 * never asks for a passphrase: an encrypted key file is skipped with that reason — its agent copy,
 * if loaded, is what logs in. Only when nothing at all is left is it an error, naming every reason.
 */
import { readFileSync } from 'node:fs';
import { utils as ssh2Utils } from 'ssh2';
import { NetlensError } from '../errors';
import type { ResolvedSshTarget } from './target';

export type AuthMethod =
  | { readonly type: 'agent'; readonly username: string; readonly agent: string }
  | { readonly type: 'publickey'; readonly username: string; readonly key: Buffer; readonly path: string };

export interface AuthPlan {
  readonly methods: readonly AuthMethod[];
  /** key files not used, each with why (encrypted, unreadable, not a key) */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** "agent, key ~/.ssh/id_ed25519", for messages */
  describe(): string;
}

export function planAuth(target: ResolvedSshTarget, env: Readonly<Record<string, string | undefined>>, tried: string): AuthPlan {
  const methods: AuthMethod[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const agent = agentSocket(target, env);
  if (agent) methods.push({ type: 'agent', username: target.username, agent });
  for (const path of target.identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(path);
    } catch (e) {
      // ssh's default names are only tried where they exist; a named key that is missing is worth saying
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !target.identityFilesExplicit) continue;
      skipped.push({ path, reason: `cannot be read: ${(e as Error).message}` });
      continue;
    }
    const parsed = ssh2Utils.parseKey(key);
    if (parsed instanceof Error) {
      skipped.push({
        path,
        reason: /encrypted|passphrase/i.test(parsed.message)
          ? 'is encrypted and netlens does not ask for passphrases (load it into your agent with ssh-add)'
          : `is not a private key netlens can use: ${parsed.message}`,
      });
      continue;
    }
    methods.push({ type: 'publickey', username: target.username, key, path });
  }
  const describe = (): string => methods.map((m) => (m.type === 'agent' ? `agent (${m.agent})` : `key ${m.path}`)).join(', ') || 'nothing';
  if (methods.length === 0) {
    const reasons = skipped.map((s) => `${s.path} ${s.reason}`);
    throw new NetlensError(
      'SSH_AUTH',
      `no way to log in to ${target.username}@${target.hostName}: no SSH agent (${target.identityAgent ?? 'SSH_AUTH_SOCK'})${reasons.length > 0 ? `, and ${reasons.join('; ')}` : ` and no key file (${target.identityFiles.join(', ')})`}`,
      tried,
    );
  }
  return { methods, skipped, describe };
}

/** IdentityAgent as ssh reads it: `none`, an environment variable (`SSH_AUTH_SOCK`, `$NAME`), or a socket path. */
function agentSocket(target: ResolvedSshTarget, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const setting = target.identityAgent ?? 'SSH_AUTH_SOCK';
  if (setting === 'none') return undefined;
  if (setting === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (setting.startsWith('$')) return env[setting.slice(1).replace(/^\{(.*)\}$/, '$1')] || undefined;
  return setting;
}
