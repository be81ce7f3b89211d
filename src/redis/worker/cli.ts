#!/usr/bin/env node
/**
 * `skein-worker`: a RedisWorker as a command.
 *
 * ```
 * npx skein-worker --tasks ./dist/tasks.js --redis redis://127.0.0.1:6379 --concurrency 4 --pool process
 * ```
 *
 * The first SIGINT or SIGTERM stops taking jobs and lets the running ones finish and reply, then
 * exits 0; a second one exits at once (jobs still held go to another worker once their locks
 * expire — delivery is at least once).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { positiveInt } from '../../core/options.js';
import { connectionOptions, describeConnection } from '../connection.js';
import type { PoolKind } from './job-pool.js';
import { RedisWorker } from './redis-worker.js';

const HELP = `Usage: skein-worker --tasks MODULE [options]

Runs the jobs of a skein queue (submitted by RedisExecutor) on a local pool.

  --tasks MODULE          the task module (path or file: URL); its exported functions are the tasks (required)
  --redis URL             redis://[user:password@]host:port[/db] (default: $REDIS_URL or redis://127.0.0.1:6379)
  --queue NAME            queue name (default: skein)
  --pool KIND             thread | process | local (default: thread)
  --max-workers N         threads or processes in the pool (default: the number of CPUs)
  --concurrency N         jobs taken at once (default: max-workers x 4; local: 16)
  --lock-duration MS      how long a dead worker's job waits before another worker takes it (default: 30000)
  --stalled-interval MS   how often to look for jobs of dead workers (default: lock-duration)
  --name NAME             this worker's name in messages (default: HOST:PID)
  -h, --help              show this help

SIGINT/SIGTERM: finish running jobs, then exit; a second signal: exit now.`;

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  // A flag that is no integer is checked as the text typed, so the message quotes it ("many").
  return positiveInt(value.trim() !== '' && Number.isInteger(n) ? n : value, flag);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      redis: { type: 'string' },
      queue: { type: 'string' },
      pool: { type: 'string' },
      'max-workers': { type: 'string' },
      concurrency: { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.tasks === undefined) throw new TypeError('--tasks MODULE is required (see --help)');
  const redis = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const worker = new RedisWorker({
    connection: redis,
    tasks: values.tasks,
    queue: values.queue,
    pool: values.pool as PoolKind | undefined,
    maxWorkers: int(values['max-workers'], '--max-workers'),
    concurrency: int(values.concurrency, '--concurrency'),
    lockDuration: int(values['lock-duration'], '--lock-duration'),
    stalledInterval: int(values['stalled-interval'], '--stalled-interval'),
    name: values.name,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      console.error(`skein-worker ${worker.name}: ${signal} again, stopping now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    console.error(
      `skein-worker ${worker.name}: ${signal}, finishing ${worker.activeJobs} running job(s); send it again to stop now`,
    );
    worker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`skein-worker ${worker.name}: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await worker.start();
  console.log(
    `skein-worker ${worker.name} ready: queue '${worker.queue}' on ${describeConnection(connectionOptions(redis))}, ` +
      `${worker.pool} pool x ${worker.maxWorkers}, concurrency ${worker.concurrency}, tasks: ${worker.taskNames.join(', ')}`,
  );
}

main().catch((err: unknown) => {
  console.error(`skein-worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
