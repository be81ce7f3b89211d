// The tour's last section (examples/redis-fleet.ts): get_page on a RedisExecutor with two
// skein-worker processes, each page reported with the worker that fetched it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode } from '../helpers.js';
import { haveRedisServer, REDIS_MISSING } from './redis-server.js';

describe('tour: past one machine', { timeout: 1_200_000 }, () => {
  test('two workers fetch the pages; the slow and the missing page fail clearly; exit 0', {
    timeout: 540_000,
  }, async (t) => {
    if (!haveRedisServer()) {
      if (process.env.CI) throw new Error(`CI=true but ${REDIS_MISSING}`);
      return t.skip(REDIS_MISSING);
    }
    const r = await runNode('examples/redis-fleet.ts', [], { timeout: 240_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.trim().split('\n').slice(1);
    assert.equal(lines.length, 5, r.stdout);
    for (const [i, page] of ['baidu', 'python', 'openstack'].entries())
      assert.match(
        lines[i]!,
        new RegExp(`^worker-[AB] fetched http://127\\.0\\.0\\.1:\\d+/${page} → 200, \\d+ characters$`),
      );
    assert.match(lines[3]!, /\/slow failed: timed out$/);
    assert.match(lines[4]!, /\/missing failed: HTTP 404 \(fetched by worker-[AB]\)$/);
    // With one job at a time each, both workers take pages.
    const workers = new Set(r.stdout.match(/worker-[AB](?= fetched| \))/g));
    assert.equal(workers.size, 2, r.stdout);
  });
});
