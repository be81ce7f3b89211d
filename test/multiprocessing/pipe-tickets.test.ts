// Issue 12 §3b: the tutorial's Pipe program hung once under heavy load — the child waiting in
// `right.recv()` forever, the parent in `p.join()`. The race: a ticket (the count of a pipe-end
// copy in transit to a child) expired after a fixed 60 s; a child slower than that to start let
// both ends' counts reach zero, the server collected the pipe with its messages, and the child's
// late claim re-created it as an unconfirmed pipe, which never reads EOF. Tickets now stay while
// their sender lives, and a collected pipe answers EOFError instead of being re-created.
//
// The test shortens the TTL to 1 ms (SKEIN_TEST_TICKET_TTL_MS) so that every copy takes "longer
// than the TTL" to arrive: with the old server the tutorial program hangs at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runNode, SEED } from '../helpers.ts';

const ROUNDS = process.env.SKEIN_STRESS === '1' ? 60 : 6;

describe('pipe-end copies in transit are never lost', { timeout: 600_000 }, () => {
  test('the tutorial Pipe program ends even when tickets expire at once', async () => {
    const r = await runNode('examples/process-review-pipe.ts', [], {
      timeout: 300_000,
      env: { SKEIN_TEST_TICKET_TTL_MS: '1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got 0\ngot 1\ngot 2\ngot 3\ngot 4\nEOFError\ndone\n');
  });

  test(`copies to threads and processes, closes racing sends (seed ${SEED})`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with SKEIN_SEED=${SEED})`);
    const r = await runNode('test/fixtures/pipe-tickets-program.mjs', [String(SEED), String(ROUNDS)], {
      timeout: 480_000,
      env: { SKEIN_TEST_TICKET_TTL_MS: '1' },
    });
    assert.equal(r.code, 0, `seed ${SEED}\n${r.stdout}\n${r.stderr}`);
    assert.equal((r.stdout.match(/^round \d+ /gm) ?? []).length, ROUNDS, r.stdout);
    // The last copy of an end, claimed after its sender left and its ticket expired: EOFError.
    assert.match(r.stdout, /^late copy: EOFError$/m);
    assert.match(r.stdout, /^all done$/m);
  });
});
