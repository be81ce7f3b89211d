/**
 * Every multi-step change of a RedisManager object, as one Lua script each, so that it is
 * atomic on the server (Redis runs a script with nothing else interleaved). One table, read by
 * the objects (which name a script) and by the store (which loads and runs it).
 *
 * ## Conventions
 *
 * - `KEYS` are the object's own keys; `ARGV` carries the caller's identity and arguments.
 *   Keys a script derives (a waiter's wake list, a client's liveness key) are built from a
 *   namespace prefix passed in `ARGV`: objects live on one Redis node (no Cluster).
 * - A **wake token** is pushed onto a list that waiters `BLPOP` (store.ts). `wake(list, n,
 *   cap)` pushes `n` tokens and trims the list to `cap`, so tokens never pile up beyond what
 *   could be used; the list expires after a minute, since a token only matters to a waiter
 *   blocked right now (who takes it at once).
 * - A **per-waiter list** `<ns>:w:<wid>` serves waits that must be woken exactly (a Condition's
 *   notify, an Event's set, a Barrier's release, a Queue's join): the waker pushes onto the
 *   waiter's own list. It expires too, so a waiter that died leaves nothing behind for long.
 * - A **client** (one RedisManager) proves it is alive with `<ns>:client:<id>`, a key with a
 *   lease it renews; scripts treat a client whose key is gone as dead (its queue items are
 *   delivered again, a barrier it waits at breaks, a notify skips it).
 * - Times are the server's (`TIME`), in milliseconds, so clients' clocks never matter.
 *
 * @module
 */

const LIB = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function wake(list, n, cap)
  if cap <= 0 or n <= 0 then return end
  for _ = 1, math.min(n, cap) do redis.call('RPUSH', list, '1') end
  redis.call('LTRIM', list, -cap, -1)
  redis.call('PEXPIRE', list, 60000)
end
local function poke(prefix, wid, token)
  local k = prefix .. ':w:' .. wid
  redis.call('RPUSH', k, token)
  redis.call('PEXPIRE', k, 60000)
end
local function split(e)
  local i = string.find(e, '|', 1, true)
  return string.sub(e, 1, i - 1), string.sub(e, i + 1)
end
-- A Lock/RLock acquire that finds it taken marks "someone may be waiting" (<wake list>:m) for
-- as long as that waiter may stay blocked (the holder's lease left, plus a margin: a blocked
-- waiter re-checks by then and marks again), and answers that time. A release pushes a wake
-- token only under that mark, so an uncontended release writes nothing but its own key.
local function waiting(lock, list)
  local ttl = redis.call('PTTL', lock)
  local mark = list .. ':m'
  if ttl >= 0 and redis.call('PTTL', mark) < ttl + 1000 then redis.call('SET', mark, '1', 'PX', ttl + 1000) end
  if ttl < 0 and ttl ~= -2 then redis.call('SET', mark, '1') end
  return ttl
end
local function alive(prefix, client)
  return redis.call('EXISTS', prefix .. ':client:' .. client) == 1
end
`;

const BODIES = {
  // ---- Lock: KEYS[1] = holder string "<client>|<fence>" with a PX lease, [2] fence counter,
  // [3] wake list.
  /** ARGV holder, lease → {1, fence} | {0, pttl of the current holder} */
  lockAcquire: `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, waiting(KEYS[1], KEYS[3])} end
local f = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. f, 'PX', ARGV[2])
return {1, f}`,
  /** ARGV token → 1 released | 0 unlocked | -1 held under another token */
  lockRelease: `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[3] .. ':m') == 1 then wake(KEYS[3], 1, 1) end
