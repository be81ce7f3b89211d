/**
 * The chat client (the tutorial's client, made interactive and scriptable).
 *
 * Interactive (a terminal): a `> ` prompt; incoming lines are printed above it without
 * garbling what you are typing. Scripted (stdin from a pipe): every input line is sent, every
 * incoming line printed, and when input ends the client says `/quit` and exits once the
 * server has closed the connection.
 *
 * Run: `npm run chat:client -- [--host 127.0.0.1] [--port 8090]`.
 */
import net from 'node:net';
import readline from 'node:readline';
import { chatCommand } from './protocol.ts';

const { host, port } = chatCommand(
  'examples/chat/client.ts',
  'The chat client: type lines to send them; /nick NAME, /who, /quit. Reads a pipe as a script.',
);
const socket = net.connect({ host, port });
socket.setEncoding('utf8');
const interactive = process.stdin.isTTY === true;
const rl = readline.createInterface({
  input: process.stdin,
  output: interactive ? process.stdout : undefined,
  terminal: interactive,
});

let partial = '';
socket.on('data', (chunk: string) => {
  partial += chunk;
  const lines = partial.split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    if (interactive) {
      // Move to the start of the prompt line, print, then redraw the prompt and the input.
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(`${line}\n`);
      rl.prompt(true);
    } else process.stdout.write(`${line}\n`);
  }
});
socket.on('connect', () => {
  if (interactive) {
    rl.setPrompt('> ');
    rl.prompt();
  }
});
socket.on('error', (err) => {
  console.error(`chat: ${err.message}`);
  process.exitCode = 1;
});
socket.on('close', () => {
  rl.close();
  process.stdin.destroy();
});

rl.on('line', (line) => {
  if (!socket.writable) return;
  socket.write(`${line}\n`);
  if (interactive) rl.prompt();
});
rl.on('close', () => {
  // End of input: leave politely, then wait for the server to close the connection.
  if (socket.writable) socket.end('/quit\n');
});
