// The dining philosophers (死锁 — 科学家吃面问题), in three acts:
//  1. the deadlock happens: eat1 takes the fork then the noodles, eat2 the noodles then the fork;
//     no timeout anywhere: skein's deadlock detector (skein/diagnostics, mode 'raise') finds the
//     cycle once a wait has lasted 500 ms, names every thread and lock in it, and fails one wait.
//     The tutorial makes the crossing likely with time.sleep(1); here a Barrier makes it certain:
//     111 (noodles first) and bbb (fork first) each take their first lock, then meet, and only
//     then reach for the second — whatever the machine's load, each holds what the other wants;
//  2. the tutorial's fix: one RLock for both, so there is only one lock to take;
//  3. the better fix: every philosopher takes the locks in the same global order.
import { configureDiagnostics } from 'skein/diagnostics';
import { Barrier, Lock, RLock, Thread } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/dining-philosophers.ts',
  summary:
    "The dining philosophers (死锁 — 科学家吃面问题), in three acts: 1. the deadlock happens: eat1 takes the fork then the noodles, eat2 the noodles then the fork; skein's deadlock detector names the cycle and breaks it; 2. the tutorial's fix: one RLock for both, so there is only one lock to take; 3. the better fix: every philosopher takes the locks in the same global order.",
});

type AnyLock = Lock | RLock;

/** What a philosopher reports: it ate, or it gave up waiting (holding one lock, wanting the other). */
type Outcome =
  | { ate: true }
  | { ate: false; holds: string; waitsFor: string; heldBy: number | null; report: string };

/**
 * eat1 and eat2 as in the tutorial. The second lock is taken without a timeout: when it can never
 * come, skein's deadlock detector fails the wait with a DeadlockError naming the cycle.
 */
async function eat(
  name: string,
  first: AnyLock,
  firstName: string,
  second: AnyLock,
  secondName: string,
  pause: number,
  meet: Barrier | null,
): Promise<Outcome> {
  first.acquireSync();
  console.log(`${name}拿到${firstName}了`);
  // Act 1: wait until the partner holds its first lock too (the deadlock, made certain).
  if (meet) meet.waitSync();
  else if (pause) await new Promise((r) => setTimeout(r, pause)); // the tutorial's time.sleep(1)
  try {
    second.acquireSync();
  } catch (e) {
    // A thread's target is self-contained (sent as source), so the error is known by its code.
    if ((e as { code?: string }).code !== 'ERR_SKEIN_DEADLOCK') throw e;
    const heldBy = second.owner; // read while still holding `first`: the deadlock as it stands
    first.release();
    return { ate: false, holds: firstName, waitsFor: secondName, heldBy, report: (e as Error).message };
  }
  console.log(`${name}拿到${secondName}了`);
  console.log(`${name}吃面`);
  second.release();
  first.release();
  return { ate: true };
}

async function dinner(title: string, fork: AnyLock, noodle: AnyLock, ordered: boolean) {
  console.log(`\n== ${title}`);
  // eat1 takes fork → noodle; eat2 takes noodle → fork and pauses holding it (unless ordered).
  const plan: Array<[string, boolean]> = [
    ['aaa', true],
    ['111', false],
    ['bbb', true],
    ['222', false],
  ];
  // Python starts each thread and (with the GIL) lets it run up to its first blocking call
  // before the next one starts; skein's threads boot in parallel and could run in any order.
  // To replay the tutorial's story, start each philosopher once the previous one holds its
  // first lock, waits for it, or is done.
  // With two separate locks taken in opposite orders (act 1), 111 and bbb meet on a barrier
  // once each holds its first lock; in the other acts a barrier would only block (one lock, or
  // the same order), so the tutorial's pause stays.
  const crossing = fork !== noodle && !ordered ? new Barrier(2) : null;
  const threads: Thread[] = [];
  for (const [name, eat1] of plan) {
    const meet = name === '111' || name === 'bbb' ? crossing : null;
    const args: Parameters<typeof eat> =
      eat1 || ordered
        ? [name, fork, '叉子', noodle, '面条', eat1 ? 0 : 1000, meet]
        : [name, noodle, '面条', fork, '叉子', 1000, meet];
    const first = args[1];
    const waitingBefore = first.waiting;
    const t = new Thread({ target: eat, args, name });
    t.start();
    threads.push(t);
    while (t.isAlive() && first.owner !== t.ident && first.waiting <= waitingBefore) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const outcomes = (await Promise.all(threads.map((t) => t.result()))) as Outcome[];
  const nameOf = (ident: number | null) => threads.find((t) => t.ident === ident)?.name ?? `thread ${ident}`;
  for (const [i, o] of outcomes.entries()) {
    if (!o.ate) {
      console.log(
        `DEADLOCK (found by skein's deadlock detector): ${threads[i]!.name} held ${o.holds} and waited for ${o.waitsFor}, held by ${nameOf(o.heldBy)}`,
      );
      console.log(`   ${o.report}`);
    }
  }
  console.log(`-- ${outcomes.filter((o) => o.ate).length} of 4 ate`);
}

// Act 1 waits without timeouts; skein's detector checks any wait that lasts 500 ms and, in
// 'raise' mode, fails the wait of the cycle that began last (the default mode, 'report', only
// prints the cycle and lets the program hang, as Python's would).
configureDiagnostics({ deadlock: 'raise', deadlockTimeout: 500 });
await dinner(
  '1. two locks, taken in opposite orders: deadlock',
  new Lock({ name: '叉子 (fork)' }),
  new Lock({ name: '面条 (noodles)' }),
  false,
);
configureDiagnostics({ deadlock: 'report', deadlockTimeout: 1000 });
const one = new RLock();
await dinner(
  "2. the tutorial's fix: one RLock for both (noodle_lock = fork_lock = RLock())",
  one,
  one,
  false,
);
await dinner(
  '3. the better fix: two locks, always taken in the same order (fork, then noodles)',
  new Lock(),
  new Lock(),
  true,
);
console.log(
  '\nThe RLock "fix" works by making the two resources one — nobody can hold one and wait for the other —' +
    ' but it serializes everything and hides the logic error. A deadlock is a logic error (死锁从本质上来讲是一种逻辑错误);' +
    ' a global lock order removes it while keeping the locks separate.',
);
