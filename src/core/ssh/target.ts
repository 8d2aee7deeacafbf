/**
 * Where an SSH connection goes and what it trusts, resolved once from what the user gave (a host
 * or `~/.ssh/config` alias, maybe a port, user, key, known_hosts) and `~/.ssh/config`, read with
 * the `ssh-config` package. The engine connection, the host shell and capture all start from
 * the same ResolvedSshTarget, so they reach the same host with the same trust.
 *
 * As in ssh, what the user gave explicitly wins over the config file, and the first value the file
 * gives for a keyword wins over later ones; Include is followed. `Match exec` is never run: its
 * condition counts as false, so its block does not apply.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { LineType } from 'ssh-config';
import type { Directive } from 'ssh-config';
import { NetlensError } from '../errors';
import { knownHostsName } from './knownHosts';

export interface SshTarget {
  /** a host name, an address or a Host alias of ~/.ssh/config */
  readonly host: string;
  readonly port?: number;
  readonly username?: string;
  /** tried after the agent, before the config file's IdentityFile and ssh's default key files */
  readonly privateKeyPath?: string;
  /** instead of the user known_hosts files (~/.ssh/known_hosts, known_hosts2); the global ones still apply */
  readonly knownHostsPath?: string;
}

export interface ResolvedSshTarget {
  /** what the user named (an alias, or the host itself) */
  readonly alias: string;
  /** the address to connect to (HostName, else the alias) */
  readonly hostName: string;
  readonly port: number;
  readonly username: string;
  /** the name checked against certificate principals (HostKeyAlias, else hostName), lower-case as ssh has it */
  readonly hostKeyName: string;
  /** the name looked up in known_hosts: HostKeyAlias as it is, else `hostName` or `[hostName]:port` */
  readonly knownHostsName: string;
  /** key files in the order they are tried after the agent; the first-named need not exist */
  readonly identityFiles: readonly string[];
  /** whether identityFiles came from the user or the config (else ssh's defaults, tried only where present) */
  readonly identityFilesExplicit: boolean;
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /**
   * IdentityAgent from the config: a socket path, `none` (no agent), or an environment variable
   * (`SSH_AUTH_SOCK`, `$NAME`) read when logging in; absent means SSH_AUTH_SOCK
   */
  readonly identityAgent?: string;
  /** ProxyJump from the config, when set and not "none" */
  readonly proxyJump?: string;
  /** the config file read, if any */
  readonly configFile?: string;
}

export interface ResolveOptions {
  /** HOME and USER come from here (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** default ~/.ssh/config; a file that does not exist is no config */
  readonly configFile?: string;
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

export function homeOf(env: Readonly<Record<string, string | undefined>>): string {
  return env.HOME || homedir();
}

/** Reads and evaluates the config file for `alias`; keys are lower-case, values as in the file. */
function configFor(file: string, alias: string, user: string | undefined, home: string): Record<string, string | string[]> | null {
  const parsed = readConfig(file, home, 0);
  if (!parsed) return null;
  try {
    return parsed.compute({ Host: alias, ...(user ? { User: user } : {}) }, { ignoreCase: true, matchExec: false });
  } catch (e) {
    throw new NetlensError('SSH_CONFIG', `cannot evaluate ${file}: ${(e as Error).message}`, file, { cause: e });
  }
}

/** ssh's limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;

function readConfig(file: string, home: string, depth: number): SSHConfig | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NetlensError('SSH_CONFIG', `cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (e) {
    throw new NetlensError('SSH_CONFIG', `cannot parse ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  return withIncludes(parsed, file, home, depth);
}

/**
 * ssh-config parses `Include` but does not follow it; ssh does. The included files' lines take the
 * Include's place: at the top level as they are (a later top-level line stays top-level, as in ssh),
 * inside a Host or Match block only when they hold no Host or Match of their own (ssh scopes those
 * in a way a flat list cannot say; netlens refuses such a file rather than misread it).
 */
function withIncludes(config: SSHConfig, file: string, home: string, depth: number): SSHConfig {
  const out = SSHConfig.parse('');
  for (const line of config) {
    if (isCanonicalize(line)) continue;
    if (line.type === LineType.DIRECTIVE && /^include$/i.test(line.param)) {
      for (const f of includedFiles(line.value, file, home, depth)) out.push(...(readConfig(f, home, depth + 1) ?? []));
      continue;
    }
    if ('config' in line && line.config.some((l) => isCanonicalize(l) || (l.type === LineType.DIRECTIVE && /^include$/i.test(l.param)))) {
      const inner = SSHConfig.parse('');
      for (const sub of line.config) {
        if (isCanonicalize(sub)) continue;
        if (sub.type !== LineType.DIRECTIVE || !/^include$/i.test(sub.param)) {
          inner.push(sub);
          continue;
        }
        for (const f of includedFiles(sub.value, file, home, depth)) {
          const lines = readConfig(f, home, depth + 1) ?? [];
          if (lines.some((l) => 'config' in l)) throw new NetlensError('SSH_CONFIG', `${f}, included inside "${line.param} ${valueText(line.value)}" of ${file}, has Host or Match blocks of its own; netlens does not read that nesting`, file);
          inner.push(...lines);
        }
      }
      line.config = inner;
    }
    out.push(line);
  }
  return out;
}

/**
 * CanonicalizeHostName is left out: ssh-config would answer it by running nslookup synchronously,
 * with no time limit, inside the editor's process. The host name is used as written.
 */
function isCanonicalize(line: SSHConfig[number]): boolean {
  return line.type === LineType.DIRECTIVE && /^canonicalizehostname$/i.test(line.param);
}

const valueText = (v: Directive['value']): string => (typeof v === 'string' ? v : v.map((x) => x.val).join(' '));

/** An Include's patterns as ssh reads them: ~ is HOME, a relative path is under ~/.ssh, `*` and `?` in the file name. */
function includedFiles(value: Directive['value'], file: string, home: string, depth: number): string[] {
  if (depth >= MAX_INCLUDE_DEPTH) throw new NetlensError('SSH_CONFIG', `Include nested deeper than ${MAX_INCLUDE_DEPTH} in ${file}`, file);
  const patterns = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value.map((v) => v.val);
  return patterns.flatMap((raw) => {
    const p = raw.replace(/^~(?=\/|$)/, home);
    const abs = isAbsolute(p) ? p : join(home, '.ssh', p);
    const dir = dirname(abs);
    const name = basename(abs);
    if (/[*?[]/.test(dir)) throw new NetlensError('SSH_CONFIG', `Include ${raw} in ${file}: netlens expands * and ? in the file name only`, file);
    if (!/[*?]/.test(name)) return [abs];
    const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return []; // as ssh: a pattern that matches nothing includes nothing
    }
    return names.filter((n) => !n.startsWith('.') && re.test(n)).sort().map((n) => join(dir, n));
  });
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
/** Multi-value keywords (UserKnownHostsFile a b) arrive as arrays or as one space-separated string. */
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean));

