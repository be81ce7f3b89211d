// Starting threads, reviewed (复习:线程的开启 / GIL锁): 100 threads each decrement a shared n.
// Python's GIL happens to make `n -= 1` safe enough here; skein's threads run truly in
// parallel, so the decrement takes the Value's lock, and the result is exactly 0.
// `--summary` prints what the 200 lines say in a few (the tour uses it).
import { currentThread, Thread, Value } from 'skein/threading';
import { command } from './cli.ts';

const { values } = command({
  program: 'examples/gil-review.ts',
  summary:
    'Starting threads, reviewed: 100 threads each decrement a shared n under its lock; n ends at exactly 0.',
  options: { summary: { type: 'boolean' } },
  help: { summary: 'summarize the 200 per-thread lines instead of printing them' },
});
const quiet = values.summary === true;

async function tFunc(n: Value<'i'>, quiet: boolean): Promise<string> {
  const { currentThread } = await import('skein/threading');
  using _ = n.getLock().holdSync();
  n.value -= 1;
  if (!quiet) console.log(String(currentThread()));
  return currentThread().name;
}

const n = new Value('i', 100);
const tLst: Thread<typeof tFunc>[] = [];
let aliveAtStart = 0;
for (let i = 0; i < 100; i++) {
  const t = new Thread({ target: tFunc, args: [n, quiet] });
  t.start();
  tLst.push(t);
  if (t.isAlive()) aliveAtStart++;
  if (!quiet) console.log(t.ident, t.name, t.isAlive());
}
const names = new Set<string>();
for (const t of tLst) names.add(await t.result());
if (quiet) {
  console.log(
    `100 threads started (${tLst[0]!.name} … ${tLst.at(-1)!.name}); isAlive() right after start(): true for ${aliveAtStart}`,
  );
  console.log(`each took n's lock once and decremented it: ${names.size} distinct threads reported back`);
}
console.log(n.value);
console.log(String(currentThread()));
