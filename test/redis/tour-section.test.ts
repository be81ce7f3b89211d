// The tour's last section (examples/redis-fleet.ts): get_page on a RedisExecutor with two
// skein-worker processes, each page reported with the worker that fetched it; then one RedisLock
// held in turn by the workers and the tour, each holder with its fencing token.
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
    const all = r.stdout.trim().split('\n');
    const lockAt = all.findIndex((l) => l.startsWith('$ RedisManager Lock'));
    assert.ok(lockAt > 0, r.stdout);
    const lines = all.slice(1, lockAt);
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

    // One RedisLock held in turn by three holders in two or three processes: fences 1, 2, 3.
    const turns = all.slice(lockAt + 1);
    assert.equal(turns.length, 4, r.stdout);
    const holders = turns.slice(0, 3).map((l, i) => {
      const m = /^(worker-[AB]|the tour) held tour-lock with fence (\d+)$/.exec(l);
      assert.ok(m, l);
      assert.equal(Number(m[2]), i + 1, r.stdout);
      return m[1];
    });
    assert.ok(holders.includes('the tour'), r.stdout);
    assert.equal(turns[3], 'no two held it at once');
  });
});
