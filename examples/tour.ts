/**
 * The tour (`npm start`): walks the tutorial's sections in order and runs each section's
 * program from this folder, printing the section's heading (English, with the tutorial's
 * Chinese title), a line on what it shows, and the program's output.
 *
 * Each program is a standalone file: `node --import tsx examples/<name>.ts` runs it alone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { command } from './cli.ts';

command({
  program: 'examples/tour.ts',
  summary: "The tour (npm start): the tutorial's programs, section by section, each with what it shows.",
});

interface Section {
  title: string;
  chinese: string;
  about: string;
  program: string;
  /** Command-line arguments for the program. */
  args?: string[];
  /** Scripted standard input (the Condition program reads stdin). */
  input?: string;
}

const sections: Section[] = [
  {
    title: 'Process review: Queue',
    chinese: '进程复习:队列',
    about: 'A process-safe Queue carries any value between processes (Python: a pipe plus a lock).',
    program: 'process-review-queue',
  },
  {
    title: 'Process review: Pipe',
    chinese: '进程复习:管道',
    about: 'recv() raises EOFError only once every unused end is closed: close the ends you do not use.',
    program: 'process-review-pipe',
  },
  {
    title: 'Process review: Pool',
    chinese: '进程复习:进程池',
    about: 'apply (sync), applyAsync with get, close and join, map, and callbacks that run in the parent.',
    program: 'pool',
  },
  {
    title: 'Process review: Manager',
    chinese: '数据共享Manager',
    about: 'A Manager shares a dict and a list between processes — safe only with a lock.',
    program: 'process-review-manager',
  },
  {
    title: 'Threads run concurrently',
    chinese: '验证线程是能够并发的',
    about:
      'A thread prints every 0.5 s while the main thread prints at 1 s and 2 s: one process, two threads.',
    program: 'thread-beside-main',
  },
  {
    title: 'Threads are lightweight',
    chinese: '验证线程是轻量级的',
    about: '50 processes, then 50 threads, each printing n**n; the times show what a thread saves.',
    program: 'lightweight',
  },
  {
    title: 'Threads share data',
    chinese: '数据隔离验证',
    about: 'A thread decrements n and the main thread sees 99: a shared Value is what threads share.',
    program: 'data-sharing',
  },
  {
    title: 'Main thread and child threads',
    chinese: '主线程和子线程的关系',
    about: 'currentThread() names the main thread and a child thread; the program waits for the child.',
    program: 'current-thread',
  },
  {
    title: 'Starting threads, reviewed — and the GIL',
    chinese: '复习:线程的开启 / GIL锁',
    about:
      'Python runs one thread at a time (the GIL); skein threads run in parallel on every core, so even `n -= 1` takes a lock. (Summarized: run it without --summary for its 200 lines.)',
    program: 'gil-review',
    args: ['--summary'],
  },
  {
    title: 'Daemon processes',
    chinese: '守护进程',
    about: 'A daemon process is terminated as soon as the main code ends; the other process still finishes.',
    program: 'daemon-process',
  },
  {
    title: 'Daemon threads',
    chinese: '守护线程',
    about:
      'A daemon thread keeps running while the program waits for its non-daemon threads, then dies with it.',
    program: 'daemon-thread',
  },
  {
    title: 'Without a lock, updates get lost',
    chinese: '线程的锁,不一定安全',
    about:
      'Two threads add and subtract on a shared balance in parallel; unprotected, the result may drift from 0.',
    program: 'balance-race',
  },
  {
    title: 'With a lock, the result is exact',
    chinese: '解决办法:加上锁',
    about: 'The same program with `using _ = lock.holdSync()` (Python: `with lock:`) prints 0, every time.',
    program: 'balance-lock',
  },
  {
    title: 'Lock and RLock',
    chinese: '互斥锁和递归锁',
    about:
      'Acquiring a Lock twice in one thread hangs in Python; skein throws DeadlockError. An RLock re-enters.',
    program: 'lock-vs-rlock',
  },
  {
    title: 'Deadlock: the dining philosophers',
    chinese: '死锁 — 科学家吃面问题',
    about:
      'Two locks taken in opposite orders deadlock (detected by a timeout); one RLock hides it; a lock order fixes it.',
    program: 'dining-philosophers',
  },
  {
    title: 'Semaphore',
    chinese: '信号量',
    about: 'Semaphore(4): of 10 threads, at most 4 are inside at once.',
    program: 'semaphore',
  },
  {
    title: 'Event',
    chinese: '事件',
    about: 'Two threads retry a connection, waiting on an Event that a checker thread sets.',
    program: 'event',
    args: ['1000'],
  },
  {
    title: 'Timer',
    chinese: '定时器',
    about: 'A Timer is a thread that runs its function after a delay (3000 ms).',
    program: 'timer',
  },
  {
    title: 'Condition',
    chinese: '条件',
    about:
      'Ten threads wait; each number typed lets that many run (notify(n)). The tour types 2, 3, 5 and q.',
    program: 'condition',
    input: '2\n3\n5\nq\n',
  },
  {
    title: 'Thread queues',
    chinese: '线程队列',
    about: 'Queue is first in, first out; LifoQueue last in, first out; PriorityQueue lowest first.',
    program: 'queues',
  },
  {
    title: 'ThreadPoolExecutor: submit and shutdown',
    chinese: 'concurrent.futures模块',
    about: '20 tasks on 10 threads; shutdown() waits for all of them, so 主线程 prints last.',
    program: 'futures-submit',
  },
  {
    title: 'ThreadPoolExecutor: map',
    chinese: 'tp.map实现for循环',
    about: 'map submits every item at once, like the for-loop of submits it replaces.',
    program: 'futures-map',
  },
  {
    title: 'Results and callbacks: the page fetcher',
    chinese: '例子 / 回调函数',
    about:
      'get_page on a pool of 3: result() in order, then addDoneCallback (which runs in the main thread in skein, in the worker in Python).',
    program: 'page-fetcher',
  },
  {
    title: 'Past one machine: skein/redis',
    chinese: '跨机器:Redis',
    about:
      'The same get_page on a RedisExecutor: two skein-worker processes take the jobs from Redis (needs redis-server; skipped with a how-to line otherwise).',
    program: 'redis-fleet',
  },
];

