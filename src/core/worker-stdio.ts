/**
 * Worker threads' console output, made synchronous.
 *
 * By default a worker's `process.stdout` is a stream whose chunks travel to the main thread by
 * message and are written there later, so a thread's `console.log` can appear *after* output
 * the main thread printed once the thread had finished — unlike Python, where `print` in a
 * thread is written at once. skein's workers write their stdout and stderr straight to the
 * process's file descriptors instead, so output interleaves in real time order, as in Python.
 *
 * @module
 */
import { writeSync } from 'node:fs';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, chunk: string | Uint8Array): void {
  let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  for (let tries = 0; data.length > 0; ) {
    try {
      const n = writeSync(fd, data);
      data = data.subarray(n);
    } catch (err) {
      // A non-blocking pipe whose reader is slow: wait a little, boundedly, then retry.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++tries > 2000) throw err;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

type WriteCallback = (err?: Error | null) => void;

function patch(stream: NodeJS.WriteStream, fd: number): void {
  stream.write = ((
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    cb?: WriteCallback,
  ) => {
    const callback = typeof encoding === 'function' ? encoding : cb;
    const data =
      typeof chunk === 'string' && typeof encoding === 'string' ? Buffer.from(chunk, encoding) : chunk;
    try {
      writeAll(fd, data);
    } catch (err) {
      callback?.(err as Error);
      return false;
    }
    callback?.(null);
    return true;
  }) as typeof stream.write;
}

/** Routes this worker's stdout and stderr straight to fds 1 and 2. */
export function installSyncStdio(): void {
  patch(process.stdout, 1);
  patch(process.stderr, 2);
}
