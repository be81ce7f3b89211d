/**
 * The allow-list of object kinds a server builds, from `[kind, ...args]` specs sent by
 * clients. Arguments are validated here: they come from the network.
 *
 * @module
 */
import type { Kinds } from '../wire/server.js';
import { checkType } from '../wire/values.js';
import { HostedArray, HostedDict, HostedList, HostedNamespace, HostedValue } from './containers.js';
import { HostedBarrier, HostedCondition, HostedEvent, HostedLock, HostedSemaphore } from './locks.js';
import { HostedPipe } from './pipe.js';
import { HostedQueue } from './queue.js';

function count(n: unknown, what: string, min = 0): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min)
    throw new RangeError(`${what} must be an integer ≥ ${min}`);
  return n;
}

export const kinds: Kinds = {
  pipe: (duplex: unknown) => new HostedPipe(duplex !== false),
  queue: (maxsize: unknown, collectable: unknown) =>
    new HostedQueue(count(maxsize, 'maxsize'), collectable !== false),
  dict: () => new HostedDict(),
  list: () => new HostedList(),
  namespace: () => new HostedNamespace(),
  value: (type: unknown, v: unknown) => new HostedValue(checkType(type), v),
  array: (type: unknown, vs: unknown) => {
    if (!Array.isArray(vs)) throw new TypeError('Array values must be an array');
    return new HostedArray(checkType(type), vs);
  },
  lock: () => new HostedLock(false),
  rlock: () => new HostedLock(true),
  semaphore: (n: unknown) => new HostedSemaphore(count(n, 'Semaphore value'), false),
  boundedSemaphore: (n: unknown) => new HostedSemaphore(count(n, 'Semaphore value'), true),
  event: () => new HostedEvent(),
  condition: () => new HostedCondition(),
  barrier: (parties: unknown, timeout: unknown) =>
    new HostedBarrier(count(parties, 'parties', 1), typeof timeout === 'number' ? timeout : undefined),
};
