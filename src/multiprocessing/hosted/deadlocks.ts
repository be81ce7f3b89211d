/**
 * Deadlock detection for a manager's locks, in the server: it alone knows every holder and
 * every waiter of its `Lock`s, `RLock`s and `Condition` locks, whichever process they are in,
 * so a cycle through manager locks across processes is found here — no process can see it
 * from its own wait table.
 *
 * Each acquire that parks carries its caller's diagnostics settings (mode, `deadlockTimeout`,
 * and the calling thread's name and process, for the report): see `LockDiag`. Once such a wait
 * has lasted its `deadlockTimeout`, one check runs on the server's event loop — which no client
 * can block — over the wait-for graph: a waiting owner token has an edge to the token holding
 * the lock it waits for. A lock has one holder, so following the edges from a waiter either ends
 * at a thread that is not waiting (no deadlock: it may still release) or comes back round: a
 * cycle. The last wait to close a cycle is the one whose timer finds it, so no check is repeated.
 *
 * What happens then is what the members asked for (PostgreSQL's model, as in-process): `'raise'`
 * (if any member asked for it) fails the wait of the cycle that began last with a
 * `DeadlockError` whose `.cycle` lists every link; otherwise `'report'` prints the cycle once as
 * a process warning on the server's stderr (the manager's process shares its parent's).
 *
 * @module
 */
import { DeadlockError } from '../../core/errors.js';
import type { Deadlock } from '../../core/wait-graph.js';
import type { CallCtx } from '../wire/server.js';

/** A caller's diagnostics settings, sent with each lock acquire (validated: they come from the network). */
export interface LockDiag {
  /** Deadlock mode: 'report', 'raise' or 'off'. */
  mode: 'report' | 'raise' | 'off';
  /** Its `deadlockTimeout`, ms. */
  timeout: number;
  /** The calling thread, as a report shows it: `MainThread of Process-1 (pid 4242)`. */
  thread: string;
  /** The calling thread's ident in its process. */
  ident: number;
}

/** Reads a `LockDiag` sent by a client; undefined when absent or malformed (then no detection). */
export function parseLockDiag(v: unknown): LockDiag | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { m, t, n, i } = v as { m?: unknown; t?: unknown; n?: unknown; i?: unknown };
  if (m !== 'report' && m !== 'raise' && m !== 'off') return undefined;
  if (typeof t !== 'number' || !(t >= 0) || t > 2 ** 31 - 1) return undefined;
  return {
    mode: m,
    timeout: t,
    thread: typeof n === 'string' ? n.slice(0, 200) : 'a client thread',
    ident: typeof i === 'number' && Number.isSafeInteger(i) ? i : 0,
  };
}

/** A lock as the detector sees it. */
export interface DiagLock {
  /** `Lock 'id'` for reports. */
  readonly label: string;
  /** `Lock` or `RLock`. */
  readonly kind: 'Lock' | 'RLock';
  /** The holder's owner token, thread name and ident, if held. */
  readonly holder: { token: string; thread: string; ident: number } | undefined;
}

/** One parked acquire. */
export interface LockWait {
  readonly ctx: CallCtx;
  readonly lock: DiagLock;
  readonly since: number;
  readonly diag: LockDiag;
}

/** Every parked acquire of this server that asked for detection. */
const waits = new Set<LockWait>();
/** Signatures of cycles already reported (each is printed once). */
const reported = new Set<string>();

/** Records a parked acquire and arms its check; returns the function that ends the record. */
export function watchLockWait(ctx: CallCtx, lock: DiagLock, diag: LockDiag | undefined): () => void {
  if (diag === undefined || diag.mode === 'off') return () => {};
  const w: LockWait = { ctx, lock, since: performance.now(), diag };
  waits.add(w);
  const timer = setTimeout(() => check(w), diag.timeout);
  timer.unref();
  return () => {
    clearTimeout(timer);
    waits.delete(w);
  };
}

/** The cycle `w` is part of, if any (see the module comment). */
function cycleOf(w: LockWait): LockWait[] | undefined {
  const byToken = new Map<string, LockWait>();
  for (const x of waits) if (!x.ctx.done) byToken.set(x.ctx.owner, x);
  const path: LockWait[] = [];
  const at = new Map<string, number>();
  let cur: LockWait | undefined = w;
  while (cur !== undefined && !at.has(cur.ctx.owner)) {
    at.set(cur.ctx.owner, path.length);
    path.push(cur);
    const token: string | undefined = cur.lock.holder?.token;
    cur = token === undefined ? undefined : byToken.get(token);
  }
  if (cur === undefined) return undefined;
  const cycle = path.slice(at.get(cur.ctx.owner));
  return cycle.includes(w) ? cycle : undefined;
}

/**
 * The cycle as `DeadlockError.cycle` carries it. Threads of several processes: a thread's name
 * says its process (`MainThread of Process-1 (pid 4242)`); a manager lock has no numeric id (0), and the
 * waiting call's stack stays in its own process.
 */
function describe(cycle: LockWait[]): { text: string; links: Deadlock } {
  const links: Deadlock = cycle.map((x, k) => ({
    thread: { ident: x.diag.ident, name: x.diag.thread },
    waitsFor: { kind: x.lock.kind, name: x.lock.label, id: 0 },
    heldBy: { ident: x.lock.holder?.ident ?? 0, name: x.lock.holder?.thread ?? 'a client thread' },
    stack: '',
    waitNo: k,
  }));
  const text = links
    .map((l) => `${l.thread.name} waits for ${l.waitsFor.name} held by ${l.heldBy.name}`)
    .join('; ');
  return { text, links };
}

function check(w: LockWait): void {
  if (w.ctx.done) waits.delete(w);
  if (!waits.has(w)) return;
  const cycle = cycleOf(w);
  if (cycle === undefined) return;
  const { text, links } = describe(cycle);
  if (cycle.some((x) => x.diag.mode === 'raise')) {
    const victim = cycle.reduce((a, b) => (b.since > a.since ? b : a));
    const err = new DeadlockError(
      `deadlock detected through manager locks: ${text}. This acquire() was failed to break the cycle ` +
        '(the wait of the cycle that began last); take locks in one fixed order to avoid it.',
    );
    (err as DeadlockError & { cycle: Deadlock }).cycle = links;
    waits.delete(victim);
    victim.ctx.fail(err);
    return;
  }
  const sig = cycle
    .map((x) => `${x.ctx.owner}>${x.lock.label}`)
    .sort()
    .join('|');
  if (reported.has(sig)) return;
  reported.add(sig);
  process.emitWarning(
    `deadlock detected through manager locks: ${text}. These threads will wait forever; take locks in one ` +
      "fixed order, or configureDiagnostics({ deadlock: 'raise' }) to fail one of the waits.",
    { type: 'SkeinWarning', code: 'ERR_SKEIN_DEADLOCK_DETECTED' },
  );
}