return 1`,
  /** ARGV token, lease → 1 renewed | 0 the lease is no longer ours */
  lockRenew: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`,

  // ---- RLock: KEYS[1] = hash {o = owner client, f = fence, c = count} with a PX lease,
  // [2] fence counter, [3] wake list.
  /** ARGV holder, lease, n → {1, fence, count} | {0, pttl} */
  rlockAcquire: `
local o = redis.call('HGET', KEYS[1], 'o')
if o then
  if o ~= ARGV[1] then return {0, waiting(KEYS[1], KEYS[3])} end
  local c = redis.call('HINCRBY', KEYS[1], 'c', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[1], 'f')), c}
end
local f = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'o', ARGV[1], 'f', f, 'c', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, f, tonumber(ARGV[3])}`,
  /** ARGV holder → count left | -2 unlocked | -1 owned by another client */
  rlockRelease: `
local o = redis.call('HGET', KEYS[1], 'o')
if not o then return -2 end
if o ~= ARGV[1] then return -1 end
local c = redis.call('HINCRBY', KEYS[1], 'c', -1)
if c <= 0 then
  redis.call('DEL', KEYS[1])
  if redis.call('EXISTS', KEYS[3] .. ':m') == 1 then wake(KEYS[3], 1, 1) end
  return 0
end
return c`,
  /** Frees it whatever its depth, if the caller owns it (a closing client). ARGV holder → 1 | 0 */
  rlockDrop: `
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
wake(KEYS[3], 1, 1)
return 1`,
  /** ARGV holder, fence, lease → 1 | 0 */
  rlockRenew: `
if redis.call('HGET', KEYS[1], 'o') == ARGV[1] and redis.call('HGET', KEYS[1], 'f') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`,

  // ---- Condition over a Lock or an RLock. KEYS[1] lock key, [2] its wake list, [3] the
  // condition's waiter list (entries "<wid>|<client>", oldest first).
  /**
   * Releases the lock completely and enqueues the waiter, in one step (no notify can fall
   * between them). ARGV kind ('lock'|'rlock'), holder, token-or-fence, entry
   * → the RLock's count (1 for a Lock) | -1 not held by the caller
   */
  condWait: `
local c = 1
if ARGV[1] == 'lock' then
  if redis.call('GET', KEYS[1]) ~= ARGV[3] then return -1 end
else
  if redis.call('HGET', KEYS[1], 'o') ~= ARGV[2] then return -1 end
  c = tonumber(redis.call('HGET', KEYS[1], 'c'))
end
redis.call('DEL', KEYS[1])
wake(KEYS[2], 1, 1)
redis.call('RPUSH', KEYS[3], ARGV[4])
return c`,
  /** KEYS[1] waiter list; ARGV n, prefix → how many live waiters were woken (oldest first) */
  condNotify: `
local n, woken = tonumber(ARGV[1]), 0
while woken < n do
  local e = redis.call('LPOP', KEYS[1])
  if not e then break end
  local wid, client = split(e)
  if alive(ARGV[2], client) then
    poke(ARGV[2], wid, '1')
    woken = woken + 1
  end
end
return woken`,
  /** KEYS[1] waiter list; ARGV entry → 1 still waiting (now removed) | 0 already notified */
  condCancel: `return redis.call('LREM', KEYS[1], 1, ARGV[1])`,

  // ---- Semaphore: KEYS[1] value (the initial value plus releases beyond what was held),
  // [2] hash client → permits held, [3] zset client → lease end (server ms), [4] total held,
  // [5] fence counter, [6] wake list. Free permits = value − total held.
  /** ARGV holder, lease, initial → {1, fence} | {0, ms until the next lease ends, or -1} */
  semAcquire: `
local t = now()
redis.call('SET', KEYS[1], ARGV[3], 'NX')
for _, d in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', t)) do
  redis.call('DECRBY', KEYS[4], tonumber(redis.call('HGET', KEYS[2], d) or '0'))
  redis.call('HDEL', KEYS[2], d)
  redis.call('ZREM', KEYS[3], d)
end
local free = tonumber(redis.call('GET', KEYS[1])) - tonumber(redis.call('GET', KEYS[4]) or '0')
if free > 0 then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[3], t + tonumber(ARGV[2]), ARGV[1])
  return {1, redis.call('INCR', KEYS[5])}
end
local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
if first[2] then return {0, math.max(0, tonumber(first[2]) - t)} end
return {0, -1}`,
  /**
   * Gives back up to n of the caller's permits; the rest raise the value (Python's release of
   * an unbounded Semaphore) or, bounded, fail before changing anything.
   * ARGV holder, n, bounded ('1'|'0'), initial → permits the caller still holds | -1 over-release
   */
  semRelease: `
redis.call('SET', KEYS[1], ARGV[4], 'NX')
local n = tonumber(ARGV[2])
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local back = math.min(mine, n)
local extra = n - back
if extra > 0 and ARGV[3] == '1' then return -1 end
if back > 0 then
  local left = redis.call('HINCRBY', KEYS[2], ARGV[1], -back)
  redis.call('DECRBY', KEYS[4], back)
  if left <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
end
if extra > 0 then redis.call('INCRBY', KEYS[1], extra) end
local free = tonumber(redis.call('GET', KEYS[1])) - tonumber(redis.call('GET', KEYS[4]) or '0')
wake(KEYS[6], n, free)
return mine - back`,
  /** Gives back every permit the caller holds (a closing client). ARGV holder → permits returned */
  semDrop: `
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DECRBY', KEYS[4], mine)
local free = tonumber(redis.call('GET', KEYS[1]) or '0') - tonumber(redis.call('GET', KEYS[4]) or '0')
wake(KEYS[6], mine, free)
return mine`,
  /** ARGV holder, lease → 1 | 0 (the caller's permits are gone) */
  semRenew: `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[3], now() + tonumber(ARGV[2]), ARGV[1])
  return 1
end
return 0`,
  /** ARGV initial → free permits (after ending expired leases) */
  semValue: `
local t = now()
redis.call('SET', KEYS[1], ARGV[1], 'NX')
for _, d in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', t)) do
  redis.call('DECRBY', KEYS[4], tonumber(redis.call('HGET', KEYS[2], d) or '0'))
  redis.call('HDEL', KEYS[2], d)
  redis.call('ZREM', KEYS[3], d)
end
return tonumber(redis.call('GET', KEYS[1])) - tonumber(redis.call('GET', KEYS[4]) or '0')`,

  // ---- Event: KEYS[1] the flag, [2] set of waiter ids.
  /** ARGV wid → 1 already set | 0 enqueued */
  eventWait: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('SADD', KEYS[2], ARGV[1])
