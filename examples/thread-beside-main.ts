// A thread runs beside the main thread, in the same process (验证线程是能够并发的).
import { Thread } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/thread-beside-main.ts',
  summary: 'A thread runs beside the main thread, in the same process (验证线程是能够并发的).',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The target runs in its own thread, so it is self-contained: it defines its own helpers.
async function func() {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < 10; i++) {
    console.log('in thread:', i, process.pid);
    await sleep(500);
  }
}

const t = new Thread({ target: func });
t.start();
await sleep(1000);
console.log('in main', process.pid);
await sleep(1000);
console.log('in main 2', process.pid);
