/**
 * Where `Thread`s run: isolates (worker threads) started on demand and kept warm for reuse.
 *
 * A fresh isolate costs tens of milliseconds of CPU to boot; Python's threads cost
 * microseconds. To make threads feel lightweight without giving up real parallelism:
 *
 * - `start()` hands the thread to an **idle** isolate when there is one;
 * - otherwise, when no booted isolate is busy (none may free up soon) and fewer than
 *   {@link MAX_BOOTING} isolates boot for threads of their own, it boots one for this thread
 *   and sends the thread to it at once. In these two cases the thread runs without waiting for
 *   the starter's event loop, so a starter that blocks right after `start()` (`t.start();
 *   q.getSync()`, Python's straight-line style) does not stop it;
 * - otherwise the thread is **queued** and an isolate boots for it. Invariant: while threads
 *   are queued, isolates are booting — as many as there are queued threads, but at most
 *   {@link MAX_BOOTING} at once (booting is CPU-bound: more at once only slows each). A queued
 *   thread therefore waits only for boots, which are finite, never behind a running thread;
 * - whichever isolate is free first (one that finished booting, or one whose thread ended)
 *   takes the next queued thread. The tutorial's 50 short threads thus need a couple of
 *   isolates, not 50.
 *
 * An isolate is reused only when the previous thread left nothing behind (no timers, sockets
 * or handles); otherwise it is terminated, so leftovers of one thread never run inside another.
 * What does carry over in a reused isolate: modules it imported (and their module-level
 * state), compiled inline functions, and changes to `globalThis`. `threading.local` data is
 * keyed by thread and does not carry over.
 *
 * Idle isolates are `unref`ed (they never keep the program alive) and stop after
 * {@link IDLE_TIMEOUT_MS}; at most {@link MAX_IDLE} are kept.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { markThreadEnded, nextIdent, type ThreadIdentity } from '../core/identity.js';
import type { HandleTable } from '../core/serialize.js';
import type { TaskSpec } from '../core/task.js';
import { spawnThread } from '../core/thread-transport.js';
import { type Outcome, WorkerClient } from '../core/worker-client.js';

/** How long an idle isolate is kept for reuse. */
export const IDLE_TIMEOUT_MS = 10_000;
/** How many isolates boot at once at most. */
export const MAX_BOOTING = Math.max(2, availableParallelism());
/** How many idle isolates are kept at most. */
export const MAX_IDLE = Math.max(4, availableParallelism() * 2);

/** A thread waiting for, or running on, an isolate. */
export interface ThreadJob {
  identity: ThreadIdentity;
  spec: TaskSpec;
  args: unknown[];
  shared: HandleTable | undefined;
  /** Called when the thread begins running, with the isolate's Node `threadId`. */
  onStart(nativeId: number): void;
  /** Called once, when the thread's target has settled or its isolate died. */
  onDone(outcome: Outcome): void;
  /**
   * Called with an error that escaped the thread after its target settled (a floating
   * rejection, a throw from a callback): the isolate dies of it, the thread's outcome stands.
   */
  onLateError(error: Error): void;
}

