/**
 * A private `redis-server` for one test file: its own port on loopback, no persistence, stopped
 * after. Tests never touch a server they did not start (the machine's shared one on 6379 included).
 *
 * When `redis-server` is not installed, {@link startRedis} returns `undefined` and the caller
 * skips with {@link REDIS_MISSING}; under `CI=true` its absence is an error instead, so CI cannot
 * pass without running the Redis tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Socket } from 'node:net';
import { until } from '../helpers.ts';

/** The one line a skipped Redis test prints. */
export const REDIS_MISSING =
  'redis-server is not installed: install it with `apt-get install -y redis-server` to run the Redis tests';

/** True when a `redis-server` binary is on PATH. */
export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A running private server. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** ioredis-style connection options. */
  connection: { host: string; port: number };
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port (data is lost: no persistence). */
  restart(): Promise<void>;
  /** Kills it with SIGKILL, without waiting for it to save or close clients cleanly. */
  kill(): Promise<void>;
  /** Starts it again after stop/kill. */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    let buf = '';
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(false));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        s.destroy();
        resolve(buf.startsWith('+PONG'));
      }
    });
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
  });
}

/**
 * Starts a private `redis-server`, or returns `undefined` when none is installed (and `CI` is
 * not set). Call `stop()` in an `after` hook.
 * @throws Error when redis-server is missing under CI, or does not answer within 20 s.
 */
export async function startRedis(): Promise<RedisServer | undefined> {
  if (!haveRedisServer()) {
    if (process.env.CI) throw new Error(`CI=true but ${REDIS_MISSING}`);
    return undefined;
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const c = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    child = c;
    await until(
      () => {
        if (c.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${c.exitCode}`);
        return ping(port);
      },
      { timeout: 20_000, what: `redis-server on port ${port} answers` },
    );
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    connection: { host: '127.0.0.1', port },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    start: launch,
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
  };
}
