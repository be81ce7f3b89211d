// Issue 12 §1 for the ring store (Queue, SimpleQueue): workers stopped at any instant leave the queue whole.
// See fault-kill-queues.ts for what is checked. Seeded: SKEIN_SEED replays a run;
// SKEIN_STRESS=1 (or SKEIN_KILLS=n) runs 600 kills each.
import { describe, test } from 'node:test';
import { KILLS, SEED } from '../fault-kill.ts';
import { queueKillTest } from './fault-kill-queues.ts';

describe('queues survive workers stopped at any instant (issue 12 §1)', { timeout: 600_000 }, () => {
  for (const kind of ['fifo', 'simple'] as const) {
    test(`${kind}: ${KILLS} kills (seed ${SEED})`, (t) => queueKillTest(kind, t));
  }
});