interface Slot {
  client: WorkerClient;
  job: ThreadJob | undefined;
  /** The thread that ran here last (a late error of its isolate is that thread's). */
  last: ThreadJob | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

const idle: Slot[] = [];
const booting = new Set<Slot>();
const queue: ThreadJob[] = [];
/** Isolates booting for a thread of their own (see {@link spawn}); at most MAX_BOOTING. */
let ownBoots = 0;
/** Isolates running a thread. */
const running = new Set<Slot>();

/** True when some isolate that has booted is running a thread (and may soon be free). */
function busyReadyIsolate(): boolean {
  for (const s of running) if (s.client.ready) return true;
  return false;
}

function setRef(slot: Slot): void {
  const job = slot.job;
  // A non-daemon thread keeps the program alive, as in Python; so does a booting isolate
  // while a non-daemon thread waits in the queue for it.
  const keepAlive = job ? !job.identity.daemon : booting.has(slot) && queue.some((j) => !j.identity.daemon);
  if (keepAlive) slot.client.transport.ref();
  else slot.client.transport.unref();
}

function refreshBootingRefs(): void {
  for (const s of booting) setRef(s);
}

/**
 * Starts an isolate. Without `job` it boots for the queue (counted in `booting`) and takes the
 * first queued thread when ready; with `job` it is that thread's own, and the thread is sent to
 * it at once (Node queues the message until the isolate listens), so the thread runs even if
 * the starting thread blocks before its event loop turns again (`t.start(); q.getSync()`).
 */
function spawn(job?: ThreadJob): void {
  const ident = nextIdent();
  const identity: ThreadIdentity = {
    ident,
    name: `skein-thread-host-${ident}`,
    daemon: true,
    nativeId: 0,
    kind: 'thread',
  };
  const client = new WorkerClient(spawnThread({ identity }), 'thread');
  const slot: Slot = { client, job: undefined, last: undefined, idleTimer: undefined };
  client.onLateError = (error) => (slot.job ?? slot.last)?.onLateError(error);
  // An own boot stops counting against MAX_BOOTING once the isolate is ready or dead.
  let ownBoot = job !== undefined;
  const bootEnded = () => {
    if (ownBoot) ownBoots--;
    ownBoot = false;
  };
  if (job !== undefined) {
    run(slot, job);
    client.onReady = bootEnded;
  } else {
    booting.add(slot);
    setRef(slot);
    client.onReady = () => {
      booting.delete(slot);
      dispatch(slot); // which boots more isolates if threads are still queued
    };
  }
  client.onExit = () => {
    bootEnded();
    booting.delete(slot);
    const i = idle.indexOf(slot);
    if (i >= 0) idle.splice(i, 1);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    // A booting isolate that died leaves its queued thread without one: keep the invariant.
    bootMore();
  };
}

function bootMore(): void {
  while (booting.size < Math.min(queue.length, MAX_BOOTING)) spawn();
}

function dispatch(slot: Slot): void {
  const job = queue.shift();
  if (job === undefined) {
    park(slot);
    return;
  }
  // Keep the invariant: the threads still queued need isolates booting for them (a queued
  // thread must never wait behind running ones, which may be waiting for it).
  bootMore();
  refreshBootingRefs();
  run(slot, job);
}

function park(slot: Slot): void {
  slot.job = undefined;
  if (idle.length >= MAX_IDLE) {
    void slot.client.transport.kill();
    return;
  }
  setRef(slot);
  idle.push(slot);
  slot.idleTimer = setTimeout(() => {
    const i = idle.indexOf(slot);
    if (i >= 0) idle.splice(i, 1);
    slot.client.transport.stop();
  }, IDLE_TIMEOUT_MS);
  slot.idleTimer.unref();
}

function run(slot: Slot, job: ThreadJob): void {
  if (slot.idleTimer) {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
  }
  slot.job = job;
  slot.last = job;
  running.add(slot);
  setRef(slot);
  const nativeId = slot.client.transport.id;
  job.onStart(nativeId);
  let sent: Promise<Outcome>;
  try {
    sent = slot.client.call(job.spec, job.args, {
      identity: { ...job.identity, nativeId },
      checkIdle: true,
      shared: job.shared,
      label: `thread "${job.identity.name}"`,
    });
    // Sent now, not at the next microtask: the starter may block before then.
    slot.client.flushNow();
  } catch (error) {
    sent = Promise.resolve({ ok: false, error: error as Error, idle: true });
  }
  void sent.then((outcome) => {
    slot.job = undefined;
    running.delete(slot);
    // Before anyone learns the thread ended: locks it still holds become recoverable.
    markThreadEnded(job.identity.ident);
    job.onDone(outcome);
    if (slot.client.exit !== undefined) return;
    if (outcome.idle) dispatch(slot);
    else void slot.client.transport.kill();
  });
}

/**
 * Runs a thread: on an idle isolate now; else on an isolate of its own, booting now, while
 * fewer than {@link MAX_BOOTING} do; else on the first one free.
 */
export function scheduleThread(job: ThreadJob): void {
  const slot = idle.pop();
  if (slot !== undefined) {
    run(slot, job);
    return;
  }
  // An isolate of its own, unless one that is ready and busy may free up for it sooner (the
  // common burst of short threads, which warm isolates serve in microseconds).
  if (ownBoots < MAX_BOOTING && !busyReadyIsolate()) {
    ownBoots++;
    spawn(job);
    return;
  }
  queue.push(job);
  bootMore();
  refreshBootingRefs();
}

/**
 * Stops every idle isolate kept for reuse and resolves once they have exited. Threads still
 * running are not affected. Useful before measuring resources, or to free memory at once.
 */
export async function releaseIdleThreads(): Promise<void> {
  const slots = idle.splice(0);
  await Promise.all(
    slots.map((s) => {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      return s.client.transport.kill();
    }),
  );
}
