/**
 * The sync helper's side of RedisManager's `…Sync` twins (core/sync-call.ts runs
 * {@link handle} on a helper thread while the calling thread blocks).
 *
 * The helper keeps one {@link Store} per Redis connection and runs the very operation the
 * async twin runs, as the calling thread's client. While it runs, the helper also keeps the
 * caller's leases alive — its liveness key and every lock or permit it holds — since the
 * caller's own event loop is frozen; the answer reports how fresh each lease is, so the caller
 * carries on from there.
 *
 * @module
 */
import { type ErrorEnvelope, toEnvelope } from '../../core/error-transport.js';
import { type Ctx, OPS, type Spec } from './base.js';
import type { KeepReport, KeepSpec } from './lease.js';
import { type RedisConnection, Store } from './store.js';
// Every operation, registered by the objects' modules.
import './barrier.js';
import './condition.js';
import './dict.js';
import './event.js';
import './list.js';
import './lock.js';
import './queue.js';
import './semaphore.js';

/** One blocking call. */
export interface SyncPayload {
  connection: RedisConnection;
  ns: string;
  client: string;
  keep: KeepSpec;
  spec: Spec;
  m: string;
  args: unknown[];
}

/** Its answer: a value or an error, and what became of the caller's leases meanwhile. */
export type SyncResult = ({ ok: true; v: unknown } | { ok: false; e: ErrorEnvelope }) & {
  report: KeepReport;
};

const stores = new Map<string, Promise<Store>>();

function storeFor(connection: RedisConnection): Promise<Store> {
  const key = JSON.stringify(connection);
  let s = stores.get(key);
  if (!s) {
    const store = new Store(connection);
    s = store.open().then(() => store);
    s.catch(() => stores.delete(key));
    stores.set(key, s);
  }
  return s;
}

function keepAlive(store: Store, keep: KeepSpec): { report(): KeepReport; stop(): void } {
  const last = new Map<string, number | 'lost'>();
  const every = Math.max(10, Math.floor(Math.min(keep.clientLease, ...keep.leases.map((l) => l.lease)) / 3));
  const timer = setInterval(() => {
    store.client.set(keep.clientKey, '1', 'PX', keep.clientLease).catch(() => {});
    for (const l of keep.leases) {
      if (last.get(l.id) === 'lost') continue;
      const sent = performance.now();
      store.run(l.renew.script, l.renew.keys, l.renew.args).then(
        (r) => last.set(l.id, r === 1 ? sent : 'lost'),
        () => {},
      );
    }
  }, every);
  return {
    report: () => ({
      leases: [...last].map(([id, at]) => ({ id, age: at === 'lost' ? 'lost' : performance.now() - at })),
    }),
    stop: () => clearInterval(timer),
  };
}

/** Runs one operation for a blocked caller (see the module overview). */
export async function handle(p: SyncPayload): Promise<SyncResult> {
  const store = await storeFor(p.connection);
  const ctx: Ctx = { store, ns: p.ns, client: p.client, clientLease: p.keep.clientLease };
  const keep = keepAlive(store, p.keep);
  try {
    const op = OPS.get(`${p.spec.kind}.${p.m}`);
    if (!op) throw new TypeError(`no operation ${p.m} on a Redis ${p.spec.kind}`);
    const v = await op(ctx, p.spec, p.args);
    return { ok: true, v, report: keep.report() };
  } catch (err) {
    return { ok: false, e: toEnvelope(err), report: keep.report() };
  } finally {
    keep.stop();
  }
}

/** Closes the helper's connections to one server (its manager closed). */
export async function closeStore(connection: RedisConnection): Promise<void> {
  const key = JSON.stringify(connection);
  const s = stores.get(key);
  stores.delete(key);
  if (s) await (await s).close();
}
