/**
 * `skein-worker` processes for the Redis tests: started from the built command, awaited until
 * they say they are ready, stopped (or killed) by the test that started them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built `skein-worker` command. */
export const CLI = fileURLToPath(new URL('./worker/cli.js', import.meta.resolve('skein/redis')));
/** The test task module. */
export const TASKS = fileURLToPath(new URL('../fixtures/redis-tasks.mjs', import.meta.url));

/** A running worker process. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  name: string;
  /** Everything it printed. */
  output(): string;
  /** Resolves with its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs it (if alive) and waits for the exit. */
  kill(): Promise<void>;
}

/** Options passed to `skein-worker`. */
export interface WorkerArgs {
  url: string;
  queue: string;
  name: string;
  pool?: 'thread' | 'process' | 'local';
  concurrency?: number;
  maxWorkers?: number;
  lockDuration?: number;
}

/** Starts `skein-worker` and resolves once it printed its ready line. */
export async function startWorker(a: WorkerArgs): Promise<WorkerProcess> {
  const args = [
    CLI,
    '--tasks',
    TASKS,
    '--redis',
    a.url,
    '--queue',
    a.queue,
    '--name',
    a.name,
    '--pool',
    a.pool ?? 'thread',
    '--max-workers',
    String(a.maxWorkers ?? 1),
    '--concurrency',
    String(a.concurrency ?? 1),
    '--lock-duration',
    String(a.lockDuration ?? 2000),
    '--stalled-interval',
    String(Math.max(500, Math.floor((a.lockDuration ?? 2000) / 2))),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SKEIN_TEST_WORKER: a.name },
  });
  let out = '';
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(' ready: ')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`skein-worker ${a.name} exited (${code ?? signal}) before it was ready:\n${out}`)),
    );
  });
  return {
    child,
    pid: child.pid!,
    name: a.name,
    output: () => out,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
