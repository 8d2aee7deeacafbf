/**
 * One GET against the Engine API through dockerode's modem: the same transport (socket, TLS, SSH)
 * as the client, raw JSON back (validated by the caller), and the caller's AbortSignal honoured on
 * every call — dockerode's typed helpers differ in whether they pass it on.
 */
import type Dockerode from 'dockerode';

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

/** `path` without query; `query` values are encoded by the modem (objects as JSON, e.g. filters). */
export function engineGet(docker: Dockerode, path: string, query: Record<string, unknown> = {}, signal?: AbortSignal): Promise<unknown> {
  const modem = docker.modem as unknown as Modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        // The modem appends the query only when the path holds a '?'.
        path: `${path}?`,
        method: 'GET',
        options: { ...query },
        statusCodes: { 200: true, 204: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' },
        ...(signal ? { abortSignal: signal } : {}),
      },
      (err, data) => (err ? reject(err) : resolve(asJson(data))),
    );
  });
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
