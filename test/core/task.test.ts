import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { functionSource, isTaskRef, task, toTaskSpec } from '../../dist/core/task.js';
import { compileInline } from '../../dist/core/task-loader.js';

describe('inline functions', () => {
  test('arrows, functions, async and generators compile back to functions', async () => {
    const fns = [
      (n: number) => n + 1,
      function named(n: number) {
        return n + 1;
      },
      async (n: number) => n + 1,
    ];
    for (const fn of fns) {
      const back = compileInline(functionSource(fn));
      assert.equal(await back(1), 2);
    }
  });

  test('method shorthand is accepted', async () => {
    const obj = {
      plain(n: number) {
        return n * 3;
      },
      async later(n: number) {
        return n * 4;
      },
      *gen() {
        yield 5;
      },
    };
    assert.equal(compileInline(functionSource(obj.plain))(2), 6);
    assert.equal(await compileInline(functionSource(obj.later))(2), 8);
    assert.deepEqual([...(compileInline(functionSource(obj.gen))() as Iterable<number>)], [5]);
  });

  test("esbuild's __name helper is supplied (nested named functions under tsx)", () => {
    const outer = () => {
      function inner() {
        return inner.name;
      }
      class K {}
      return `${inner()}-${K.name}`;
    };
    assert.equal(compileInline(functionSource(outer))(), 'inner-K');
  });

  test('bound, native and class values are rejected clearly', () => {
    const f = (x: number) => x;
    assert.throws(() => functionSource(f.bind(null)), /bound or native function/);
    assert.throws(() => functionSource(Math.max), /'max' is a bound or native function/);
    assert.throws(() => functionSource(class Foo {} as never), /'Foo' is a class/);
  });

  test('a non-function target is a TypeError', () => {
    assert.throws(() => toTaskSpec(42), {
      name: 'TypeError',
      message: /target must be a function or a module task/,
    });
    assert.throws(() => toTaskSpec(null), /got null/);
  });
});

describe('task()', () => {
  test('takes a URL, a file: string or an absolute path; default export by default', () => {
    const url = new URL('../fixtures/tasks.js', import.meta.url);
    const a = task(url);
    assert.equal(a.module, url.href);
    assert.equal(a.exportName, 'default');
    assert.ok(isTaskRef(a));
    assert.equal(task(url.href, 'add').exportName, 'add');
    assert.equal(task('/tmp/x.js').module, 'file:///tmp/x.js');
    assert.ok(Object.isFrozen(a));
  });

  test('rejects relative paths and bad export names', () => {
    assert.throws(() => task('./tasks.js'), { name: 'TypeError', message: /expected a URL/ });
    assert.throws(() => task(new URL('file:///x.js'), ''), /non-empty string/);
  });
});

describe('inline functions using `using` (lowered by esbuild under tsx)', () => {
  test('sync using disposes in reverse order, also on throw', () => {
    const fn = (log: string[], fail: boolean) => {
      const res = (name: string) => ({ [Symbol.dispose]: () => log.push(`dispose ${name}`) });
      {
        using _a = res('a');
        using _b = res('b');
        log.push('body');
        if (fail) throw new Error('boom');
      }
      return log;
    };
    const back = compileInline(functionSource(fn));
    assert.deepEqual(back([], false), ['body', 'dispose b', 'dispose a']);
    const log: string[] = [];
    assert.throws(() => back(log, true), /boom/);
    assert.deepEqual(log, ['body', 'dispose b', 'dispose a']);
  });

  test('await using waits for async disposal; a failing dispose suppresses the body error', async () => {
    const fn = async (log: string[]) => {
      const res = {
        [Symbol.asyncDispose]: async () => {
          await null;
          log.push('async dispose');
          throw new Error('dispose failed');
        },
      };
      {
        await using _r = res;
        log.push('body');
        throw new Error('body failed');
      }
    };
    const back = compileInline(functionSource(fn));
    const log: string[] = [];
    await assert.rejects(
      back(log) as Promise<unknown>,
      (e: Error & { error?: Error; suppressed?: Error }) => {
        assert.equal(e.name, 'SuppressedError');
        assert.equal(e.error?.message, 'dispose failed');
        assert.equal(e.suppressed?.message, 'body failed');
        return true;
      },
    );
    assert.deepEqual(log, ['body', 'async dispose']);
  });
});
