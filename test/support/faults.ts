/**
 * Real faults for the steadiness tests: a unix socket that accepts connections and never answers
 * (what a hung dockerd, or a wedged proxy in front of one, looks like to a client), and the process
 * table, read from /proc, to prove that a cancelled or timed-out run left nothing behind.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HungSocket {
  readonly socketPath: string;
  readonly url: string;
  /** connections accepted so far */
  readonly accepted: number;
  /** connections still open (the client has not given up on them) */
  readonly open: number;
  /** the request heads received (first line of each), to see what the client asked */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** A unix socket server of the test's own: it accepts every connection and never writes a byte. */
export async function startHungSocket(): Promise<HungSocket> {
  const dir = mkdtempSync(join(tmpdir(), 'nls-hung-'));
  const socketPath = join(dir, 'engine.sock');
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    let head = '';
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      let nl: number;
      while ((nl = head.indexOf('\r\n\r\n')) !== -1) {
        requests.push(head.slice(0, head.indexOf('\r\n')));
        head = head.slice(nl + 4);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    url: `unix://${socketPath}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** PIDs of live processes whose command line contains `marker` (zombies excluded). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmdline.includes(marker)) continue;
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (state !== 'Z') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found.filter((pid) => pid !== process.pid);
}

/** Waits until no process carries `marker`; returns those left when `ms` ran out (empty: all gone). */
export async function waitUntilGone(marker: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesWith(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until some process carries `marker` (the stalled command really started). */
export async function waitUntilRunning(marker: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = processesWith(marker);
    if (found.length > 0) return found;
    if (Date.now() > deadline) throw new Error(`no process with "${marker}" appeared within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A number unlikely to be in any other process's command line: `sleep <it>` marks a test's own stall. */
export function uniqueSeconds(): string {
  return String(900_000 + Math.floor(Math.random() * 99_999));
}
