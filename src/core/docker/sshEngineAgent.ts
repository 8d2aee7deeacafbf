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
import type { ClientRequestArgs } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';

const IDLE_CLOSE_MS = 5_000;

type Ready = { client: Client; socket: Socket };

export class SshEngineAgent extends Agent {
  private pending: Promise<Ready> | null = null;
  private readonly busy = new Set<Duplex>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** `config` is ssh2's: host, port, username, hostVerifier, agent/privateKey, readyTimeout … */
  constructor(private readonly config: ConnectConfig & { host: string; port: number }) {
    super({ keepAlive: true });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const done = callback ?? (() => {});
    this.connection().then(
      ({ client, socket }) => {
        client.exec('docker system dial-stdio', (err, channel) => {
          if (err) {
            done(err, undefined as unknown as Duplex);
            return;
          }
          const stream = this.asAgentSocket(channel as unknown as Duplex, socket);
          this.markBusy(stream, socket);
          channel.once('close', () => this.markIdle(stream, socket));
          // The remote's stderr explains a failing dial-stdio (no docker CLI, no engine there).
          let stderr = '';
          channel.stderr.on('data', (d: Buffer) => {
            if (stderr.length < 2000) stderr += d.toString('utf8');
          });
          channel.once('exit', (code: number | null) => {
            if (code !== 0 && code !== null && stderr.trim() !== '') {
              (channel as Duplex).destroy(new Error(`docker system dial-stdio on the remote failed (exit ${code}): ${stderr.trim()}`));
            }
          });
          done(null, stream);
        });
      },
      (err: Error) => done(err, undefined as unknown as Duplex),
    );
    // Node's Agent accepts the callback form: the connection arrives through `callback`.
    return undefined as unknown as Duplex;
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
        this.busy.clear();
        this.clearIdle();
      };
      client.once('ready', () => {
        ready = true;
        resolve({ client, socket });
        this.scheduleIdleClose(socket);
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

  /**
   * The Agent treats its connections as net.Sockets: on keep-alive it calls setKeepAlive, setTimeout,
   * ref() when a socket is reused and unref() when it goes back to the pool. An SSH channel has none
   * of these; ref/unref here mark it busy or idle, which decides whether the SSH socket may hold the
   * process open.
   */
  private asAgentSocket(stream: Duplex, socket: Socket): Duplex {
    const s = stream as Duplex & Record<string, unknown>;
    s.setKeepAlive = () => s;
    s.setNoDelay = () => s;
    s.setTimeout = () => s;
    s.ref = () => {
      this.markBusy(stream, socket);
      return s;
    };
    s.unref = () => {
      this.markIdle(stream, socket);
      return s;
    };
    return stream;
  }

  private markBusy(stream: Duplex, socket: Socket): void {
    this.busy.add(stream);
    this.clearIdle();
    socket.ref();
  }

  private markIdle(stream: Duplex, socket: Socket): void {
    this.busy.delete(stream);
    if (this.busy.size === 0) this.scheduleIdleClose(socket);
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
