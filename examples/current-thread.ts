// The main thread and a child thread (主线程和子线程的关系).
import { currentThread, Thread } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/current-thread.ts',
  summary: 'The main thread and a child thread (主线程和子线程的关系).',
});

async function func() {
  const { currentThread } = await import('skein/threading');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  console.log('in 子线程', String(currentThread()));
}

new Thread({ target: func }).start(); // start a child thread
console.log('主线程', String(currentThread())); // the program waits for the child thread
