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
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { SshChannelSocket } from './sshChannelSocket';
import type { ConnectConfig } from 'ssh2';

const IDLE_CLOSE_MS = 5_000;
/**
 * sshd allows 10 sessions per connection by default (MaxSessions); beyond this many channels,
 * requests wait for a free one instead of being refused. One is held by an event stream.
 */
const MAX_CHANNELS = 8;

type Ready = { client: Client; socket: Socket };

export class SshEngineAgent extends Agent {
  private pending: Promise<Ready> | null = null;
  private readonly busy = new Set<Duplex>();
  private idleTimer: NodeJS.Timeout | null = null;
  /** the TCP socket under the SSH connection, once it is up */
  private current: Socket | null = null;

  /** `config` is ssh2's: host, port, username, hostVerifier, agent/privateKey, readyTimeout … */
  constructor(private readonly config: ConnectConfig & { host: string; port: number }) {
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
    p?.then(({ client }) => client.end(), () => {});
    super.destroy();
  }

  private connection(): Promise<Ready> {
    if (this.pending) return this.pending;
    const p = new Promise<Ready>((resolve, reject) => {
      const socket = new Socket();
      const client = new Client();
      let ready = false;
      const forget = () => {
        if (this.pending === p) this.pending = null;
        if (this.current === socket) this.current = null;
        this.busy.clear();
        this.clearIdle();
      };
      client.once('ready', () => {
        ready = true;
        this.current = socket;
        resolve({ client, socket });
        if (this.busy.size === 0) this.scheduleIdleClose(socket);
      });
      client.on('error', (err: Error) => {
        forget();
        if (!ready) reject(err);
      });
      client.once('close', () => {
        forget();
        if (!ready) reject(new Error(`SSH connection to ${this.config.host}:${this.config.port} closed during the handshake`));
      });
      socket.connect(this.config.port, this.config.host);
      client.connect({ ...this.config, sock: socket });
    });
    this.pending = p;
    // A failed attempt must not leave an unhandled rejection when no request is waiting.
    p.catch(() => {});
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
