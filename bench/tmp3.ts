import { Barrier, Lock, RLock, SharedArray, Thread } from 'skein/threading';
const N = 1_000_000;
async function increments(mode: number): Promise<number> {
  const arr = new SharedArray('int32', 1);
  const raw = new Int32Array(new SharedArrayBuffer(4));
  const lk = mode === 1 ? new Lock() : arr.getLock();
  const start = new Barrier(2);
  const ts = [0, 1].map(() => new Thread({
    target: async (a: SharedArray<'int32'>, r: Int32Array, s: Barrier, n: number, m: number, l: Lock) => {
      s.waitSync();
      const t0 = performance.now();
      if (m !== 2) {
        for (let i = 0; i < n; i++) { const h = l.holdSync(); try { a[0]++; } finally { h[Symbol.dispose](); } }
      } else {
        for (let i = 0; i < n; i++) {
          if (Atomics.compareExchange(r, 0, 0, 1) !== 0) { while (Atomics.exchange(r, 0, 2) !== 0) Atomics.wait(r, 0, 2); }
          a[0]++;
          if (Atomics.exchange(r, 0, 0) === 2) Atomics.notify(r, 0, 1);
        }
      }
      return performance.now() - t0;
    }, args: [arr, raw, start, N, mode, lk] }));
  for (const t of ts) t.start();
  const times = (await Promise.all(ts.map((t) => t.result()))) as number[];
  if (arr[0] !== 2 * N) throw new Error('lost');
  return Math.max(...times);
}
for (const [name, m] of [['rlock', 0], ['lock', 1], ['raw', 2]] as const) {
  let b = Infinity;
  for (let r = 0; r < 3; r++) b = Math.min(b, await increments(m));
  console.log(name, ((b * 1e6) / (2 * N)).toFixed(1));
}
