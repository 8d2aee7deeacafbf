/**
 * HTTP to a remote engine over ONE shared SSH connection. Each HTTP connection is an exec channel
 * running `docker system dial-stdio` (what the Docker CLI does for ssh://), kept alive and reused
 * for later requests: docker-modem's own ssh mode opens a new SSH connection and a new remote
 * process per request, and both cost far more than the request itself.
 *
 * While no request is in flight the SSH socket is unref'd, so a CLI or a test can exit without
 * disposing anything, and after a short idle time the connection is closed.
 */
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { SshConnection } from '../ssh/connect';
import { SshChannelSocket } from './sshChannelSocket';

const IDLE_CLOSE_MS = 5_000;
/**
 * sshd allows 10 sessions per connection by default (MaxSessions); beyond this many channels,
 * requests wait for a free one instead of being refused. One is held by an event stream.
 */
const MAX_CHANNELS = 8;

type Ready = { client: Client; socket: Socket; end(): void };

export class SshEngineAgent extends Agent {
  private pending: Promise<Ready> | null = null;
  private readonly busy = new Set<Duplex>();
  private idleTimer: NodeJS.Timeout | null = null;
  /** the TCP socket under the SSH connection, once it is up */
  private current: Socket | null = null;

  /** `open` makes one authenticated connection (src/core/ssh's openSshConnection, bound to the target) */
  constructor(private readonly open: () => Promise<SshConnection>) {
    super({ keepAlive: true, maxSockets: MAX_CHANNELS });
  }

  override createConnection(): Duplex {
    const socket = new SshChannelSocket((busy) => this.setBusy(socket, busy));
    this.setBusy(socket, true);
    this.connection().then(
      ({ client }) => {
        client.exec('docker system dial-stdio', (err, channel) => {
          if (err) {
            socket.attach(err);
            return;
          }
          // The remote's stderr explains a failing dial-stdio (no docker CLI, no engine there).
          let stderr = '';
          channel.stderr.on('data', (d: Buffer) => {
            if (stderr.length < 2000) stderr += d.toString('utf8');
          });
          channel.once('exit', (code: number | null) => {
            if (code !== 0 && code !== null && stderr.trim() !== '') {
              socket.destroy(new Error(`docker system dial-stdio on the remote failed (exit ${code}): ${stderr.trim()}`));
            }
          });
          socket.attach(channel as unknown as Duplex);
        });
      },
      (err: Error) => socket.attach(err),
    );
    return socket;
  }

  /** Closes the SSH connection now (the next request opens a new one). */
  override destroy(): void {
    this.clearIdle();
    const p = this.pending;
    this.pending = null;
    p?.then(({ end }) => end(), () => {});
    super.destroy();
  }

  private connection(): Promise<Ready> {
    if (this.pending) return this.pending;
    const p: Promise<Ready> = this.open().then(({ client, socket, end }) => {
      this.current = socket;
      // After the handshake a failure shows as 'close' (ssh2 emits 'error' first; it is handled there).
      client.on('error', () => undefined);
      client.once('close', () => {
        if (this.pending === p) this.pending = null;
        if (this.current === socket) this.current = null;
        this.busy.clear();
        this.clearIdle();
      });
      if (this.busy.size === 0) this.scheduleIdleClose(socket);
      return { client, socket, end };
    });
    this.pending = p;
    // A failed attempt is forgotten (the next request tries again), and leaves no unhandled
    // rejection when no request is waiting.
    p.catch(() => {
      if (this.pending === p) this.pending = null;
    });
    return p;
  }

  /** A request in flight on any channel keeps the SSH socket (and so the process) alive. */
  private setBusy(stream: Duplex, busy: boolean): void {
    if (busy) {
      this.busy.add(stream);
      this.clearIdle();
      this.current?.ref();
    } else {
      this.busy.delete(stream);
      if (this.busy.size === 0 && this.current) this.scheduleIdleClose(this.current);
    }
  }

  private scheduleIdleClose(socket: Socket): void {
    if (this.busy.size > 0) return;
    this.clearIdle();
    socket.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.busy.size === 0) this.destroy();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
