/**
 * The tour (`npm start`): walks the tutorial's sections in order and runs each section's
 * program from this folder, printing the section's heading (English, with the tutorial's
 * Chinese title), a line on what it shows, and the program's output.
 *
 * Each program is a standalone file: `node --import tsx examples/<name>.ts` runs it alone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Section {
  title: string;
  chinese: string;
  about: string;
  program: string;
}

const sections: Section[] = [
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
    title: 'Main thread and child threads',
    chinese: '主线程和子线程的关系',
    about: 'currentThread() names the main thread and a child thread; the program waits for the child.',
    program: 'current-thread',
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
    title: 'Timer',
    chinese: '定时器',
    about: 'A Timer is a thread that runs its function after a delay (3000 ms).',
    program: 'timer',
  },
];

const here = fileURLToPath(new URL('.', import.meta.url));

function run(program: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${here}${program}.ts`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const t0 = performance.now();
let failures = 0;
for (const [i, s] of sections.entries()) {
  console.log(`\n── ${i + 1}. ${s.title} (${s.chinese}) ──`);
  console.log(`   ${s.about}`);
  console.log(`   $ node --import tsx examples/${s.program}.ts\n`);
  const code = await run(s.program);
  if (code !== 0) {
    failures++;
    console.log(`   (exited with code ${code})`);
  }
}
console.log(`\nTour finished in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
process.exitCode = failures ? 1 : 0;
