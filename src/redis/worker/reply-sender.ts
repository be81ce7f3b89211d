/**
 * Pushes a worker's replies to the executors' reply lists, batched: every reply produced in one
 * turn of the event loop goes out as one script call per list (`RPUSH` of all of them, then
 * `EXPIRE`, atomically), so a worker finishing many tiny jobs at once does not pay a round trip
 * for each.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { REPLY_TTL } from '../executor/protocol.js';

/** Most replies in one push (Lua's `unpack` has a stack limit near 8000). */
const MAX_PUSH = 1000;

const PUSH_SCRIPT = `redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

type PushClient = Redis & { skeinPushReplies(key: string, ttl: number, ...items: string[]): Promise<number> };

interface Waiting {
  items: string[];
  done: (() => void)[];
  fail: ((err: Error) => void)[];
}

/** Batches replies per list and pushes them once per event-loop turn. */
export class ReplySender {
  private readonly client: PushClient;
  private waiting = new Map<string, Waiting>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(client: Redis) {
    client.defineCommand('skeinPushReplies', { numberOfKeys: 1, lua: PUSH_SCRIPT });
    this.client = client as PushClient;
  }

  /** Queues `text` for `key` and resolves once Redis holds it. */
  push(key: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = this.entry(key);
      w.items.push(text);
      w.done.push(resolve);
      w.fail.push(reject);
    });
  }

  /**
   * Sends a start note for `key` after `delay` milliseconds unless the returned function is
   * called first (the job's first result is ready: it tells the executor as much). Tiny tasks thus
   * cost no note at all — one write here and one wake-up of the executor less per job — while a
   * task that runs longer is reported running within `delay`. Never waited for: a lost note only
   * widens the window in which `cancel()` must stop a job instead of removing it.
   */
  noteLater(key: string, text: string, delay: number): () => void {
    const timer = setTimeout(() => this.entry(key).items.push(text), delay);
    return () => clearTimeout(timer);
  }

  /** Resolves once everything queued so far has been pushed (or failed). */
  async drain(): Promise<void> {
    while (this.waiting.size > 0 || this.inFlight.size > 0) {
      if (this.waiting.size > 0) this.flush();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private entry(key: string): Waiting {
    let w = this.waiting.get(key);
    if (w === undefined) {
      w = { items: [], done: [], fail: [] };
      this.waiting.set(key, w);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate, not a microtask: replies of jobs finishing in the same I/O phase share a push.
      setImmediate(() => this.flush());
    }
    return w;
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = new Map();
    for (const [key, w] of waiting) {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < w.items.length; i += MAX_PUSH)
        sends.push(this.client.skeinPushReplies(key, REPLY_TTL, ...w.items.slice(i, i + MAX_PUSH)));
      const all = Promise.all(sends).then(
        () => {
          for (const d of w.done) d();
        },
        (err: unknown) => {
          for (const f of w.fail) f(err instanceof Error ? err : new Error(String(err)));
        },
      );
      this.inFlight.add(all);
      void all.finally(() => this.inFlight.delete(all));
    }
  }
}
