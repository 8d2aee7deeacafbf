/**
 * Serves recorded Engine API answers (test/fixtures/docker) over a unix socket of its own, so unit
 * tests drive the real dockerode/docker-modem stack against real recorded bytes and can count the
 * requests a function makes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The fixtures sit in the source tree; the compiled test may live in any out dir below the repo. */
function findFixtures(): string {
  for (let d = __dirname; d !== dirname(d); d = dirname(d)) {
    const candidate = join(d, 'test', 'fixtures', 'docker', 'CAPTURED');
    if (existsSync(candidate)) return dirname(candidate);
  }
  throw new Error(`test/fixtures/docker not found above ${__dirname}`);
}

export const DOCKER_FIXTURES = findFixtures();

export function fixtureText(name: string): string {
  return readFileSync(join(DOCKER_FIXTURES, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name)) as unknown;
}

export interface ReplayRoute {
  readonly status?: number;
  readonly body: string;
}

export interface EngineReplay {
  readonly socketPath: string;
  /** request paths (with query) in the order they arrived */
  readonly requests: string[];
  close(): Promise<void>;
}

/** `routes` maps a path without version prefix or query (e.g. `/containers/json`) to an answer. */
export async function startEngineReplay(routes: Readonly<Record<string, ReplayRoute>>): Promise<EngineReplay> {
  const dir = mkdtempSync(join(tmpdir(), 'nld-replay-'));
  const socketPath = join(dir, 'engine.sock');
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    requests.push(url);
    const path = url.replace(/^\/v[\d.]+/, '').split('?')[0] ?? '';
    const route = routes[path];
    const status = route ? (route.status ?? 200) : 404;
    const body = route ? route.body : JSON.stringify({ message: `page not found: ${path}` });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
