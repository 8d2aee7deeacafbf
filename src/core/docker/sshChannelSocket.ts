/**
 * A stand-in socket for Node's HTTP Agent, returned at once while the SSH exec channel behind it is
 * still being opened. The Agent counts a connection against maxSockets only when it has one in
 * hand, so handing it the channel later (callback form) would let every concurrent request open a
 * channel of its own — past sshd's MaxSessions. Writes made before the channel is there are held.
 *
 * It also carries the net.Socket methods the Agent calls on kept-alive connections (setKeepAlive,
 * setTimeout, ref, unref); ref/unref report busy/idle to the owner.
 */
import { Duplex } from 'node:stream';

type PendingWrite = { chunk: Buffer; callback: (error?: Error | null) => void };

export class SshChannelSocket extends Duplex {
  private channel: Duplex | null = null;
  private held: PendingWrite[] = [];
  private endRequested = false;

  constructor(private readonly onBusy: (busy: boolean) => void) {
    super();
  }

  /** Wires the opened channel in; pass an error instead when it could not be opened. */
  attach(channel: Duplex | Error): void {
    if (channel instanceof Error) {
      this.destroy(channel);
      return;
    }
    if (this.destroyed) {
      channel.destroy();
      return;
    }
    this.channel = channel;
    channel.on('data', (d: Buffer) => {
      if (!this.push(d)) channel.pause();
    });
    channel.once('end', () => this.push(null));
    channel.once('error', (e: Error) => this.destroy(e));
    channel.once('close', () => this.destroy());
    for (const w of this.held) channel.write(w.chunk, w.callback);
    this.held = [];
    if (this.endRequested) channel.end();
  }

  override _read(): void {
    this.channel?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.channel) this.channel.write(chunk, callback);
    else this.held.push({ chunk, callback });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.channel) this.channel.end();
    else this.endRequested = true;
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const w of this.held) w.callback(error ?? new Error('connection closed'));
    this.held = [];
    this.channel?.destroy();
    this.onBusy(false);
    callback(error);
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  ref(): this {
    this.onBusy(true);
    return this;
  }

  unref(): this {
    this.onBusy(false);
    return this;
  }
}
