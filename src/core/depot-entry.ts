/**
 * The depot worker: holds the SharedArrayBuffers of queue items in transit (see depot.ts for
 * why it exists and how threads reach it). Plain Node APIs only, so it boots fast.
 *
 * ## Protocol (every message is a plain object on one of the depot's ports)
 *
 * ```
 * put   { op: 'put', id, sabs }     store sabs under id (or discard them: id was dropped first)
 * get   { op: 'get', id, flag }     reply { id, sabs } on the same port, then flag[0] = 1 + notify;
 *                                    the entry is removed (an item is got exactly once)
 * drop  { op: 'drop', id }           forget id (a put that failed, an item shutdown discarded)
 * link  { op: 'link', port }         a new thread's link: serve it like the others
 * stats { op: 'stats', flag }        reply { held, pending, dropped } as `get` does (tests)
 * ```
 *
 * **Ordering.** Messages on one port arrive in order; messages on different ports do not.
 * So a `get` (from the getter's link) may arrive before the `put` (from the putter's link) of
 * the same id: it waits in `pending` until the put arrives. A `drop` normally comes from the
 * putter (after its put), but `shutdown({ immediate })` may be called by any thread, so a drop
 * may also overtake its put: the id is then kept in `dropped` and the put, when it arrives, is
 * discarded. No id is both got and dropped (a dropped item is no longer in any queue).
 *
 * **Why the flag is stored after the reply is posted.** The requester blocks in `Atomics.wait`
 * on the flag and then takes the reply with `receiveMessageOnPort`, which does not wait: the
 * reply must be in its port's queue before the flag says so. `postMessage` enqueues the message
 * on the receiving port synchronously, and `Atomics.store` (sequentially consistent) comes after
 * it in this thread's program order, so a requester that sees 1 finds the message.
 *
 * @module
 */
import { type MessagePort, workerData } from 'node:worker_threads';

type Msg =
  | { op: 'put'; id: number; sabs: SharedArrayBuffer[] }
  | { op: 'get'; id: number; flag: Int32Array }
  | { op: 'drop'; id: number }
  | { op: 'link'; port: MessagePort }
  | { op: 'stats'; flag: Int32Array };

/** Items in transit: id → their SharedArrayBuffers. */
const held = new Map<number, SharedArrayBuffer[]>();
/** Gets that arrived before their put: id → where to answer. */
const pending = new Map<number, { port: MessagePort; flag: Int32Array }>();
/** Drops that arrived before their put. */
const dropped = new Set<number>();

function answer(port: MessagePort, flag: Int32Array, reply: unknown): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function serve(port: MessagePort): void {
  port.on('message', (msg: Msg) => {
    switch (msg.op) {
      case 'put': {
        if (dropped.delete(msg.id)) return;
        const waiter = pending.get(msg.id);
        if (waiter !== undefined) {
          pending.delete(msg.id);
          answer(waiter.port, waiter.flag, { id: msg.id, sabs: msg.sabs });
        } else held.set(msg.id, msg.sabs);
        return;
      }
      case 'get': {
        const sabs = held.get(msg.id);
        if (sabs === undefined) pending.set(msg.id, { port, flag: msg.flag });
        else {
          held.delete(msg.id);
          answer(port, msg.flag, { id: msg.id, sabs });
        }
        return;
      }
      case 'drop':
        if (!held.delete(msg.id)) dropped.add(msg.id);
        return;
      case 'link':
        serve(msg.port);
        return;
      case 'stats':
        answer(port, msg.flag, { held: held.size, pending: pending.size, dropped: dropped.size });
        return;
    }
  });
}

serve((workerData as { port: MessagePort }).port);
