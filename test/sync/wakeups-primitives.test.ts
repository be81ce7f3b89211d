// Issue 12 §3: the wake-up matrix for Event, Lock, Condition, Semaphore and Barrier.
import { wakeupMatrix } from './wakeup-matrix.ts';

wakeupMatrix(['Event', 'Lock', 'Condition', 'Semaphore', 'Barrier']);
