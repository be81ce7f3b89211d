/**
 * skein/redis — skein's executor and shared objects past one machine, on BullMQ and Redis.
 *
 * This entry is the only one that loads the optional peer dependencies `bullmq` and `ioredis`.
 *
 * @module
 */

// ── executor and workers (BullMQ) ──
export type { RedisConnection } from './connection.js';
export { MissingDependencyError } from './deps.js';
export { JobLostError } from './executor/job-lost-error.js';
export { RedisExecutor, type RedisExecutorOptions } from './executor/redis-executor.js';
export { type RemoteTasks, remoteTasks } from './executor/remote-tasks.js';
export type { PoolKind } from './worker/job-pool.js';
export { RedisWorker, type RedisWorkerOptions } from './worker/redis-worker.js';
