/**
 * The tutorial's multi-user TCP chat (使用线程通过socket实现TCP的多人聊天), made real.
 *
 * The tutorial serves each connection in its own thread. A Node socket cannot move into a
 * worker thread, and it does not need to: sockets are asynchronous, so each connection is
 * served concurrently on the event loop. skein fits where Python's threads and queues did:
 *
 * - a `LocalExecutor` runs one task per connection (Python: one `Thread(target=talk)` each),
 *   its `maxWorkers` bounding how many clients are served at once;
 * - each client has a bounded skein `Queue` of outgoing lines (bounded in bytes), drained by a
 *   writer loop that respects the socket's backpressure. A client that reads too slowly fills
 *   its queue and is disconnected (`Full`), so it never stalls the others.
 *
 * Run: `npm run chat:server -- [--host 127.0.0.1] [--port 8090]` (binds to loopback by default).
 */
import { once } from 'node:events';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Empty, Full, ShutDown } from 'skein';
import { LocalExecutor } from 'skein/futures';
import { Queue } from 'skein/queue';
import { chatCommand, checkLine, MAX_LINE_BYTES, NICK } from './protocol.ts';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  host?: string;
  port?: number;
  /** Clients served at once; more are told the server is full. */
  maxClients?: number;
  /**
   * Bytes of outgoing lines buffered per client (beyond the socket's own buffers) before it
   * counts as too slow and is dropped. Bytes, not lines: one burst from a fast sender can hold
   * hundreds of short lines, which a reading client must be able to take. At least 256 KiB
   * (four of Node's 64 KiB reads), default 1 MiB.
   */
  sendBuffer?: number;
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
  /** Wakes the writer when it sleeps for lack of lines. */
  kick: () => void;
}

/** Starts a chat server; resolves once it listens. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const { host = '127.0.0.1', port = 8090, maxClients = 1000, log = () => {} } = options;
  // One read from a sender (up to 64 KiB) is broadcast before any writer runs: every queue must
  // hold several of those, or a client that reads perfectly well would count as slow.
  const sendBuffer = Math.max(options.sendBuffer ?? 1 << 20, 256 * 1024);
  const room = new Map<string, Client>();
  const sockets = new Set<net.Socket>();
  const pool = new LocalExecutor({ maxWorkers: maxClients });
  let guests = 0;

  /** Queues a line for one client; a client whose queue is full is too slow and is dropped. */
  const deliver = (to: Client, line: string) => {
    try {
      to.outbox.putNowait(line);
      to.kick();
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
    client.outbox.shutdown({ immediate: true });
    client.kick();
    closeSoon(client.socket, `! ${reason}\n`);
    leave(client, `dropped: ${reason}`);
  };

  /**
   * Ends our side (after a last line), and destroys the connection if the client does not
   * close its side soon: a client that keeps a half-closed connection open costs nothing then.
   */
  const closeSoon = (socket: net.Socket, last?: string) => {
    if (socket.writable) {
      if (last === undefined) socket.end();
      else socket.end(last);
    }
    setTimeout(() => socket.destroy(), 2000).unref();
  };

  /** Resolves when the socket can take more data, or will never again (never rejects). */
  const drained = (socket: net.Socket) =>
    new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });

  /**
   * Everything queued for the client, joined (`''` when nothing is), or `undefined` once the
   * queue is shut down and empty.
   */
  const takeAll = (q: Queue<string>): string | undefined => {
    let out = '';
    for (;;) {
      try {
        out += q.getNowait();
      } catch (err) {
        if (err instanceof Empty) return out;
        if (err instanceof ShutDown) return out === '' ? undefined : out;
        throw err;
      }
    }
  };

  /**
   * Sends queued lines in order, all that is queued at each turn in one write, waiting for the
   * socket to drain when its buffer is full. It sleeps on a plain promise that `deliver`
   * resolves (`kick`), not on `outbox.get()`: producer and writer share this thread, and a
   * same-thread wake-up through shared memory arrives a whole event-loop turn later, by which
   * time a fast sender's next reads have queued more.
   */
  async function writer(client: Client): Promise<void> {
    const { socket } = client;
    for (;;) {
      const text = takeAll(client.outbox);
      if (text === undefined) {
        closeSoon(socket);
        return;
      }
      if (text === '') {
        await new Promise<void>((resolve) => {
          client.kick = resolve;
        });
        continue;
      }
      if (!socket.writable) return;
      if (!socket.write(text)) await drained(socket);
    }
  }

  /** The client is gone or going: leave the room (once) and tell the others. */
  const leave = (client: Client, how: string) => {
    if (room.get(client.name) !== client) return;
    room.delete(client.name);
    broadcast(undefined, `* ${client.name} left\n`);
    log(`${client.name} ${how}`);
  };

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
        client.kick();
        leave(client, 'quit');
        return;
      default:
        deliver(client, `! unknown command ${cmd}; try /nick NAME, /who, /quit\n`);
    }
  }

  /** Serves one connection until it closes: the tutorial's `talk(conn)`. */
  async function talk(socket: net.Socket): Promise<void> {
    const client: Client = {
      name: `guest${++guests}`,
      socket,
      outbox: new Queue<string>(0, { capacity: sendBuffer }),
      kick: () => {},
    };
    room.set(client.name, client);
    const writing = writer(client);
    deliver(client, `* welcome, ${client.name}. Commands: /nick NAME, /who, /quit\n`);
    broadcast(client, `* ${client.name} joined\n`);
    log(`${client.name} joined from ${socket.remoteAddress}`);

    let pending: Buffer = Buffer.alloc(0);
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
      if (pending.length > MAX_LINE_BYTES)
        return drop(client, `line too long (over ${MAX_LINE_BYTES} bytes)`);
      // Fairness: after each read, let the writers run before reading more from this sender,
      // so one fast sender cannot fill the queues of clients that read at a normal pace.
      socket.pause();
      setImmediate(() => socket.resume());
    });
    // The client finished sending (its end of a half-close): what is queued for it still goes
    // out, then the writer closes our side.
    socket.on('end', () => {
      leave(client, 'disconnected');
      client.outbox.shutdown();
      client.kick();
    });
    socket.on('error', () => {}); // a reset connection is just a leaving client
    await new Promise((resolve) => socket.once('close', resolve));
    leave(client, 'disconnected');
    client.outbox.shutdown({ immediate: true });
    client.kick();
    await writing;
  }

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
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
  const { host, port } = chatCommand(
    'examples/chat/server.ts',
    "The tutorial's TCP chat server: one task per connection on a LocalExecutor, a bounded queue per client.",
  );
  const server = await startChatServer({ host, port, log: (l) => console.log(l) });
  console.log(`chat server listening on ${server.host}:${server.port} (Ctrl-C stops it)`);
  process.once('SIGINT', () => {
    console.log('\nstopping');
    void server.close();
  });
}
