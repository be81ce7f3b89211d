// CPython's test_concurrent_futures/test_future.py behaviours, written fresh for skein's Future.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, Future, InvalidStateError, TimeoutError } from 'skein/futures';
import { rejectsWith } from '../helpers.ts';

function finished<T>(value: T): Future<T> {
  const f = new Future<T>();
  f.setResult(value);
  return f;
}
function failedWith(err: Error): Future<unknown> {
  const f = new Future();
  f.setException(err);
  return f;
}
function running(): Future<unknown> {
  const f = new Future();
  assert.equal(f.setRunningOrNotifyCancel(), true);
  return f;
}
function cancelled(): Future<unknown> {
  const f = new Future();
  assert.equal(f.cancel(), true);
  return f;
}

describe('Future (test_future)', { timeout: 1_800_000 }, () => {
  test('state predicates for each state', () => {
    const p = new Future();
    assert.deepEqual([p.cancelled(), p.running(), p.done()], [false, false, false]);
    const r = running();
    assert.deepEqual([r.cancelled(), r.running(), r.done()], [false, true, false]);
    const c = cancelled();
    assert.deepEqual([c.cancelled(), c.running(), c.done()], [true, false, true]);
    const f = finished(1);
    assert.deepEqual([f.cancelled(), f.running(), f.done()], [false, false, true]);
    assert.equal(f.state, 'FINISHED');
  });

  test('cancel succeeds only while pending (or already cancelled)', () => {
    const p = new Future();
    assert.equal(p.cancel(), true);
    assert.equal(p.cancel(), true);
    assert.equal(p.state, 'CANCELLED');
    assert.equal(running().cancel(), false);
    assert.equal(finished(1).cancel(), false);
  });

  test('setRunningOrNotifyCancel: false once cancelled, InvalidStateError when running or done', () => {
    const c = cancelled();
    assert.equal(c.setRunningOrNotifyCancel(), false);
    assert.equal(c.state, 'CANCELLED_AND_NOTIFIED');
    assert.throws(
      () => running().setRunningOrNotifyCancel(),
      (e: unknown) => {
        assert.ok(e instanceof InvalidStateError);
        assert.equal(e.code, 'ERR_SKEIN_INVALID_STATE');
        return true;
      },
    );
    assert.throws(() => finished(1).setRunningOrNotifyCancel(), InvalidStateError);
  });

  test('setResult / setException on a done future throw InvalidStateError', () => {
    assert.throws(() => finished(1).setResult(2), InvalidStateError);
    assert.throws(() => finished(1).setException(new Error('x')), InvalidStateError);
    assert.throws(() => cancelled().setResult(2), InvalidStateError);
  });

  test('result and exception of a finished future', async () => {
    assert.equal(await finished(42).result(), 42);
    assert.equal(await finished(42).exception(), undefined);
    const err = new RangeError('boom');
    await assert.rejects(failedWith(err).result(), (e) => e === err);
    assert.equal(await failedWith(err).exception(), err);
    assert.equal(await finished('x'), 'x');
  });

  test('result/exception of a cancelled future reject with CancelledError', async () => {
    await rejectsWith(cancelled().result(), CancelledError);
    await rejectsWith(cancelled().exception(), CancelledError);
    await assert.rejects(cancelled().result(), { code: 'ERR_SKEIN_CANCELLED' });
  });

  test('result with a timeout rejects with TimeoutError; timeout 0 does not wait', async () => {
    await rejectsWith(new Future().result({ timeout: 10 }), TimeoutError);
    await assert.rejects(new Future().result({ timeout: 0 }), { code: 'ERR_SKEIN_TIMEOUT' });
    await rejectsWith(new Future().exception(5), TimeoutError);
    assert.throws(() => new Future().result({ timeout: -1 }), RangeError);
  });

  test('result waits for a result set later', async () => {
    const f = new Future<number>();
    const p = f.result({ timeout: 5000 });
    f.setRunningOrNotifyCancel();
    queueMicrotask(() => f.setResult(7));
    assert.equal(await p, 7);
  });

  test('cancel wakes waiters with CancelledError', async () => {
    const f = new Future();
    const p = f.result();
    f.cancel();
    await rejectsWith(p, CancelledError);
  });

  test('done callbacks: in order, once, with the future; at once when already done', () => {
    const f = new Future<number>();
    const calls: string[] = [];
    f.addDoneCallback((g) => calls.push(`a:${g === f}`));
    f.addDoneCallback(() => calls.push('b'));
    assert.equal(calls.length, 0);
    f.setResult(1);
    assert.deepEqual(calls, ['a:true', 'b']);
    f.addDoneCallback(() => calls.push('late'));
    assert.equal(calls.join(), 'a:true,b,late');
  });

  test('done callbacks run on cancel too', () => {
    const f = new Future();
    let seen: boolean | undefined;
    f.addDoneCallback((g) => {
      seen = g.cancelled();
    });
    f.cancel();
    assert.equal(seen, true);
  });

  test('a throwing callback is reported, not propagated, and the others still run', async () => {
    const f = new Future();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let second = false;
    f.addDoneCallback(() => {
      throw new Error('callback failure');
    });
    f.addDoneCallback(() => {
      second = true;
    });
    f.setResult(1);
    assert.equal(second, true);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /callback failure/);
    assert.equal((warnings[0] as Error & { code?: string }).code, 'ERR_SKEIN_CALLBACK');
  });
});
