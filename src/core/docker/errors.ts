/**
 * Turns whatever dockerode, node's net/tls or ssh2 threw into one NetlensError whose message tells
 * the user what to do next, and whose `tried` is the engine URL.
 */
import { NetlensError, isNetlensError } from '../errors';
import type { EngineEndpoint } from './types';

interface RawError {
  message?: unknown;
  code?: unknown;
  name?: unknown;
  statusCode?: unknown;
  json?: unknown;
  level?: unknown;
}

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|ERR_OSSL_)/;

export function toEngineError(e: unknown, endpoint: EngineEndpoint): NetlensError {
  if (isNetlensError(e)) return e;
  const err: RawError = typeof e === 'object' && e !== null ? (e as RawError) : { message: String(e) };
  const message = typeof err.message === 'string' ? err.message.trim() : String(e);
  const code = typeof err.code === 'string' ? err.code : '';
  const tried = endpoint.url;
  const make = (c: NetlensError['code'], text: string) => new NetlensError(c, text, tried, { cause: e });

  if (typeof err.statusCode === 'number') {
    return make('ENGINE_API', `The Docker engine answered HTTP ${err.statusCode}: ${engineMessage(err) ?? message}`);
  }
  if (err.name === 'AbortError' || code === 'ABORT_ERR') return make('ENGINE_API', 'The request to the Docker engine was cancelled');

  if (endpoint.kind === 'ssh') {
    const ssh = sshError(message, err, endpoint);
    if (ssh) return make(ssh.code, ssh.text);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return make(
      'ENGINE_PERMISSION',
      `Permission denied on the Docker socket ${endpoint.socketPath ?? endpoint.url}: add your user to the docker group ` +
        '(sudo usermod -aG docker $USER, then log in again) or run as a user who may use the socket',
    );
  }
  if (UNREACHABLE_CODES.has(code)) {
    const hint =
      endpoint.kind === 'unix' || endpoint.kind === 'npipe'
        ? code === 'ENOENT'
          ? `no socket at ${endpoint.socketPath ?? endpoint.url} — is dockerd running?`
          : `nothing answers on ${endpoint.socketPath ?? endpoint.url} — is dockerd running?`
        : `${message} — is dockerd running and listening there?`;
    return make('ENGINE_UNREACHABLE', `Cannot reach the Docker engine: ${hint}`);
  }
  if (TIMEOUT_CODES.has(code) || /timed? ?out/i.test(message)) {
    return make('ENGINE_UNREACHABLE', `The Docker engine did not answer in time (${message})`);
  }
  if (TLS_CODE.test(code) || /certificate|ssl|tls/i.test(message)) {
    return make('ENGINE_UNREACHABLE', `TLS with the Docker engine failed: ${message} — check DOCKER_CERT_PATH / the context's TLS files`);
  }
  if (/socket hang up/i.test(message)) {
    return make('ENGINE_UNREACHABLE', `The connection to the Docker engine closed before it answered (${message})`);
  }
  return make('ENGINE_API', `Docker engine request failed: ${message}`);
}

function engineMessage(err: RawError): string | null {
  const j = err.json;
  if (typeof j === 'object' && j !== null && typeof (j as { message?: unknown }).message === 'string') {
    return (j as { message: string }).message;
  }
  if (typeof j === 'string' && j.trim() !== '') return j.trim();
  if (Buffer.isBuffer(j) && j.length > 0) return j.toString('utf8').trim();
  return null;
}

function sshError(message: string, err: RawError, endpoint: EngineEndpoint): { code: NetlensError['code']; text: string } | null {
  const where = `${endpoint.username ? `${endpoint.username}@` : ''}${endpoint.host}${endpoint.port !== undefined ? `:${endpoint.port}` : ''}`;
  // Host-key refusals come from src/core/ssh as NetlensErrors already (see toEngineError's first line).
  if (/Host denied|verification failed/i.test(message)) {
    return { code: 'SSH_HOST_KEY_MISMATCH', text: `The SSH host key of ${where} was refused` };
  }
  if (err.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return { code: 'SSH_AUTH', text: `SSH login to ${where} was refused: no key from the agent or the key file was accepted` };
  }
  if (err.level === 'client-timeout' || /handshake/i.test(message)) {
    return { code: 'SSH_CONNECT', text: `SSH connection to ${where} failed: ${message}` };
  }
  if (/dial-stdio|command not found|docker: not found/i.test(message)) {
    return { code: 'ENGINE_UNREACHABLE', text: `The docker CLI on ${where} could not reach its engine: ${message}` };
  }
  if (err.level === 'client-socket' || typeof err.code === 'string') {
    const code = err.code as string;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
      return { code: 'SSH_CONNECT', text: `Cannot open an SSH connection to ${where}: ${message}` };
    }
  }
  return null;
}
