// The dining philosophers (死锁 — 科学家吃面问题), in three acts:
//  1. the deadlock happens: eat1 takes the fork then the noodles, eat2 the noodles then the fork;
//     skein detects it with a timeout and reports who holds which lock and who waits for which;
//  2. the tutorial's fix: one RLock for both, so there is only one lock to take;
//  3. the better fix: every philosopher takes the locks in the same global order.
import { Lock, RLock, Thread } from 'skein/threading';

type AnyLock = Lock | RLock;

/** eat1 and eat2 as in the tutorial, with a timeout on the second lock to detect the deadlock. */
async function eat(name: string, first: AnyLock, firstName: string, second: AnyLock, secondName: string, pause: number) {
  const { currentThread } = await import('skein/threading');
  const holdFirst = first.holdSync();
  console.log(`${name}拿到${firstName}了`);
  if (pause) await new Promise((r) => setTimeout(r, pause));
  if (!second.acquireSync({ timeout: 2000 })) {
    const owner = second.owner;
    console.log(
      `DEADLOCK: ${name} (thread ${currentThread().ident}) holds ${firstName} and waited 2 s for ${secondName}, held by thread ${owner}`,
    );
    holdFirst[Symbol.dispose]();
    return 'deadlocked';
  }
  console.log(`${name}拿到${secondName}了`);
  console.log(`${name}吃面`);
  second.release();
  holdFirst[Symbol.dispose]();
  return 'ate';
}

async function dinner(title: string, fork: AnyLock, noodle: AnyLock, ordered: boolean) {
  console.log(`\n== ${title}`);
  // eat1 takes fork → noodle; eat2 takes noodle → fork (and pauses holding it), unless ordered.
  const plan: Array<[string, boolean]> = [
    ['aaa', true],
    ['111', false],
    ['bbb', true],
    ['222', false],
  ];
  const threads = plan.map(([name, forkFirst]) => {
    const fFirst = forkFirst || ordered;
    const args = fFirst
      ? [name, fork, '叉子', noodle, '面条', forkFirst ? 0 : 1000]
      : [name, noodle, '面条', fork, '叉子', 1000];
    const t = new Thread({ target: eat, args: args as Parameters<typeof eat>, name });
    t.start();
    return t;
  });
  const outcomes = await Promise.all(threads.map((t) => t.result()));
  const who = threads.map((t, i) => `${t.name}: ${outcomes[i]}`).join(', ');
  console.log(`-- ${who}`);
}

await dinner('1. two locks, taken in opposite orders: deadlock', new Lock(), new Lock(), false);
const one = new RLock();
await dinner('2. the tutorial\'s fix: one RLock for both (noodle_lock = fork_lock = RLock())', one, one, false);
await dinner('3. the better fix: two locks, always taken in the same order (fork, then noodles)', new Lock(), new Lock(), true);
console.log(
  '\nThe RLock "fix" works by making the two resources one — nobody can hold one and wait for the other —' +
    ' but it serializes everything and hides the logic error. A deadlock is a logic error (死锁从本质上来讲是一种逻辑错误);' +
    ' a global lock order removes it while keeping the locks separate.',
);
