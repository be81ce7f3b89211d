/**
 * Frames on skein's process sockets: a 4-byte big-endian length, then that many bytes of
 * `v8.serialize` output. Only plain data travels (V8's serializer carries no code, and the
 * receiving side only ever calls `v8.deserialize`); method names are checked against fixed
 * allow-lists by the server.
 *
 * ```
 * +----------------+---------------------------------------+
 * | length (u32 BE)| v8.serialize(message)  (length bytes)  |
 * +----------------+---------------------------------------+
 * ```
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';

/** Largest frame accepted before authentication (the handshake messages are tiny). */
export const PREAUTH_MAX_FRAME = 1024;
/** Largest frame accepted from an authenticated peer. */
export const MAX_FRAME = 1 << 30;

/** Encodes one message as a frame. */
export function encodeFrame(message: unknown): Buffer {
  const body = serialize(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/**
 * Reassembles frames from socket chunks and hands each decoded message to `onMessage`.
 * A frame longer than {@link FrameReader.limit} is a protocol error (`onError`).
 */
export class FrameReader {
  /** Unconsumed bytes: `#buf[#pos…]`. */
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Current maximum frame length; raised after authentication. */
  limit = PREAUTH_MAX_FRAME;
  constructor(
    private readonly onMessage: (message: unknown) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    // Append without copying when nothing is pending; otherwise join once per chunk (not once
    // per frame: a burst of thousands of small frames must stay linear).
    this.#buf = this.#pos >= this.#buf.length ? chunk : Buffer.concat([this.#buf.subarray(this.#pos), chunk]);
    this.#pos = 0;
    const buf = this.#buf;
    while (buf.length - this.#pos >= 4) {
      const len = buf.readUInt32BE(this.#pos);
      if (len > this.limit) {
        this.#buf = Buffer.alloc(0);
        this.#pos = 0;
        this.onError(new Error(`frame of ${len} bytes exceeds the limit of ${this.limit}`));
        return;
      }
      if (buf.length - this.#pos < 4 + len) break;
      const start = this.#pos + 4;
      this.#pos = start + len;
      let message: unknown;
      try {
        message = deserialize(buf.subarray(start, start + len));
      } catch (err) {
        this.#buf = Buffer.alloc(0);
        this.#pos = 0;
        this.onError(err as Error);
        return;
      }
      this.onMessage(message);
      if (this.#buf !== buf) return; // reset by a handler (error or close)
    }
  }
}