/**
 * ssh's TOKENS for the keywords netlens reads (IdentityFile, HostName, known_hosts files). A token
 * netlens does not know is an error, not a silent literal.
 */
function expand(value: string, keyword: string, t: { home: string; hostName: string; alias: string; port: number; user: string; localUser: string }, file: string): string {
  let v = value.replace(/^~(?=\/|$)/, t.home);
  v = v.replace(/%(.)/g, (whole, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return t.home;
      case 'h':
        return t.hostName;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      case 'u':
        return t.localUser;
      default:
        throw new NetlensError('SSH_CONFIG', `${keyword} ${value}: netlens does not expand ${whole}`, file);
    }
  });
  return v;
}

function validPort(v: string | number | undefined, where: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new NetlensError('BAD_INPUT', `SSH port ${String(v)} is not a port number`, where);
  return n;
}

export function resolveSshTarget(target: SshTarget, opts: ResolveOptions = {}): ResolvedSshTarget {
  const env = opts.env ?? process.env;
  const home = homeOf(env);
  const localUser = env.USER || userInfo().username;
  const configFile = opts.configFile ?? join(home, '.ssh', 'config');
  const found = configFor(configFile, target.host, target.username, home);
  const cfg = found ?? {};
  const port = validPort(target.port, `ssh ${target.host}`) ?? validPort(first(cfg.port), configFile) ?? 22;
  const username = target.username ?? first(cfg.user) ?? localUser;
  const tokens = { home, alias: target.host, hostName: target.host, port, user: username, localUser };
  const hostName = expand(first(cfg.hostname) ?? target.host, 'HostName', tokens, configFile);
  const withHost = { ...tokens, hostName };
  const path = (p: string, keyword: string): string => {
    const e = expand(p, keyword, withHost, configFile);
    return isAbsolute(e) ? e : join(home, '.ssh', e);
  };
  const configured = list(cfg.identityfile).filter((f) => f.toLowerCase() !== 'none').map((f) => path(f, 'IdentityFile'));
  const explicit = [...(target.privateKeyPath ? [target.privateKeyPath] : []), ...configured];
  const identityFiles = explicit.length > 0 ? explicit : DEFAULT_IDENTITIES.map((f) => join(home, '.ssh', f));
  const userKnown = target.knownHostsPath
    ? [target.knownHostsPath]
    : list(cfg.userknownhostsfile).length > 0
      ? list(cfg.userknownhostsfile).map((f) => path(f, 'UserKnownHostsFile'))
      : [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')];
  const globalKnown = list(cfg.globalknownhostsfile).length > 0 ? list(cfg.globalknownhostsfile).map((f) => path(f, 'GlobalKnownHostsFile')) : DEFAULT_GLOBAL_KNOWN_HOSTS;
  const jump = first(cfg.proxyjump);
  const agentSetting = first(cfg.identityagent);
  const identityAgent =
    agentSetting === undefined ? undefined : agentSetting === 'none' || agentSetting === 'SSH_AUTH_SOCK' || agentSetting.startsWith('$') ? agentSetting : path(agentSetting, 'IdentityAgent');
  const hostKeyAlias = first(cfg.hostkeyalias);
  return {
    alias: target.host,
    hostName,
    port,
    username,
    hostKeyName: (hostKeyAlias ?? hostName).toLowerCase(),
    knownHostsName: hostKeyAlias ?? knownHostsName(hostName.toLowerCase(), port),
    identityFiles,
    identityFilesExplicit: explicit.length > 0,
    userKnownHostsFiles: userKnown.filter((f) => f.toLowerCase() !== 'none'),
    globalKnownHostsFiles: globalKnown.filter((f) => f.toLowerCase() !== 'none'),
    ...(identityAgent !== undefined ? { identityAgent } : {}),
    ...(jump && jump.toLowerCase() !== 'none' ? { proxyJump: jump } : {}),
    ...(found ? { configFile } : {}),
  };
}

/** `user@host:port`, for messages and `tried`. */
export function describeTarget(t: ResolvedSshTarget): string {
  const via = t.alias !== t.hostName ? ` (${t.alias})` : '';
  return `ssh ${t.username}@${t.hostName}:${t.port}${via}`;
}
