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
// Coordination: the Manager's shared objects on Redis (manager/).
export { RedisBarrier } from './manager/barrier.js';
export { RedisCondition } from './manager/condition.js';
export { RedisDict } from './manager/dict.js';
export { RedisEvent } from './manager/event.js';
export type {
  BarrierLike,
  ConditionLike,
  DictLike,
  EventLike,
  ListLike,
  LockLike,
  QueueLike,
  SemaphoreLike,
} from './manager/like.js';
export { RedisList } from './manager/list.js';
export { RedisLock, RedisRLock } from './manager/lock.js';
export { type LeaseOptions, RedisManager, type RedisManagerOptions } from './manager/manager.js';
export type { HeldScope } from './manager/object.js';
export { RedisQueue } from './manager/queue.js';
export { RedisBoundedSemaphore, RedisSemaphore } from './manager/semaphore.js';
export type { PoolKind } from './worker/job-pool.js';
export { RedisWorker, type RedisWorkerOptions } from './worker/redis-worker.js';
