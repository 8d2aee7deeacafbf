/**
 * Docker's attach stream without a TTY: frames of an 8-byte header (stream 0 stdin, 1 stdout,
 * 2 stderr; three zero bytes; payload length, big-endian u32) and the payload. A chunk from the
 * socket may end inside a header or a payload; the rest waits for the next chunk.
 */
export class StreamFrames {
  private pending = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      this.onFrame(buf[0]!, buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.pending = Buffer.from(buf);
  }

  /** bytes of an unfinished frame (a stream cut in the middle) */
  get leftover(): number {
    return this.pending.length;
  }
}
