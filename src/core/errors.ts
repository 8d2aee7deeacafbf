/**
 * One error type for everything the core can fail at. `code` lets front ends pick an action
 * (retry, open settings, trust a host key); `tried` names what was attempted so the message a user
 * sees is precise ("connect ENOENT /var/run/docker.sock", "ssh root@10.0.0.5:22").
 */
export type NetlensErrorCode =
  | 'ENGINE_UNREACHABLE'
  /** the engine accepted the connection (or never refused it) but did not answer within the limit */
  | 'ENGINE_TIMEOUT'
  | 'ENGINE_PERMISSION'
  | 'ENGINE_API'
  | 'ENGINE_CONFIG'
  | 'SSH_HOST_KEY_UNKNOWN'
  | 'SSH_HOST_KEY_MISMATCH'
  | 'SSH_AUTH'
  | 'SSH_CONNECT'
  /** ~/.ssh/config (or a value netlens read from it) cannot be used */
  | 'SSH_CONFIG'
  | 'SHELL'
  /** the host shell reached another machine (or namespace) than the engine's own host */
  | 'HOST_MISMATCH'
  /** the host shell did not finish within the limit; its whole process group was killed */
  | 'SHELL_TIMEOUT'
  | 'PARSE'
  | 'NOT_FOUND'
  | 'BAD_INPUT';

export class NetlensError extends Error {
  constructor(
    readonly code: NetlensErrorCode,
    message: string,
    readonly tried?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetlensError';
  }
}

export function isNetlensError(e: unknown): e is NetlensError {
  return e instanceof NetlensError;
}

/** The message of any thrown value, for logs and one-line CLI errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof NetlensError) return e.tried ? `${e.message} (tried: ${e.tried})` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
