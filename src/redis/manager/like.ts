/**
 * The interfaces a Manager proxy (`skein/multiprocessing`) and a RedisManager object share, so
 * code written against one runs unchanged against the other:
 *
 * ```ts
 * async function bump(lock: LockLike, d: DictLike<string, number>) {
 *   await lock.run(async () => d.set('n', ((await d.get('n')) ?? 0) + 1));
 * }
 * await bump(await manager.Lock(), await manager.dict());       // a Manager
 * await bump(redis.Lock('n'), redis.dict('counts'));            // Redis
 * ```
 *
 * Each is built from the Manager's own operation tables (`LockOps`, `DictOps`, …), and both
 * sides are checked against it at compile time below.
 *
 * @module
 */

import type {
  AsyncOps,
  BarrierOps,
  BarrierProxy,
  ConditionOps,
  ConditionProxy,
  DictOps,
  DictProxy,
  EventOps,
  EventProxy,
  Holdable,
  ListOps,
  ListProxy,
  LockOps,
  LockProxy,
  SemaphoreOps,
  SemaphoreProxy,
  SyncTwins,
} from '../../multiprocessing/manager/proxy.js';
import type { JoinableQueue } from '../../multiprocessing/process-queue.js';
import type { DictKey } from '../../multiprocessing/wire/values.js';
import type { RedisBarrier } from './barrier.js';
import type { RedisCondition } from './condition.js';
import type { RedisDict } from './dict.js';
import type { RedisEvent } from './event.js';
import type { RedisList } from './list.js';
import type { RedisLock, RedisRLock } from './lock.js';
import type { RedisQueue } from './queue.js';
import type { RedisBoundedSemaphore, RedisSemaphore } from './semaphore.js';

/** A Lock or RLock: `acquire`, `release`, `locked`, `hold`, `run` and their `…Sync` twins. */
export type LockLike = AsyncOps<LockOps> & SyncTwins<LockOps> & Holdable;
/** A Semaphore or BoundedSemaphore. */
export type SemaphoreLike = AsyncOps<SemaphoreOps> & SyncTwins<SemaphoreOps> & Holdable;
/** An Event. */
export type EventLike = AsyncOps<EventOps> & SyncTwins<EventOps>;
/** A Condition (with `waitFor`). */
export type ConditionLike = AsyncOps<ConditionOps> &
  SyncTwins<ConditionOps> &
  Holdable & {
    /** Waits until `predicate()` is truthy, re-checking after each notify; resolves with its last value. */
    waitFor(predicate: () => unknown, timeout?: number): Promise<unknown>;
  };
/** A Barrier. */
export type BarrierLike = AsyncOps<BarrierOps> & SyncTwins<BarrierOps>;
/** A dict. */
export type DictLike<K extends DictKey = string, V = unknown> = AsyncOps<DictOps<K, V>> &
  SyncTwins<DictOps<K, V>>;
/** A list. */
export type ListLike<T = unknown> = AsyncOps<ListOps<T>> & SyncTwins<ListOps<T>>;
/** A joinable queue: the Manager's `JoinableQueue` and RedisQueue. */
export type QueueLike<T = unknown> = Pick<
  JoinableQueue<T>,
  | 'put'
  | 'putNowait'
  | 'putSync'
  | 'get'
  | 'getNowait'
  | 'getSync'
  | 'qsize'
  | 'empty'
  | 'full'
  | 'taskDone'
  | 'join'
  | 'joinSync'
>;

// Compile-time proof that both sides satisfy each interface (a failing one breaks the build).
type Is<A extends B, B> = A;
export type _Checks = [
  Is<LockProxy, LockLike>,
  Is<RedisLock, LockLike>,
  Is<RedisRLock, LockLike>,
  Is<SemaphoreProxy, SemaphoreLike>,
  Is<RedisSemaphore, SemaphoreLike>,
  Is<RedisBoundedSemaphore, SemaphoreLike>,
  Is<EventProxy, EventLike>,
  Is<RedisEvent, EventLike>,
  Is<ConditionProxy, ConditionLike>,
  Is<RedisCondition, ConditionLike>,
  Is<BarrierProxy, BarrierLike>,
  Is<RedisBarrier, BarrierLike>,
  Is<DictProxy<string, number>, DictLike<string, number>>,
  Is<RedisDict<string, number>, DictLike<string, number>>,
  Is<ListProxy<number>, ListLike<number>>,
  Is<RedisList<number>, ListLike<number>>,
  Is<JoinableQueue<number>, QueueLike<number>>,
  Is<RedisQueue<number>, QueueLike<number>>,
];
