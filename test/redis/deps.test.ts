// skein/redis's optional peers: no other entry loads them, and a missing one is a clear error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode } from '../helpers.js';

const PROGRAM = 'test/fixtures/redis-peers-program.mjs';

describe('skein/redis dependencies', { timeout: 120_000 }, () => {
  test('importing skein and its other entries never loads bullmq or ioredis; skein/redis does', async () => {
    const r = await runNode(PROGRAM, ['entries'], { timeout: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { before: string[]; after: number };
    assert.deepEqual(out.before, []);
    assert.ok(out.after > 0, 'the redis entry loads its peers (so the check above could fail)');
  });

  test('a missing peer is a MissingDependencyError naming the package to install', async () => {
    const r = await runNode(PROGRAM, ['missing'], { timeout: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.name, 'MissingDependencyError');
    assert.equal(out.code, 'ERR_SKEIN_MISSING_DEPENDENCY');
    assert.equal(out.packageName, 'bullmq');
    assert.equal(out.isClass, true);
    assert.match(String(out.message), /npm install bullmq/);
  });
});
