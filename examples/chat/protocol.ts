/**
 * The chat's line protocol, shared by server and client: UTF-8 text lines ending in `\n`
 * (a trailing `\r` is ignored). Lines from the server start with `* ` for notices, `! ` for
 * errors, and `NAME: ` for messages.
 */

/** Longest line a client may send, in bytes (the tutorial's `recv(1024)`). */
export const MAX_LINE_BYTES = 1024;

/** A valid nickname: letters, digits, `_` and `-`, 1 to 20 characters. */
export const NICK = /^[\p{L}\p{N}_-]{1,20}$/u;

/** The default port, the tutorial's. */
export const DEFAULT_PORT = 8090;

/** Reads `--host H` and `--port N` from the command line. */
export function parseArgs(argv: string[]): { host: string; port: number } {
  let host = '127.0.0.1';
  let port = DEFAULT_PORT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--host' && argv[i + 1]) host = argv[++i]!;
    else if (a === '--port' && argv[i + 1]) {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad --port ${argv[i]}`);
    } else throw new TypeError(`unknown argument ${a}; usage: [--host HOST] [--port N]`);
  }
  return { host, port };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a received line is refused, or `undefined` when it is fine. */
export function checkLine(bytes: Uint8Array): { text: string } | { error: string } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: 'binary data: lines must be UTF-8 text' };
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  // Control characters (other than tab) would garble other users' terminals.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is exactly what is refused.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text))
    return { error: 'binary data: control characters are not allowed' };
  return { text };
}
