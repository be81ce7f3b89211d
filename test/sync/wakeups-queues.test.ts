// Issue 12 §3: the wake-up matrix for the thread queues, the process Queue and Pipe.
import { wakeupMatrix } from './wakeup-matrix.ts';

wakeupMatrix(['Queue', 'LifoQueue', 'PriorityQueue', 'SimpleQueue', 'ProcessQueue', 'Pipe']);
