// A daemon process is terminated when the main process ends (守护进程).
import { Process } from 'skein/multiprocessing';
import { command } from './cli.ts';

command({
  program: 'examples/daemon-process.ts',
  summary: 'A daemon process is terminated when the main process ends (守护进程).',
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

new Process({ target: func1 }).start();
const t = new Process({ target: func2 });
t.daemon = true; // an attribute, set before start()
t.start();
console.log('主线程');
