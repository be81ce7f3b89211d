// The tutorial's Pipe review (管道), as test/seed/python/pipe_eof.py: recv throws EOFError
// only once every unused end is closed — here the child closes its copy of `left`, the parent
// its copy of `right`, and the parent closes `left` after sending.
import { type Connection, Pipe, Process } from 'skein/multiprocessing';
import { command } from './cli.ts';

command({
  program: 'examples/process-review-pipe.ts',
  summary:
    "The tutorial's Pipe review (管道), as test/seed/python/pipe_eof.py: recv throws EOFError only once every unused end is closed — here the child closes its copy of `left`, the parent its copy of `right`, and the parent closes `left` after sending.",
});

const [left, right] = Pipe<number>();
const p = new Process({
  target: async (left: Connection<number>, right: Connection<number>) => {
    const { EOFError } = await import('skein');
    left.close();
    for (;;) {
      try {
        console.log('got', await right.recv());
      } catch (err) {
        if (!(err instanceof EOFError)) throw err;
        console.log('EOFError');
        break;
      }
    }
  },
  args: [left, right],
});
p.start();
right.close();
for (let i = 0; i < 5; i++) left.send(i);
left.close();
await p.join();
console.log('done');