const here = fileURLToPath(new URL('.', import.meta.url));

/** The programs running now: they end with the tour. */
const running = new Set<ReturnType<typeof spawn>>();

// The tour ends as a Node program does on SIGINT/SIGTERM, taking its running programs with it
// (each ends the same way, with its own threads and children). `timeout npm start` signals
// npm only, whose shell may die without passing the signal on: a tour whose parent went away
// ends too, rather than run on as an orphan.
function endWith(sig: NodeJS.Signals): void {
  for (const child of running) child.kill(sig);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(s);
  process.kill(process.pid, sig);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => endWith(sig));
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) endWith('SIGTERM');
}, 500).unref();

/** Runs a section's program, collecting its output (stdout and stderr, in arrival order). */
function run(s: Section): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${here}${s.program}.ts`, ...(s.args ?? [])], {
      stdio: [s.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    const chunks: string[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    child.stdin?.end(s.input);
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code: code ?? 1, output: chunks.join('') });
    });
  });
}

// Most programs spend their time sleeping, as the tutorial's do; running a few ahead (their
// output is held back and printed in order) keeps the whole tour short. SKEIN_TOUR_AHEAD=N runs
// N at a time instead (the test suite runs two, so as not to starve the files beside it).
const AHEAD = Math.max(1, Number.parseInt(process.env.SKEIN_TOUR_AHEAD ?? '', 10) || 6);
const t0 = performance.now();
const started: Array<ReturnType<typeof run>> = [];
let failures = 0;
for (const [i, s] of sections.entries()) {
  while (started.length < Math.min(i + AHEAD, sections.length)) started.push(run(sections[started.length]!));
  console.log(`\n── ${i + 1}. ${s.title} (${s.chinese}) ──`);
  console.log(`   ${s.about}`);
  const extra = s.args ? ` ${s.args.join(' ')}` : '';
  const piped = s.input === undefined ? '' : `printf '${s.input.replaceAll('\n', '\\n')}' | `;
  console.log(`   $ ${piped}node --import tsx examples/${s.program}.ts${extra}\n`);
  const { code, output } = await started[i]!;
  process.stdout.write(output);
  if (code !== 0) {
    failures++;
    console.log(`   (exited with code ${code})`);
  }
}
console.log(`\nTour finished in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
process.exitCode = failures ? 1 : 0;
