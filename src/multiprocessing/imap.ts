/**
 * The lazy iterators of `Pool.imap` and `Pool.imapUnordered`. Python:
 * `multiprocessing.pool.IMapIterator` and `IMapUnorderedIterator`.
 *
 * Unlike Python's (whose task handler thread reads the whole iterable at once), these read the
 * iterable only as results are taken: at most `ahead` units (chunks of `chunksize` items) are
 * submitted and not yet consumed, so a huge or endless iterable runs in bounded memory.
 *
 * ```
 *  source ──pull chunksize──► unit ──submit──► pool engine ──done──► units (in order) ──► next()
 *            (only while fewer than `ahead` units are in flight or unconsumed)
 * ```
 *
 * `next()` calls are chained: each runs after the previous one settled, so concurrent callers
 * see one consistent sequence.
 *
 * @module
 */

/** A unit's per-item outcome: values by position, and the positions that failed. @internal */
export interface UnitResult {
  values: unknown[];
  errors: Map<number, Error> | undefined;
}

/** How an iterator submits units to its pool. @internal */
export interface UnitSink {
  /**
   * Encodes and submits `items` (positions `first…`) as one unit; `done` is called once with the
   * per-item outcome. Returns a canceller (a unit not yet started then never runs).
   * @throws TypeError for an item that cannot be sent; ValueError when the pool is terminated.
   */
  submit(items: unknown[], first: number, done: (r: UnitResult) => void): () => void;
  /** Told once when the iteration ends (exhausted, returned, or failed). */
  end(): void;
}

interface Unit {
  size: number;
  result: UnitResult | undefined;
  cancel: () => void;
}

type Source = { sync: Iterator<unknown> } | { async: AsyncIterator<unknown> };

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The iterator returned by `imap` (`ordered`) or `imapUnordered`. It is its own async iterable;
 * `return()` (a `break` out of `for await`) stops reading the iterable and drops the units no
 * worker has started.
 */
export class IMapIterator<T> implements AsyncIterableIterator<T> {
  /** Ordered: units not fully consumed, in input order. Unordered: units in flight. */
  private readonly units: Unit[] = [];
  private inFlight = 0;
  /** Units submitted whose result has not arrived (cancelled when the iteration ends). */
  private readonly live = new Set<Unit>();
  /** Unordered: items ready to hand out, in completion order. */
  private readonly buffered: { ok: boolean; value: unknown }[] = [];
  private pos = 0;
  private index = 0;
  private exhausted = false;
  private sourceError: { error: unknown } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly source: Source;

  /** @internal */
  constructor(
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    private readonly sink: UnitSink,
    private readonly chunksize: number,
    private readonly ahead: number,
    private readonly ordered: boolean,
  ) {
    const sync = (iterable as Iterable<unknown>)[Symbol.iterator];
    if (typeof sync === 'function') this.source = { sync: sync.call(iterable) };
    else this.source = { async: (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]() };
  }

  /** The iterator itself: `for await (const x of pool.imap(f, xs))`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result (in input order for `imap`, completion order for `imapUnordered`). */
  next(): Promise<IteratorResult<T>> {
    const p = this.chain.then(() => this.step());
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Stops the iteration: reads no more of the iterable and drops units not yet started. */
  async return(): Promise<IteratorResult<T>> {
    await this.finish();
    return DONE;
  }

  private async step(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.ended) return DONE;
      await this.fill();
      if (this.ordered) {
        const u = this.units[0];
        if (u === undefined) return this.atEnd();
        if (u.result === undefined) {
          await new Promise<void>((r) => {
            this.wake = r;
          });
          continue;
        }
        const i = this.pos++;
        if (this.pos >= u.size) {
          this.units.shift();
          this.pos = 0;
        }
        const err = u.result.errors?.get(i);
        if (err !== undefined) return this.fail(err);
        return { value: u.result.values[i] as T, done: false };
      }
      const item = this.buffered.shift();
      if (item !== undefined) {
        if (!item.ok) return this.fail(item.value);
        return { value: item.value as T, done: false };
      }
      if (this.inFlight === 0) return this.atEnd();
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }

  private async atEnd(): Promise<IteratorResult<T>> {
    const se = this.sourceError;
    await this.finish();
    if (se) throw se.error;
    return DONE;
  }

  private async fail(error: unknown): Promise<never> {
    // An error ends the iteration (as a map's does), so that nothing is left running for it.
    await this.finish();
    throw error;
  }

  /** Units submitted and not fully consumed. */
  private outstanding(): number {
    if (this.ordered) return this.units.length;
    return this.inFlight + Math.ceil(this.buffered.length / this.chunksize);
  }

  /** Reads and submits units until `ahead` are outstanding or the iterable is exhausted. */
  private async fill(): Promise<void> {
    while (!this.exhausted && !this.ended && this.outstanding() < this.ahead) {
      const items: unknown[] = [];
      try {
        while (items.length < this.chunksize) {
          const r = 'sync' in this.source ? this.source.sync.next() : await this.source.async.next();
          if (r.done) {
            this.exhausted = true;
            break;
          }
          items.push(r.value);
        }
      } catch (error) {
        // The iterable itself threw: thrown after the items read before it.
        this.exhausted = true;
        this.sourceError = { error };
      }
      if (items.length > 0) this.submit(items);
    }
  }

  private submit(items: unknown[]): void {
    const first = this.index;
    this.index += items.length;
    const unit: Unit = { size: items.length, result: undefined, cancel: () => {} };
    if (this.ordered) this.units.push(unit);
    this.inFlight++;
    this.live.add(unit);
    const done = (r: UnitResult) => {
      if (unit.result !== undefined || this.ended) return;
      unit.result = r;
      this.inFlight--;
      this.live.delete(unit);
      if (!this.ordered) {
        for (let i = 0; i < items.length; i++) {
          const e = r.errors?.get(i);
          this.buffered.push(e === undefined ? { ok: true, value: r.values[i] } : { ok: false, value: e });
        }
      }
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    try {
      unit.cancel = this.sink.submit(items, first, done);
    } catch (err) {
      // Not sent (an item that cannot be cloned, the pool terminated): the unit's items fail.
      const e = err instanceof Error ? err : new Error(String(err));
      done({ values: [], errors: new Map(items.map((_, i) => [i, e])) });
    }
  }

  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const u of this.live) u.cancel();
    this.live.clear();
    this.units.length = 0;
    this.buffered.length = 0;
    this.sink.end();
    const w = this.wake;
    this.wake = undefined;
    w?.();
    if (!this.exhausted) {
      this.exhausted = true;
      try {
        if ('sync' in this.source) this.source.sync.return?.();
        else await this.source.async.return?.();
      } catch {
        // The iterable's own cleanup failed; the iteration is over all the same.
      }
    }
  }
}
