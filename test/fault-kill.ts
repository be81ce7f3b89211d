/**
 * The kill loop of the fault tests (test/queue/fault-kill.test.ts, test/sync/fault-kill.test.ts):
 * worker threads hammer a shared structure and are stopped at random instants, alternately by a
 * per-task timeout of a `ThreadPoolExecutor` (`submitWith({ timeout })`) and by `terminate()` of
 * a `ThreadPool`; between two rounds the main thread uses the structure and checks it is whole.
 *
 * Rounds alternate: one in three stops its victims by timeouts, two by terminate() (cheaper: a
 * timeout also starts a replacement worker the round must wait out). Each round runs two victims and waits until both workers have really exited (`shutdown()` /
 * `join()` resolve only then), so the main thread's checks never race a victim. Seeded: the seed
 * comes from `SKEIN_SEED` when set and is printed. Kills per structure: `SKEIN_KILLS`, else 600
 * with `SKEIN_STRESS=1`, else a bounded default that keeps each structure to a few seconds.
 */
import { ThreadPoolExecutor } from 'skein/futures';
import { ThreadPool } from 'skein/multiprocessing';
import { rng } from './helpers.ts';

export { SEED } from './helpers.ts';

/** Kills per structure in this run. */
export const KILLS = Number(process.env.SKEIN_KILLS ?? (process.env.SKEIN_STRESS ? 600 : 6));

/**
 * What a victim is: an inline function (sent as source text: self-contained) called as
 * `fn(started, slot, seed, ...extra)`. It must first mark itself started —
 * `Atomics.store(started, slot, 1); Atomics.notify(started, slot)` — then work until stopped.
 */
export interface Victim {
  fn: (started: Int32Array, slot: number, seed: number, ...extra: never[]) => unknown;
  extra: unknown[];
}

/** Rejects with a clear error when `p` does not settle within `ms` (the "no freeze" guard for async use). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (frozen?)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs rounds until `kills` victims were stopped while running (a victim that finishes first is
 * not counted). `between(round)` runs after each round, every worker gone.
 * Returns the number of rounds and of kills.
 */
export async function killLoop(
  victim: Victim,
  kills: number,
  seed: number,
  between: (round: number) => Promise<void>,
): Promise<{ rounds: number; kills: number }> {
  const random = rng(seed);
  let done = 0;
  let round = 0;
  for (; done < kills; round++) {
    const seeds = [Math.floor(random() * 2 ** 31), Math.floor(random() * 2 ** 31)];
    const started = new Int32Array(new SharedArrayBuffer(8));
    const args = (slot: number) => [started, slot, seeds[slot], ...victim.extra] as unknown as [];
    if (round % 3 === 0) {
      // Per-task timeouts of varied length (1–15 ms after the task started).
      const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
      try {
        const fs = [0, 1].map((slot) =>
          ex.submitWith(
            { timeout: 1 + Math.floor(random() * 15) },
            victim.fn as () => unknown,
            ...args(slot),
          ),
        );
        const outcomes = await Promise.allSettled(fs.map((f) => f.result()));
        outcomes.forEach((o, slot) => {
          if (o.status === 'rejected' && Atomics.load(started, slot) !== 0) done++;
        });
      } finally {
        await ex.shutdown();
      }
    } else {
      // terminate() at a random instant once both victims run.
      const pool = new ThreadPool({ processes: 2 });
      const results = [0, 1].map((slot) => pool.applyAsync(victim.fn as () => unknown, args(slot)));
      const ran = results.map((r) =>
        r.get().then(
          () => false,
          () => true,
        ),
      );
      // Both victims at work (or one already finished), then a random instant.
      for (const slot of [0, 1]) {
        const w = Atomics.waitAsync(started, slot, 0, 60_000);
        if (w.async) await w.value;
      }
      await new Promise((r) => setTimeout(r, Math.floor(random() * 10)));
      pool.terminate();
      await pool.join();
      for (const killed of await Promise.all(ran)) if (killed) done++;
    }
    await between(round);
  }
  return { rounds: round, kills: done };
}
