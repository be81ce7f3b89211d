import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromEnvelope, toEnvelope } from '../../dist/core/error-transport.js';
import { Full, RuntimeError, WorkerDiedError } from '../../dist/index.js';

describe('error transport', () => {
  test('skein errors come back as their class with code', () => {
    const back = fromEnvelope(structuredClone(toEnvelope(new Full('queue full'))), 'thread "T"');
    assert.ok(back instanceof Full);
    assert.equal(back.message, 'queue full');
    assert.equal((back as Full).code, 'ERR_SKEIN_FULL');
    assert.match(back.stack ?? '', /raised in thread "T", received here/);
  });

  test('custom errors keep name, code, own properties and cause chain', () => {
    class MyError extends Error {
      code = 'E_MINE';
      extra = { deep: [1, 2] };
      fn = () => 1;
    }
    const err = new MyError('outer', { cause: new TypeError('inner') });
    err.name = 'MyError';
    const back = fromEnvelope(structuredClone(toEnvelope(err))) as Error & Record<string, unknown>;
    assert.equal(back.name, 'MyError');
    assert.equal(back.code, 'E_MINE');
    assert.deepEqual(back.extra, { deep: [1, 2] });
    assert.equal(typeof back.fn, 'string', 'a non-cloneable property is stringified, not lost silently');
    assert.ok(back.cause instanceof TypeError);
    assert.equal((back.cause as Error).message, 'inner');
  });

  test('AggregateError keeps its errors; non-errors survive', () => {
    const agg = fromEnvelope(
      structuredClone(toEnvelope(new AggregateError([new RuntimeError('a')], 'many'))),
    );
    assert.ok(agg instanceof AggregateError);
    assert.ok(agg.errors[0] instanceof RuntimeError);
    const odd = fromEnvelope(structuredClone(toEnvelope('just text'))) as Error & { value: unknown };
    assert.equal(odd.message, 'just text');
    assert.equal(odd.value, 'just text');
  });

  test('WorkerDiedError carries its exit facts', () => {
    const e = new WorkerDiedError('gone', { exitCode: 7, reason: 'exit' });
    const back = fromEnvelope(structuredClone(toEnvelope(e))) as WorkerDiedError;
    assert.ok(back instanceof WorkerDiedError);
    assert.equal(back.exitCode, 7);
    assert.equal(back.reason, 'exit');
    assert.equal(back.code, 'ERR_SKEIN_WORKER_DIED');
  });
});
