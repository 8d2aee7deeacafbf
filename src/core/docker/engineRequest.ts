/**
 * One GET against the Engine API: the same transport (socket, TLS, SSH) as the client, raw JSON back
 * (validated by the caller), the caller's AbortSignal honoured on every call — dockerode's typed
 * helpers differ in whether they pass it on — and a limit on how long the engine may take: an
 * engine that accepts the connection and never answers becomes an ENGINE_TIMEOUT error naming the
 * request, and the request is torn down.
 *
 * A unix socket or plain-HTTP engine is asked directly with node:http (on the same global agent
 * docker-modem would use): docker-modem formats every request's options with util.inspect (showHidden,
 * depth null — the agent and all its sockets) before it checks whether debug output is on, which cost
 * a third of a millisecond a request, 30 ms of CPU for a first snapshot of 100 containers. TLS and
 * SSH engines go through the modem, whose transports they need.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { stringify } from 'node:querystring';
import { addAbortSignal } from 'node:stream';
import type Dockerode from 'dockerode';
import { formatDuration, linkedAbort } from '../abort';
import { NetlensError } from '../errors';
import { endpointOfClient, requestTimeoutOfClient, resetClientTransport } from './client';

interface Modem {
  dial(
    options: {
      path: string;
      method: string;
      options: Record<string, unknown>;
      statusCodes: Record<number, true | string>;
      abortSignal?: AbortSignal;
    },
    callback: (err: unknown, data: unknown) => void,
  ): void;
}

const STATUS: Record<number, true | string> = { 200: true, 204: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' };

export interface EngineGetOptions {
  /** default: the limit the client was made with (10 s unless configured) */
  readonly timeoutMs?: number;
}

type Done = (err: unknown, data?: unknown) => void;

/** `path` without query; `query` values are encoded as the modem does (objects as JSON, e.g. filters). */
export function engineGet(
  docker: Dockerode,
  path: string,
  query: Record<string, unknown> = {},
  signal?: AbortSignal,
  options: EngineGetOptions = {},
): Promise<unknown> {
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
      // Tears the request (and its connection) down; a late answer is ignored.
      linked.abort(error);
      resetClientTransport(docker);
    }, timeoutMs);
    const done: Done = (err, data) => settle(() => (err ? reject(err) : resolve(asJson(data))));
    const endpoint = endpointOfClient(docker);
    if (endpoint?.kind === 'unix' && endpoint.socketPath) {
      directGet({ socketPath: endpoint.socketPath }, path, query, linked.signal, done);
    } else if (endpoint?.kind === 'tcp' && !endpoint.tls && endpoint.host) {
      directGet({ host: endpoint.host, port: endpoint.port ?? 2375 }, path, query, linked.signal, done);
    } else {
      const modem = docker.modem as unknown as Modem;
      // The modem appends the query only when the path holds a '?'.
      modem.dial({ path: `${path}?`, method: 'GET', options: { ...query }, statusCodes: STATUS, abortSignal: linked.signal }, done);
    }
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

function queryString(query: Record<string, unknown>): string {
  const clone: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) clone[k] = v && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : String(v);
  return stringify(clone);
}

/** A GET by node:http; errors in the modem's shape (statusCode, json), which toEngineError reads. */
function directGet(target: { socketPath: string } | { host: string; port: number }, path: string, query: Record<string, unknown>, signal: AbortSignal, done: Done): void {
  const qs = queryString(query);
  // servername '' (TLS's, never used here): else Node's agent derives one from the Host header and
  // tests it with net.isIP, whose first use compiles the IPv6 pattern, some 10 ms of a CLI run
  const options = { ...target, path: qs ? `${path}?${qs}` : path, method: 'GET', signal, servername: '' };
  const req = httpRequest(options, (res: IncomingMessage) => {
    addAbortSignal(signal, res);
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (e) => done(e));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const status = res.statusCode ?? 0;
      if (STATUS[status] === true) {
        done(null, body);
        return;
      }
      const json = asJson(body);
      const cause = json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : body.toString('utf8');
      const reason = STATUS[status] ?? 'unexpected';
      done(Object.assign(new Error(`(HTTP code ${status}) ${String(reason)} - ${cause} `), { reason, statusCode: status, json }));
    });
  });
  req.on('error', (e) => done(e));
  req.end();
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
