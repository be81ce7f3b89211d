/**
 * The tutorial's multi-user TCP chat (使用线程通过socket实现TCP的多人聊天), made real.
 *
 * The tutorial serves each connection in its own thread. A Node socket cannot move into a
 * worker thread, and it does not need to: sockets are asynchronous, so each connection is
 * served concurrently on the event loop. skein fits where Python's threads and queues did:
 *
 * - a `LocalExecutor` runs one task per connection (Python: one `Thread(target=talk)` each),
 *   its `maxWorkers` bounding how many clients are served at once;
 * - each client has a bounded skein `Queue` of outgoing lines, drained by a writer loop that
 *   respects the socket's backpressure. A client that reads too slowly fills its queue and is
 *   disconnected (`Full`), so it never stalls the others.
 *
 * Run: `npm run chat:server -- [--host 127.0.0.1] [--port 8090]` (binds to loopback by default).
 */
import { once } from 'node:events';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Full, ShutDown } from 'skein';
import { LocalExecutor } from 'skein/futures';
import { Queue } from 'skein/queue';
import { checkLine, MAX_LINE_BYTES, NICK, parseArgs } from './protocol.ts';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  host?: string;
  port?: number;
  /** Clients served at once; more are told the server is full. */
  maxClients?: number;
  /** Outgoing lines buffered per client before it counts as too slow. */
  sendQueue?: number;
  /** Where the server logs joins and leaves (default: nowhere). */
  log?: (line: string) => void;
}

/** A running chat server. */
export interface ChatServer {
  readonly host: string;
  readonly port: number;
  /** Names of the connected clients. */
  who(): string[];
  /** Disconnects everyone and stops listening. */
  close(): Promise<void>;
}

interface Client {
  name: string;
  socket: net.Socket;
  outbox: Queue<string>;
}

/** Starts a chat server; resolves once it listens. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const { host = '127.0.0.1', port = 8090, maxClients = 1000, sendQueue = 256, log = () => {} } = options;
  const room = new Map<string, Client>();
  const sockets = new Set<net.Socket>();
  const pool = new LocalExecutor({ maxWorkers: maxClients });
  let guests = 0;

  /** Queues a line for one client; a client whose queue is full is too slow and is dropped. */
  const deliver = (to: Client, line: string) => {
    try {
      to.outbox.putNowait(line);
    } catch (err) {
      if (err instanceof Full) {
        drop(to, 'too slow: your messages piled up');
        return;
      }
      if (!(err instanceof ShutDown)) throw err;
    }
  };

  const broadcast = (from: Client | undefined, line: string) => {
    for (const c of room.values()) if (c !== from) deliver(c, line);
  };

  const drop = (client: Client, reason: string) => {
    if (room.get(client.name) !== client) return;
    room.delete(client.name);
    client.outbox.shutdown({ immediate: true });
    client.socket.end(`! ${reason}\n`);
    client.socket.destroySoon();
    broadcast(undefined, `* ${client.name} left\n`);
    log(`${client.name} dropped: ${reason}`);
  };

  /** Sends queued lines in order, waiting for the socket to drain when its buffer is full. */
  async function writer(client: Client): Promise<void> {
    for (;;) {
      let line: string;
      try {
        line = await client.outbox.get();
      } catch (err) {
        if (!(err instanceof ShutDown)) throw err;
        client.socket.end();
        return;
      }
      if (client.socket.destroyed) return;
      if (!client.socket.write(line)) {
        await Promise.race([once(client.socket, 'drain'), once(client.socket, 'close')]);
      }
    }
  }

  function command(client: Client, text: string): void {
    const [cmd, ...rest] = text.split(/\s+/);
    switch (cmd) {
      case '/nick': {
        const nick = rest.join(' ');
        if (!NICK.test(nick)) deliver(client, '! usage: /nick NAME (letters, digits, _ and -, up to 20)\n');
        else if (room.has(nick)) deliver(client, `! ${nick} is taken\n`);
        else {
          const old = client.name;
          room.delete(old);
          client.name = nick;
          room.set(nick, client);
          deliver(client, `* you are now ${nick}\n`);
          broadcast(client, `* ${old} is now ${nick}\n`);
        }
        return;
      }
      case '/who':
        deliver(client, `* online: ${[...room.keys()].sort().join(', ')}\n`);
        return;
      case '/quit':
        deliver(client, '* bye\n');
        // What is queued still goes out; then the writer sees ShutDown and closes the socket.
        client.outbox.shutdown();
        room.delete(client.name);
        broadcast(undefined, `* ${client.name} left\n`);
        log(`${client.name} quit`);
        return;
      default:
        deliver(client, `! unknown command ${cmd}; try /nick NAME, /who, /quit\n`);
    }
  }

  /** Serves one connection until it closes: the tutorial's `talk(conn)`. */
  async function talk(socket: net.Socket): Promise<void> {
    const client: Client = { name: `guest${++guests}`, socket, outbox: new Queue<string>(sendQueue) };
    room.set(client.name, client);
    const writing = writer(client);
    deliver(client, `* welcome, ${client.name}. Commands: /nick NAME, /who, /quit\n`);
    broadcast(client, `* ${client.name} joined\n`);
    log(`${client.name} joined from ${socket.remoteAddress}`);

    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (room.get(client.name) !== client) return;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
        const raw = pending.subarray(0, nl);
        pending = pending.subarray(nl + 1);
        if (raw.length > MAX_LINE_BYTES) return drop(client, `line too long (over ${MAX_LINE_BYTES} bytes)`);
        const line = checkLine(raw);
        if ('error' in line) return drop(client, line.error);
        if (line.text.startsWith('/')) command(client, line.text);
        else if (line.text.length > 0) broadcast(client, `${client.name}: ${line.text}\n`);
        if (room.get(client.name) !== client) return;
      }
      if (pending.length > MAX_LINE_BYTES) drop(client, `line too long (over ${MAX_LINE_BYTES} bytes)`);
    });
    socket.on('error', () => {}); // a reset connection is just a leaving client
    await once(socket, 'close');
    if (room.get(client.name) === client) {
      room.delete(client.name);
      broadcast(undefined, `* ${client.name} left\n`);
      log(`${client.name} disconnected`);
    }
    client.outbox.shutdown({ immediate: true });
    await writing;
  }

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (sockets.size > maxClients) {
      socket.end('! server full, try again later\n');
      return;
    }
    socket.setNoDelay(true);
    pool.submit(talk, socket);
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;

  return {
    host: address.address,
    port: address.port,
    who: () => [...room.keys()].sort(),
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
      await pool.shutdown({ wait: true });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { host, port } = parseArgs(process.argv.slice(2));
  const server = await startChatServer({ host, port, log: (l) => console.log(l) });
  console.log(`chat server listening on ${server.host}:${server.port} (Ctrl-C stops it)`);
  process.once('SIGINT', () => {
    console.log('\nstopping');
    void server.close();
  });
}
