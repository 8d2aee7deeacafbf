/**
 * Which engines to show, from the `netlens.*` settings: `netlens.engines` when it lists any (each a
 * separate root), else the single engine of `netlens.engine.host` / `netlens.engine.context`. Bad
 * entries are reported and skipped; the others are still shown.
 */
import type { SessionOptions, SessionTimeouts, SshTarget } from '../../core/session';

export type HostShellSetting = 'auto' | 'local' | 'ssh' | 'none' | 'container';

export interface SshSettings {
  readonly host?: string;
  readonly user?: string;
  readonly port?: number;
  readonly privateKeyPath?: string;
  readonly knownHostsPath?: string;
}

export interface EngineSettings {
  readonly name?: string;
  readonly host?: string;
  readonly context?: string;
  readonly hostShell?: HostShellSetting;
  readonly ssh?: SshSettings;
}

export interface EngineSpec {
  /** stable, used in tree ids */
  readonly key: string;
  readonly label: string;
  readonly options: Omit<SessionOptions, 'log' | 'env'>;
  readonly hostShell: HostShellSetting;
  readonly ssh: SshSettings;
}

const HOST_SHELLS: readonly HostShellSetting[] = ['auto', 'local', 'ssh', 'none', 'container'];
const ENGINE_URL = /^(unix|tcp|ssh|npipe):\/\/\S+$/;

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The host part of a tcp:// or ssh:// engine URL, where the SSH host shell goes by default. */
function engineUrlHost(url: string | undefined): { host?: string; user?: string; port?: number } {
  if (!url || !/^(tcp|ssh):\/\//.test(url)) return {};
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return {
      ...(host ? { host } : {}),
      ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
      ...(url.startsWith('ssh://') && u.port ? { port: Number(u.port) } : {}),
    };
  } catch {
    return {};
  }
}

export interface EngineDefaults {
  readonly hostShell: HostShellSetting;
  readonly ssh: SshSettings;
  /** netlens.helperImage: the `container` host shell's image ('' = a busybox already on the engine, else busybox:stable) */
  readonly helperImage?: string;
  /** the same for every engine */
  readonly timeouts?: SessionTimeouts;
}

/**
 * `netlens.timeouts.*` as the core takes them: seconds to milliseconds; a value that is not a
 * positive number is left out (the core's default applies) rather than turned into "no limit".
 */
export function timeoutsFromSeconds(raw: { engineRequest?: unknown; hostBatch?: unknown }): SessionTimeouts {
  const ms = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v * 1000) : undefined);
  const engineRequestMs = ms(raw.engineRequest);
  const hostBatchMs = ms(raw.hostBatch);
  return { ...(engineRequestMs !== undefined ? { engineRequestMs } : {}), ...(hostBatchMs !== undefined ? { hostBatchMs } : {}) };
}

function engineSpec(raw: EngineSettings, defaults: EngineDefaults, fallbackLabel: string): EngineSpec | string {
  const host = nonEmpty(raw.host);
  const context = nonEmpty(raw.context);
  if (host && !ENGINE_URL.test(host)) return `engine "${host}" is not a unix://, tcp://, ssh:// or npipe:// URL`;
  if (host && context) return `engine "${raw.name ?? host}" sets both a host and a context; keep one`;
  const hostShell = raw.hostShell ?? defaults.hostShell;
  if (!HOST_SHELLS.includes(hostShell)) return `hostShell "${String(hostShell)}" is not one of ${HOST_SHELLS.join(', ')}`;
  const fromUrl = engineUrlHost(host);
  const ssh: SshSettings = { ...defaults.ssh, ...stripUndefined(raw.ssh ?? {}) };
  const sshHost = nonEmpty(ssh.host) ?? fromUrl.host;
  const port = ssh.port ?? fromUrl.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return `ssh port ${port} is out of range`;
  const target: SshTarget | undefined = sshHost
    ? {
        host: sshHost,
        ...(port !== undefined ? { port } : {}),
        ...(nonEmpty(ssh.user) ?? fromUrl.user ? { username: (nonEmpty(ssh.user) ?? fromUrl.user) as string } : {}),
        ...(nonEmpty(ssh.privateKeyPath) ? { privateKeyPath: nonEmpty(ssh.privateKeyPath) as string } : {}),
        ...(nonEmpty(ssh.knownHostsPath) ? { knownHostsPath: nonEmpty(ssh.knownHostsPath) as string } : {}),
      }
    : undefined;
  if (hostShell === 'ssh' && !target) return `hostShell is "ssh" but no SSH host is set (netlens.ssh.host) and the engine URL names none`;
  const label = nonEmpty(raw.name) ?? host ?? (context ? `context ${context}` : fallbackLabel);
  return {
    key: label,
    label,
    hostShell,
    ssh: {
      ...ssh,
      ...(sshHost ? { host: sshHost } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(nonEmpty(ssh.user) ?? fromUrl.user ? { user: (nonEmpty(ssh.user) ?? fromUrl.user) as string } : {}),
    },
    options: {
      ...(host ? { dockerHost: host } : {}),
      ...(context ? { context } : {}),
      hostShell,
      ...(hostShell === 'container' && nonEmpty(defaults.helperImage) ? { helper: { configured: nonEmpty(defaults.helperImage) as string } } : {}),
      // For `auto` the core takes an ssh target as "use ssh", so pass one only when the user named an
      // SSH host or the engine itself is reached over ssh (then the settings add user, key, known_hosts).
      ...(target && (hostShell === 'ssh' || (hostShell === 'auto' && (nonEmpty(ssh.host) || host?.startsWith('ssh://')))) ? { ssh: target } : {}),
      ...(defaults.timeouts && Object.keys(defaults.timeouts).length ? { timeouts: defaults.timeouts } : {}),
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

export function engineSpecs(
  single: EngineSettings,
  list: readonly unknown[],
  defaults: EngineDefaults,
): { specs: EngineSpec[]; problems: string[] } {
  const specs: EngineSpec[] = [];
  const problems: string[] = [];
  const entries: unknown[] = list.length ? [...list] : [single];
  entries.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`netlens.engines[${i}] is not an object`);
      return;
    }
    const spec = engineSpec(entry as EngineSettings, defaults, list.length ? `engine ${i + 1}` : 'local');
    if (typeof spec === 'string') {
      problems.push(list.length ? `netlens.engines[${i}]: ${spec}` : spec);
      return;
    }
    // Keys must be unique: they prefix every tree id of their engine.
    let key = spec.key;
    for (let n = 2; specs.some((s) => s.key === key); n++) key = `${spec.key} (${n})`;
    specs.push({ ...spec, key });
  });
  return { specs, problems };
}
