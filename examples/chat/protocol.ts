/**
 * The chat's line protocol, shared by server and client: UTF-8 text lines ending in `\n`
 * (a trailing `\r` is ignored). Lines from the server start with `* ` for notices, `! ` for
 * errors, and `NAME: ` for messages.
 */
import { command, fail } from '../cli.ts';

/** Longest line a client may send, in bytes (the tutorial's `recv(1024)`). */
export const MAX_LINE_BYTES = 1024;

/** A valid nickname: letters, digits, `_` and `-`, 1 to 20 characters. */
export const NICK = /^[\p{L}\p{N}_-]{1,20}$/u;

/** The default port, the tutorial's. */
export const DEFAULT_PORT = 8090;

/**
 * Reads `--host HOST` and `--port N` (and `--help`) from the command line of the server or the
 * client, with `node:util` `parseArgs`; a bad command line is reported with the usage (exit 2).
 */
export function chatCommand(program: string, summary: string): { host: string; port: number } {
  const cli = {
    program,
    summary,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: String(DEFAULT_PORT) },
    },
    help: { host: 'address (the server: to listen on; loopback by default)', port: 'TCP port' },
  } as const;
  const { values } = command(cli);
  const port = Number(values.port);
  if (!/^\d+$/.test(String(values.port)) || port > 65535)
    fail(cli, `bad --port ${values.port}: expected 0–65535`);
  return { host: String(values.host), port };
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
