// A Timer runs a function in a thread after a delay (定时器). Times are milliseconds.
import { currentThread, Timer } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/timer.ts',
  summary: 'A Timer runs a function in a thread after a delay (定时器). Times are milliseconds.',
});

async function func() {
  const { currentThread } = await import('skein/threading');
  console.log('in func', String(currentThread()));
}

const t = new Timer(3000, func);
t.start(); // the thread starts now and runs func after 3 seconds
console.log(String(currentThread()));
