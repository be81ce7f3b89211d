// Lock vs RLock (互斥锁 vs 递归锁). In Python the Lock part hangs forever: a Lock acquired twice
// by one thread blocks. skein's blocking acquireSync() notices that nobody else could ever
// release it and throws DeadlockError instead of hanging.
import { DeadlockError, Lock, RLock } from 'skein/threading';
import { command } from './cli.ts';

command({
  program: 'examples/lock-vs-rlock.ts',
  summary:
    "Lock vs RLock (互斥锁 vs 递归锁). In Python the Lock part hangs forever: a Lock acquired twice by one thread blocks. skein's blocking acquireSync() notices that nobody else could ever release it and throws DeadlockError instead of hanging.",
});

const lock = new Lock();
lock.acquireSync();
try {
  lock.acquireSync(); // Python would block here forever
  console.log(123);
} catch (err) {
  if (!(err instanceof DeadlockError)) throw err;
  console.log(`Lock: ${err.name}: ${err.message}`);
}
lock.release();

const rlock = new RLock();
rlock.acquireSync();
rlock.acquireSync(); // not blocked: the same thread holds it
rlock.acquireSync();
console.log(123);
rlock.release();
console.log(`RLock still held ${rlock.locked() ? 'yes' : 'no'} (acquired 3×, released once)`);
