/**
 * One GET against the Engine API through dockerode's modem: the same transport (socket, TLS, SSH)
 * as the client, raw JSON back (validated by the caller), the caller's AbortSignal honoured on
 * every call — dockerode's typed helpers differ in whether they pass it on — and a limit on how
 * long the engine may take: an engine that accepts the connection and never answers becomes an
 * ENGINE_TIMEOUT error naming the request, and the request is torn down.
 */
import type Dockerode from 'dockerode';
import { formatDuration, linkedAbort } from '../abort';
import { NetlensError } from '../errors';
import { endpointOfClient, requestTimeoutOfClient, resetClientTransport } from './client';

interface Modem {
  dial(
    options: {
      path: string;
      method: 'GET';
      options: Record<string, unknown>;
      statusCodes: Record<number, true | string>;
      abortSignal?: AbortSignal;
    },
    callback: (err: unknown, data: unknown) => void,
  ): void;
}

export interface EngineGetOptions {
  /** default: the limit the client was made with (10 s unless configured) */
  readonly timeoutMs?: number;
}

/** `path` without query; `query` values are encoded by the modem (objects as JSON, e.g. filters). */
export function engineGet(
  docker: Dockerode,
  path: string,
  query: Record<string, unknown> = {},
  signal?: AbortSignal,
  options: EngineGetOptions = {},
): Promise<unknown> {
  const modem = docker.modem as unknown as Modem;
  const timeoutMs = options.timeoutMs ?? requestTimeoutOfClient(docker);
  const linked = linkedAbort(signal);
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      linked.dispose();
      f();
    };
    const timer = setTimeout(() => {
      const error = engineTimeout(docker, `GET ${path}`, timeoutMs);
      settle(() => reject(error));
      // Tears the request (and its connection) down; the modem's late callback is ignored.
      linked.abort(error);
      resetClientTransport(docker);
    }, timeoutMs);
    modem.dial(
      {
        // The modem appends the query only when the path holds a '?'.
        path: `${path}?`,
        method: 'GET',
        options: { ...query },
        statusCodes: { 200: true, 204: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' },
        abortSignal: linked.signal,
      },
      (err, data) => settle(() => (err ? reject(err) : resolve(asJson(data)))),
    );
  });
}

/** The error for a request the engine left unanswered past its limit. */
export function engineTimeout(docker: Dockerode, what: string, timeoutMs: number): NetlensError {
  const endpoint = endpointOfClient(docker);
  return new NetlensError(
    'ENGINE_TIMEOUT',
    `The Docker engine did not answer ${what} within ${formatDuration(timeoutMs)} — it is hung, overloaded, or something in front of it accepts connections and never answers`,
    endpoint?.url,
  );
}

/** The modem hands back a Buffer when the body is not JSON it could parse, and for a literal `null`. */
function asJson(data: unknown): unknown {
  if (!Buffer.isBuffer(data)) return data;
  const text = data.toString('utf8').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return data;
  }
}
