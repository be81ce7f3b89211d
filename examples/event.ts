// Event (事件): two threads try to connect to "MySQL" up to 3 times, waiting 1.5 s each time for
// a checker thread to set the event; the checker takes a random 1–4 s.
// Run with a number (milliseconds) to fix the checker's time: `examples/event.ts 2000`.
// The checker starts its check once both connectors have made their first attempt (a Barrier),
// so that a slow thread start on a busy machine does not eat into the connectors' 3 × 1.5 s.
import { Barrier, Event, Thread } from 'skein/threading';
import { colourful, command, fail } from './cli.ts';

const cli = {
  program: 'examples/event.ts',
  summary: 'Event (事件): two threads retry a connection, waiting on an Event that a checker thread sets.',
  positionals: "[MS]  (the checker's time in milliseconds; default: a random 1000–4000)",
};
const { positionals } = command(cli);
if (positionals.length > 1) fail(cli, `expected at most one argument, got ${positionals.length}`);

async function connMysql(event: Event, trying: Barrier) {
  const { currentThread, TimeoutError } = await import('skein');
  let count = 1;
  while (!event.isSet()) {
    if (count > 3) throw new TimeoutError('链接超时');
    console.log(`<${currentThread().name}>第${count}次尝试链接`);
    if (count === 1) await trying.wait();
    await event.wait(1500); // true as soon as the event is set
    count++;
  }
  console.log(`<${currentThread().name}>链接成功`);
}

async function checkMysql(event: Event, ms: number, colour: boolean, trying: Barrier) {
  const { currentThread } = await import('skein/threading');
  const { styleText } = await import('node:util');
  await trying.wait();
  // The main thread decided whether stdout is a terminal: a thread's stdout is never a TTY itself.
  const line = `[${currentThread().name}]正在检查mysql`;
  console.log(colour ? styleText('bgMagenta', line, { validateStream: false }) : line);
  await new Promise((r) => setTimeout(r, ms)); // the check
  event.set();
}

const fixed = positionals[0] === undefined ? undefined : Number(positionals[0]);
if (fixed !== undefined && !(Number.isFinite(fixed) && fixed >= 0)) {
  fail(cli, `MS must be a number of milliseconds, got ${positionals[0]}`);
}
const checkMs = fixed ?? 1000 * (1 + Math.floor(Math.random() * 4));
const event = new Event();
const trying = new Barrier(3);
const conn1 = new Thread({ target: connMysql, args: [event, trying] });
const conn2 = new Thread({ target: connMysql, args: [event, trying] });
const check = new Thread({ target: checkMysql, args: [event, checkMs, colourful(), trying] });
conn1.start();
conn2.start();
check.start();
