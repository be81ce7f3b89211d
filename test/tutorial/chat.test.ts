// The tutorial's chat, end to end over real sockets on loopback.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type ChatServer, startChatServer } from '../../examples/chat/server.ts';
import { runNode } from '../helpers.ts';

/** A test client: sends lines, and waits for lines matching a pattern. */
class LineClient {
  readonly lines: string[] = [];
  readonly socket: net.Socket;
  closed: Promise<void>;
  #partial = '';
  #waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.#partial += chunk;
      const parts = this.#partial.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.re.test(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Resolves with the first line (already received or coming) that matches `re`. */
  waitFor(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ re, resolve }));
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Connects and waits for the welcome; returns the client and its guest name. */
  static async join(port: number): Promise<[LineClient, string]> {
    const c = new LineClient(port);
    const welcome = await c.waitFor(/^\* welcome, /);
    return [c, /welcome, (\S+)\./.exec(welcome)![1]!];
  }
}

let server: ChatServer;
before(async () => {
  server = await startChatServer({ port: 0, sendBuffer: 256 * 1024 });
});
after(() => server.close());

describe('chat server', { timeout: 1_800_000 }, () => {
  test('binds to loopback by default', () => {
    assert.equal(server.host, '127.0.0.1');
  });

  test('broadcasts a line to the others with the sender name; join and leave notices', async () => {
    const [a, aName] = await LineClient.join(server.port);
    const [b, bName] = await LineClient.join(server.port);
    await a.waitFor(new RegExp(`^\\* ${bName} joined$`));
    a.send('hello everyone\n');
    assert.equal(await b.waitFor(/hello everyone/), `${aName}: hello everyone`);
    assert.ok(!a.lines.some((l) => l.includes('hello everyone')), 'no echo to the sender');
    b.socket.destroy(); // abrupt disconnect
    await a.waitFor(new RegExp(`^\\* ${bName} left$`));
    a.socket.destroy();
  });

  test('/nick, /who and /quit', async () => {
    const [a] = await LineClient.join(server.port);
    const [b, bName] = await LineClient.join(server.port);
    a.send('/nick ana\n');
    await a.waitFor(/^\* you are now ana$/);
    await b.waitFor(/is now ana$/);
    b.send('/nick ana\n');
    await b.waitFor(/^! ana is taken$/);
    b.send('/nick bad name!\n');
    await b.waitFor(/^! usage: \/nick NAME/);
    b.send('/who\n');
    const who = await b.waitFor(/^\* online: /);
    assert.ok(who.includes('ana') && who.includes(bName));
    b.send('/bogus\n');
    await b.waitFor(/^! unknown command \/bogus/);
    a.send('/quit\n');
    await a.waitFor(/^\* bye$/);
    await a.closed;
    await b.waitFor(/^\* ana left$/);
    b.socket.destroy();
  });

  test('an over-long line is refused with a message and the connection is closed cleanly', async () => {
    const [a] = await LineClient.join(server.port);
    a.send(`${'x'.repeat(5000)}\n`);
    await a.waitFor(/^! line too long/);
    await a.closed;
  });

  test('a line that never ends is refused too', async () => {
    const [a] = await LineClient.join(server.port);
    a.send('y'.repeat(3000)); // no newline at all
    await a.waitFor(/^! line too long/);
    await a.closed;
  });

  test('binary garbage is refused and the server keeps serving', async () => {
    const [a] = await LineClient.join(server.port);
    a.send(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]));
    await a.waitFor(/^! binary data/);
    await a.closed;
    const [c] = await LineClient.join(server.port);
    c.send('\u0007bell\n');
    await c.waitFor(/^! binary data: control characters/);
    await c.closed;
  });

  test('a slow reader is dropped and never stalls the others', async () => {
    const [slow, slowName] = await LineClient.join(server.port);
    slow.socket.pause(); // stops reading: its buffers and then its queue fill up
    const [talker] = await LineClient.join(server.port);
    const [listener] = await LineClient.join(server.port);
    const big = 'z'.repeat(1000);
    // The talker sends at the pace the listener reads (100 lines, then waits for them), as a
    // chat does; the slow client never reads, so only its queue grows, until it is dropped.
    const n = 12_000; // 12 MB: more than the loopback socket buffers plus the 256 KiB send buffer
    for (let i = 0; i < n; i++) {
      talker.send(`${i} ${big}\n`);
      if (i % 100 === 99) await listener.waitFor(new RegExp(`^\\S+: ${i} `));
    }
    await listener.waitFor(new RegExp(`^\\* ${slowName} left$`));
    const got = listener.lines.filter((l) => / z{1000}$/.test(l)).length;
    assert.equal(got, n, 'the listener got every line');
    for (const c of [slow, talker, listener]) c.socket.destroy();
  });

  test('200 concurrent clients each see everyone else’s line', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => LineClient.join(server.port)));
    // Everyone has heard of everyone who joined after them by the time the last one has joined:
    // wait until the first client has seen the last join before anyone talks.
    const lastName = clients.at(-1)![1];
    await clients[0]![0].waitFor(new RegExp(`^\\* ${lastName} joined$`));
    for (const [c, name] of clients) c.send(`hi from ${name}\n`);
    await Promise.all(
      clients.map(async ([c, name]) => {
        for (const [, other] of clients)
          if (other !== name) await c.waitFor(new RegExp(`^${other}: hi from ${other}$`));
      }),
    );
    for (const [c] of clients) c.socket.destroy();
  });
});

describe('chat client', { timeout: 1_800_000 }, () => {
  test('scripted: sends piped lines, prints what arrives, quits at end of input', async () => {
    const [watcher] = await LineClient.join(server.port);
    const run = runNode('examples/chat/client.ts', ['--port', String(server.port)], {
      input: '/nick scripted\nhello from a pipe\n',
    });
    await watcher.waitFor(/^scripted: hello from a pipe$/);
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\* welcome, guest\d+\./);
    assert.match(r.stdout, /\* you are now scripted/);
    assert.match(r.stdout, /\* bye/);
    await watcher.waitFor(/^\* scripted left$/);
    watcher.socket.destroy();
  });

  test('bad arguments are refused', async () => {
    const r = await runNode('examples/chat/client.ts', ['--port', 'abc']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bad --port/);
  });
});