return 0`,
  /** ARGV prefix → waiters woken */
  eventSet: `
redis.call('SET', KEYS[1], '1')
local ws = redis.call('SMEMBERS', KEYS[2])
for _, wid in ipairs(ws) do poke(ARGV[1], wid, '1') end
redis.call('DEL', KEYS[2])
return #ws`,
  /** ARGV wid → 1 the flag is set | 0 */
  eventCancel: `
redis.call('SREM', KEYS[2], ARGV[1])
return redis.call('EXISTS', KEYS[1])`,

  // ---- Barrier: KEYS[1] hash {parties, gen, count, broken}, [2] list of waiting entries
  // "<wid>|<client>" of the current generation. Tokens: 'ok' (passed) or 'broken'.
  /** ARGV parties, wid, client, prefix → {-1} broken | {1, index, gen} last to arrive | {0, index, gen} */
  barrierWait: `
redis.call('HSETNX', KEYS[1], 'parties', ARGV[1])
local p = tonumber(redis.call('HGET', KEYS[1], 'parties'))
if redis.call('HGET', KEYS[1], 'broken') == '1' then return {-1} end
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
local idx = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if idx + 1 >= p then
  for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local wid = split(e)
    poke(ARGV[4], wid, 'ok')
  end
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'count', 0, 'gen', gen + 1)
  return {1, idx, gen}
end
redis.call('HSET', KEYS[1], 'count', idx + 1)
redis.call('RPUSH', KEYS[2], ARGV[2] .. '|' .. ARGV[3])
return {0, idx, gen}`,
  /**
   * Breaks the barrier for the caller's generation (its wait timed out or was aborted), or,
   * with ARGV[3] = 'check', only if a waiting party's client is dead.
   * ARGV gen, prefix, mode ('break'|'check'), own entry
   * → 1 the generation already ended (read your token) | 0 broken now | 2 still waiting
   */
  barrierBreak: `
if tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') ~= tonumber(ARGV[1]) then return 1 end
if redis.call('HGET', KEYS[1], 'broken') == '1' then return 0 end
local es = redis.call('LRANGE', KEYS[2], 0, -1)
if ARGV[3] == 'check' then
  local dead = false
  for _, e in ipairs(es) do
    local _, client = split(e)
    if not alive(ARGV[2], client) then dead = true end
  end
  if not dead then return 2 end
end
for _, e in ipairs(es) do
  if e ~= ARGV[4] then
    local wid = split(e)
    poke(ARGV[2], wid, 'broken')
  end
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'broken', 1, 'count', 0)
return 0`,
  /** ARGV prefix, mode ('abort'|'reset') */
  barrierAbort: `
for _, e in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local wid = split(e)
  poke(ARGV[1], wid, 'broken')
end
redis.call('DEL', KEYS[2])
if ARGV[2] == 'reset' then
  redis.call('HSET', KEYS[1], 'broken', 0, 'count', 0)
  redis.call('HINCRBY', KEYS[1], 'gen', 1)
else
  redis.call('HSET', KEYS[1], 'broken', 1, 'count', 0)
end
return 1`,

  // ---- Queue: KEYS[1] items, [2] unfinished count, [3] getters' wake list, [4] putters' wake
  // list, [5] set of consumer clients, [6] set of join waiter ids. Consumer c's processing
  // list is KEYS[1] .. ':p:' .. c (items it got and has not acknowledged with taskDone).
  /** ARGV item, maxsize → 1 | 0 full */
  queuePut: `
local m = tonumber(ARGV[2])
if m > 0 and redis.call('LLEN', KEYS[1]) >= m then return 0 end
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
wake(KEYS[3], 1, n)
return 1`,
  /**
   * First returns dead consumers' unacknowledged items to the head (oldest first), then moves
   * the head item to the caller's processing list.
   * ARGV client, maxsize, prefix → the item | nil when empty
   */
  queueGet: `
local back = 0
for _, c in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  if c ~= ARGV[1] and not alive(ARGV[3], c) then
    local p = KEYS[1] .. ':p:' .. c
    while true do
      local v = redis.call('RPOP', p)
      if not v then break end
      redis.call('LPUSH', KEYS[1], v)
      back = back + 1
    end
    redis.call('SREM', KEYS[5], c)
  end
end
local v = redis.call('LMOVE', KEYS[1], KEYS[1] .. ':p:' .. ARGV[1], 'LEFT', 'RIGHT')
local len = redis.call('LLEN', KEYS[1])
if back > 0 then wake(KEYS[3], back, len) end
if not v then return nil end
redis.call('SADD', KEYS[5], ARGV[1])
local m = tonumber(ARGV[2])
if m > 0 then wake(KEYS[4], 1, m - len) end
return v`,
  /** ARGV client, prefix → unfinished left | -1 more taskDone calls than items */
  queueDone: `
local u = tonumber(redis.call('GET', KEYS[2]) or '0')
if u <= 0 then return -1 end
redis.call('LPOP', KEYS[1] .. ':p:' .. ARGV[1])
u = redis.call('DECR', KEYS[2])
if u == 0 then
  for _, wid in ipairs(redis.call('SMEMBERS', KEYS[6])) do poke(ARGV[2], wid, '1') end
  redis.call('DEL', KEYS[6])
end
return u`,
  /** ARGV wid → 1 nothing unfinished | 0 enqueued */
  queueJoin: `
if tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 then return 1 end
redis.call('SADD', KEYS[6], ARGV[1])
return 0`,
  /** ARGV wid → 1 nothing unfinished | 0 */
  queueJoinCancel: `
redis.call('SREM', KEYS[6], ARGV[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 then return 1 end
return 0`,
  /** A client that closes cleanly has consumed what it got: forget its processing list. ARGV client */
  queueForget: `
redis.call('DEL', KEYS[1] .. ':p:' .. ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
return 1`,

  // ---- dict: KEYS[1] hash field → value, [2] zset field → insertion number, [3] counter.
  /** ARGV field, value, field, value, … → 1 */
  dictSet: `
for i = 1, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[i])
  end
end
return 1`,
  /** ARGV field → the removed value | nil */
  dictPop: `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return nil end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return v`,
  /** ARGV field, value → the value now stored */
  dictSetdefault: `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then return v end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
return ARGV[2]`,
  /** → {field, value, field, value, …} in insertion order */
  dictItems: `
local out = {}
for _, f in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  out[#out + 1] = f
  out[#out + 1] = redis.call('HGET', KEYS[1], f)
end
return out`,
  /** → 1 */
  dictClear: `
redis.call('DEL', KEYS[1], KEYS[2])
return 1`,

  // ---- list: KEYS[1] the list, [2] its version (bumped by every change, for the
  // compare-and-set of changes computed by the client: remove, sort).
  /** ARGV i, value → 1 | -1 out of range */
  listSet: `
local n = redis.call('LLEN', KEYS[1])
local i = tonumber(ARGV[1])
if i < 0 then i = i + n end
if i < 0 or i >= n then return -1 end
redis.call('LSET', KEYS[1], i, ARGV[2])
redis.call('INCR', KEYS[2])
return 1`,
  /** ARGV values… → new length */
  listAppend: `
local n = redis.call('LLEN', KEYS[1])
for i = 1, #ARGV do n = redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('INCR', KEYS[2])
return n`,
  /** ARGV i, value → 1 (Python's insert clamps the index) */
  listInsert: `
local n = redis.call('LLEN', KEYS[1])
local i = tonumber(ARGV[1])
if i < 0 then i = math.max(0, i + n) end
if i >= n then redis.call('RPUSH', KEYS[1], ARGV[2])
elseif i == 0 then redis.call('LPUSH', KEYS[1], ARGV[2])
else
  local tail = redis.call('LRANGE', KEYS[1], i, -1)
  redis.call('LTRIM', KEYS[1], 0, i - 1)
  redis.call('RPUSH', KEYS[1], ARGV[2])
  for _, v in ipairs(tail) do redis.call('RPUSH', KEYS[1], v) end
end
redis.call('INCR', KEYS[2])
return 1`,
  /**
   * Removes index ARGV[1] (negative from the end); with ARGV[2] set, only if the version is
   * still ARGV[2]. → {1, value} | {-2} empty | {-1} out of range | {-3} version moved on
   */
  listPop: `
if ARGV[2] ~= '' and (redis.call('GET', KEYS[2]) or '0') ~= ARGV[2] then return {-3} end
local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {-2} end
local i = tonumber(ARGV[1])
if i < 0 then i = i + n end
if i < 0 or i >= n then return {-1} end
local v
if i == n - 1 then v = redis.call('RPOP', KEYS[1])
elseif i == 0 then v = redis.call('LPOP', KEYS[1])
else
  v = redis.call('LINDEX', KEYS[1], i)
  local tail = redis.call('LRANGE', KEYS[1], i + 1, -1)
  redis.call('LTRIM', KEYS[1], 0, i - 1)
  for _, x in ipairs(tail) do redis.call('RPUSH', KEYS[1], x) end
end
redis.call('INCR', KEYS[2])
return {1, v}`,
  /** → {version, item, item, …} */
  listSnapshot: `
local out = {redis.call('GET', KEYS[2]) or '0'}
for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do out[#out + 1] = v end
return out`,
  /** ARGV version, items… → 1 replaced | -3 version moved on */
  listReplace: `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return -3 end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('INCR', KEYS[2])
return 1`,
  /** → 1 */
  listReverse: `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
for i = #items, 1, -1 do redis.call('RPUSH', KEYS[1], items[i]) end
redis.call('INCR', KEYS[2])
return 1`,
} as const;

