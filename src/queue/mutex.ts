/**
 * The queue's one mutex and its three conditions, on words of the queue's control block
 * (CPython's `queue.py` guards everything with one mutex shared by three conditions,
 * `not_empty`, `not_full` and `all_tasks_done`; so does skein's queue).
 *
 * This is deliberately *not* `threading.Lock`/`Condition`: the queue needs neither
 * ownership, re-entrance nor async acquisition, and it must not depend on them.
 *
 * **Mutex** — Drepper's three-state futex mutex ("Futexes Are Tricky", mutex #2) on one word:
 * `0` free, `1` held, `2` held and somebody may be parked on it. Acquire: CAS 0→1; else spin
 * a bounded number of times re-trying; else swap in 2 and park until the swap returns 0.
 * Release: swap in 0; if the old value was 2, wake one parked thread. Every critical section
 * of the queue is short and never waits (it copies one item's bytes, occasionally compacts
 * the arena), so *every* caller — async ones included, even on the main thread — takes the
 * mutex synchronously: an async task never holds it across an `await`, so two tasks of one
 * thread never contend for it, and a thread that finds it held waits at most one critical
 * section of another thread.
 *
 * **Conditions** — each condition is a sequence word plus a count of waiters. A waiter,
 * holding the mutex, finds its predicate false, reads the sequence word, counts itself in,
 * releases the mutex and parks on the sequence word *expecting the value it read*. A
 * notifier, holding the mutex, changes the state, increments the sequence word and — only if
 * the waiter count is non-zero — calls `Atomics.notify`. Because the sequence is read and
 * bumped under the mutex, a notification that lands between the waiter's release and its
 * park makes the park return `'not-equal'` at once: no wake-up is lost. A blocking waiter
 * first spins a bounded number of loads on the sequence word *before* counting itself in, so
 * that a notifier facing a busy peer skips the futex wake-up. Counting in after releasing the
 * mutex is safe: the notifier's `add(seq)`-then-`load(waiters)` and the waiter's
 * `add(waiters)`-then-park-while-`seq`-unchanged are sequentially consistent, so either the
 * notifier sees the waiter or the waiter sees the new sequence. Every waiter re-checks
 * its predicate under the mutex after waking (wake-ups may be spurious, see park.ts). A
 * waiter un-counts itself after waking, outside the mutex (an `Atomics.sub`): a count that is
 * briefly too high costs one needless `notify`, never a lost one.
 *
 * Atomics ordering: all accesses are `Atomics` operations, which are sequentially consistent;
 * the mutex's acquire/release therefore also orders the plain byte copies into the arena.
 *
 * @module
 */
import { park, parkSync } from '../sync/park.js';

/** Spins on a held mutex before parking; each spin is one load. */
const SPIN = 64;
/**
 * Loads of a condition's sequence word before a blocking wait parks. Kept short on purpose:
 * on the 2-core machines we measure on, longer spins (200, 2000) lowered 1→1 throughput,
 * because a spinning consumer takes the CPU its producer needs.
 */
const WAIT_SPIN = 20;

/** Acquires the futex mutex at `ctl[index]` (see the module comment). */
export function lock(ctl: Int32Array, index: number): void {
  if (Atomics.compareExchange(ctl, index, 0, 1) === 0) return;
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(ctl, index) === 0 && Atomics.compareExchange(ctl, index, 0, 1) === 0) return;
  }
  while (Atomics.exchange(ctl, index, 2) !== 0) Atomics.wait(ctl, index, 2);
}

/** Releases the futex mutex at `ctl[index]`. */
export function unlock(ctl: Int32Array, index: number): void {
  if (Atomics.exchange(ctl, index, 0) === 2) Atomics.notify(ctl, index, 1);
}

/** Signals a condition (caller holds the mutex): bumps its sequence, wakes `count` waiters if any. */
export function signal(ctl: Int32Array, seq: number, waiters: number, count: number): void {
  Atomics.add(ctl, seq, 1);
  if (Atomics.load(ctl, waiters) > 0) Atomics.notify(ctl, seq, count);
}

/**
 * Waits on a condition, blocking the thread. Called holding the mutex; releases it, parks on
 * the sequence word for at most `timeout` ms and returns *without* the mutex (as
 * {@link waitAsync} must): the caller re-acquires it and re-checks its predicate.
 */
export function waitSync(
  ctl: Int32Array,
  mutex: number,
  seq: number,
  waiters: number,
  timeout: number,
): void {
  const expected = Atomics.load(ctl, seq);
  unlock(ctl, mutex);
  // Spin briefly first: between two busy threads the condition usually changes within
  // microseconds, and a waiter that is not counted costs the notifier no futex wake-up.
  for (let i = 0; i < WAIT_SPIN; i++) if (Atomics.load(ctl, seq) !== expected) return;
  Atomics.add(ctl, waiters, 1);
  parkSync(ctl, seq, expected, timeout);
  Atomics.sub(ctl, waiters, 1);
}

/**
 * Waits on a condition without blocking the thread. Called holding the mutex; returns (or
 * rejects with the signal's reason when `signal` aborts) *without* it: an async caller must
 * re-acquire the mutex itself in the same synchronous run as its critical section, since a
 * mutex re-taken here and held across the `await` back into the caller would block every
 * other task of this thread that reached `lock` in between — a self-deadlock.
 */
export async function waitAsync(
  ctl: Int32Array,
  mutex: number,
  seq: number,
  waiters: number,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const expected = Atomics.load(ctl, seq);
  Atomics.add(ctl, waiters, 1);
  unlock(ctl, mutex);
  // park.ts keeps the event loop alive during a timed wait with a timer of `timeout + 1` ms,
  // but libuv starts that timer from its cached loop time, which is stale after long
  // synchronous work (module loading under tsx): the timer then fires before the wait's own
  // timeout, and a program whose only work is this wait exits with "unsettled top-level
  // await". So hold a timer that cannot fire early until the wait settles.
  const keepAlive = timeout === Number.POSITIVE_INFINITY ? undefined : setTimeout(() => {}, 0x7fffffff);
  try {
    await park(ctl, seq, expected, timeout, signal);
  } finally {
    if (keepAlive !== undefined) clearTimeout(keepAlive);
    Atomics.sub(ctl, waiters, 1);
  }
}
