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
  #chunks: Buffer[] = [];
  #size = 0;
  /** Current maximum frame length; raised after authentication. */
  limit = PREAUTH_MAX_FRAME;
  constructor(
    private readonly onMessage: (message: unknown) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size >= 4) {
      let buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
      const len = buf.readUInt32BE(0);
      if (len > this.limit) {
        this.#chunks = [];
        this.#size = 0;
        this.onError(new Error(`frame of ${len} bytes exceeds the limit of ${this.limit}`));
        return;
      }
      if (this.#size < 4 + len) {
        this.#chunks = [buf];
        return;
      }
      let message: unknown;
      try {
        message = deserialize(buf.subarray(4, 4 + len));
      } catch (err) {
        this.#chunks = [];
        this.#size = 0;
        this.onError(err as Error);
        return;
      }
      buf = buf.subarray(4 + len);
      this.#size = buf.length;
      this.#chunks = buf.length ? [Buffer.from(buf)] : [];
      this.onMessage(message);
    }
  }
}
