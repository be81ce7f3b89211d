/**
 * The queue's one mutex and its three conditions, on words of the queue's control block
 * (CPython's `queue.py` guards everything with one mutex shared by three conditions,
 * `not_empty`, `not_full` and `all_tasks_done`; so does skein's queue).
 *
 * This is deliberately *not* `threading.Lock`/`Condition`: the queue needs neither
 * ownership, re-entrance nor async acquisition, and it must not depend on them.
 *
 * **Mutex** — Drepper's futex mutex ("Futexes Are Tricky", mutex #2) whose lock word also
 * records the holder, as `src/sync/mutex.ts` does: `0` free, else `ident | CONTENDED` (bits
 * 0–29 the holder's thread ident, bit 30 "somebody may be parked"). Acquire: CAS 0→ident; else
 * spin a bounded number of times re-trying; else set CONTENDED and park. Release: swap in 0;
 * if the old value had CONTENDED, wake one parked thread. Every critical section of the
 * queue is short and never waits (it copies one item's bytes, occasionally compacts the
 * arena), so callers take the mutex synchronously when it is free: an async task never holds
 * it across an `await`, so two tasks of one thread never contend for it. An async caller that
 * finds it held by another thread waits for it *asynchronously* ({@link lockAsync}), so that
 * its event loop keeps turning — the main thread's event loop is where the death of a worker
 * is recorded (see below), so it must not block on a holder that may be dead.
 *
 * **Dead holders.** A thread can be stopped at any instant — a pool task's timeout,
 * `terminate()`, an uncaught error, running out of memory — including inside a critical
 * section. Waiters park in slices of at most {@link POLL_MS} ms and, on each turn, check
 * whether the word names a thread that has ended (the liveness marks of `core/identity.ts`);
 * if so, one of them takes the mutex over with a CAS from the dead word to its own, and
 * {@link lock} returns the dead ident: the caller must then *repair* what the dead holder may
 * have left half-done before it uses the data (queue.ts rolls the critical section back from
 * its journal). Limitation: a thread's death is recorded by the event loop of the thread that
 * started it (usually the main thread); a *synchronous* wait there (`putSync`, `putNowait`…)
 * for a mutex whose holder died but whose death that loop has not yet processed waits until
 * it has — forever, if the loop is the one blocked. skein's own stops (a pool's timeout,
 * `terminate()`) settle only once the worker's exit was processed, so code that awaits them
 * first never meets this.
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
import { currentIdent, isThreadAlive } from '../core/identity.js';
import { park, parkSync } from '../sync/park.js';

/** Spins on a held mutex before parking; each spin is one load. */
const SPIN = 64;
/**
 * Loads of a condition's sequence word before a blocking wait parks. Kept short on purpose:
 * on the 2-core machines we measure on, longer spins (200, 2000) lowered 1→1 throughput,
 * because a spinning consumer takes the CPU its producer needs.
 */
const WAIT_SPIN = 20;

/** The CONTENDED bit of a lock word, and the mask of its holder's ident. */
const CONTENDED = 0x40000000;
const IDENT_MASK = 0x3fffffff;
/** Longest park slice of a waiter, so it notices a dead holder within this many ms. */
export const POLL_MS = 50;

/**
 * Acquires the mutex at `ctl[index]` (see the module comment), blocking this thread while
 * another holds it. Returns 0, or — when the mutex was taken over from a holder that died
 * inside its critical section — that holder's ident: the caller must repair the data first.
 */
export function lock(ctl: Int32Array, index: number): number {
  const me = currentIdent;
  if (Atomics.compareExchange(ctl, index, 0, me) === 0) return 0;
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(ctl, index) === 0 && Atomics.compareExchange(ctl, index, 0, me) === 0) return 0;
  }
  for (;;) {
    const seen = attempt(ctl, index, me);
    if (seen >= 0) return seen;
    Atomics.wait(ctl, index, seen & ~(1 << 31), POLL_MS);
  }
}

/**
 * Takes the mutex if that is possible without waiting: 0 (taken), a dead holder's ident
 * (taken over: repair first, as after {@link lock}), or -1 when a live thread holds it.
 */
export function tryLock(ctl: Int32Array, index: number): number {
  const me = currentIdent;
  if (Atomics.compareExchange(ctl, index, 0, me) === 0) return 0;
  const seen = attempt(ctl, index, me);
  return seen >= 0 ? seen : -1;
}

/**
 * One waiter's attempt: take a free mutex (marked CONTENDED, since others may sleep), take it
 * over from a dead holder, or mark it CONTENDED. Returns 0 or the dead ident when taken; else
 * the word to park on, tagged with bit 31 (so it is negative) for the caller to strip.
 */
function attempt(ctl: Int32Array, index: number, me: number): number {
  for (;;) {
    const cur = Atomics.load(ctl, index);
    if (cur === 0) {
      if (Atomics.compareExchange(ctl, index, 0, me | CONTENDED) === 0) return 0;
      continue;
    }
    const who = cur & IDENT_MASK;
    if (who !== me && !isThreadAlive(who)) {
      if (Atomics.compareExchange(ctl, index, cur, me | CONTENDED) === cur) return who;
      continue;
    }
    if ((cur & CONTENDED) === 0 && Atomics.compareExchange(ctl, index, cur, cur | CONTENDED) !== cur)
      continue;
    return cur | CONTENDED | (1 << 31) | 0;
  }
}

/**
 * For an async caller that found the mutex held ({@link tryLock} returned -1): waits, without
 * blocking the event loop, until it may be free (released, or its holder dead), for at most
 * one poll slice. The caller then tries again in the same synchronous run as its critical section.
 * @throws the signal's reason (rejects) when `signal` aborts.
 */
export async function waitUnlocked(
  ctl: Int32Array,
  index: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const cur = Atomics.load(ctl, index);
  if (cur === 0 || !isThreadAlive(cur & IDENT_MASK)) return;
  // Mark it contended, so that the releaser wakes us; a word that changed meanwhile: retry.
  if ((cur & CONTENDED) === 0 && Atomics.compareExchange(ctl, index, cur, cur | CONTENDED) !== cur) return;
  await park(ctl, index, cur | CONTENDED, POLL_MS, signal);
}

/** Releases the mutex at `ctl[index]`. */
export function unlock(ctl: Int32Array, index: number): void {
  if ((Atomics.exchange(ctl, index, 0) & CONTENDED) !== 0) Atomics.notify(ctl, index, 1);
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