/** The name of a script. */
export type ScriptName = keyof typeof BODIES;

/** The helpers of LIB, each with the names of the helpers it calls. */
const HELPERS: { name: string; src: string }[] = LIB.split(/\n(?=local function )/)
  .map((src) => src.trim())
  .filter((src) => src.startsWith('local function '))
  .map((src) => ({ name: /^local function (\w+)/.exec(src)![1]!, src }));

/**
 * A body with the helpers it uses (and those they use), in LIB's order: a script defines only
 * what it calls, so the hot ones (a lock's acquire and release) stay as short as they can.
 */
function withHelpers(body: string): string {
  const used = new Set<string>();
  const visit = (text: string) => {
    for (const h of HELPERS) {
      if (!used.has(h.name) && new RegExp(`\\b${h.name}\\(`).test(text)) {
        used.add(h.name);
        visit(h.src.slice(h.src.indexOf('\n')));
      }
    }
  };
  visit(body);
  return [...HELPERS.filter((h) => used.has(h.name)).map((h) => h.src), body.trim()].join('\n');
}

/** Each script's full source (the helpers it uses, then its body). */
export const SCRIPTS: Readonly<Record<ScriptName, string>> = Object.fromEntries(
  Object.entries(BODIES).map(([k, body]) => [k, withHelpers(body)]),
) as Record<ScriptName, string>;
