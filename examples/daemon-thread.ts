// A daemon thread runs until the non-daemon threads are done, then the program exits without it (守护线程).
import { Thread } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/daemon-thread.ts',
  summary:
    'A daemon thread runs until the non-daemon threads are done, then the program exits without it (守护线程).',
});

async function func1() {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  console.log('in func1');
}

async function func2() {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    console.log('in func2');
  }
}

new Thread({ target: func1 }).start();
const t = new Thread({ target: func2 });
t.daemon = true; // Python's t.setDaemon(True)
t.start();
console.log('主线程');
