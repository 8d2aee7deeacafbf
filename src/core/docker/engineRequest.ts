/**
 * One GET against the Engine API: the same transport (socket, TLS, SSH) as the client, raw JSON back
 * (validated by the caller), and the caller's AbortSignal honoured on every call — dockerode's typed
 * helpers differ in whether they pass it on.
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
import { endpointOfClient } from './client';

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

const STATUS: Record<number, true | string> = { 200: true, 204: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' };

/** `path` without query; `query` values are encoded as the modem does (objects as JSON, e.g. filters). */
export function engineGet(docker: Dockerode, path: string, query: Record<string, unknown> = {}, signal?: AbortSignal): Promise<unknown> {
  const endpoint = endpointOfClient(docker);
  if (endpoint?.kind === 'unix' && endpoint.socketPath) return directGet({ socketPath: endpoint.socketPath }, path, query, signal);
  if (endpoint?.kind === 'tcp' && !endpoint.tls && endpoint.host) return directGet({ host: endpoint.host, port: endpoint.port ?? 2375 }, path, query, signal);
  const modem = docker.modem as unknown as Modem;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        // The modem appends the query only when the path holds a '?'.
        path: `${path}?`,
        method: 'GET',
        options: { ...query },
        statusCodes: STATUS,
        ...(signal ? { abortSignal: signal } : {}),
      },
      (err, data) => (err ? reject(err) : resolve(asJson(data))),
    );
  });
}

function queryString(query: Record<string, unknown>): string {
  const clone: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) clone[k] = v && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : String(v);
  return stringify(clone);
}

function directGet(target: { socketPath: string } | { host: string; port: number }, path: string, query: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
  const qs = queryString(query);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    const req = httpRequest({ ...target, path: qs ? `${path}?${qs}` : path, method: 'GET', ...(signal ? { signal } : {}) }, (res: IncomingMessage) => {
      if (signal) addAbortSignal(signal, res);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const body = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (STATUS[status] === true) {
          resolve(asJson(body));
          return;
        }
        // the modem's error shape: what toEngineError reads (statusCode, json)
        const json = asJson(body);
        const cause = json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : body.toString('utf8');
        const reason = STATUS[status] ?? 'unexpected';
        reject(Object.assign(new Error(`(HTTP code ${status}) ${String(reason)} - ${cause} `), { reason, statusCode: status, json }));
      });
    });
    req.on('error', fail);
    req.end();
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
