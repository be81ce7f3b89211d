/**
 * A child process running test/fixtures/redis-client.mjs, whose output lines can be awaited.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from '../helpers.ts';

export interface Child {
  proc: ChildProcess;
  /** Resolves with the first output line (from the start) matching `re`. */
  line(re: RegExp): Promise<string>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** Resolves with the exit code once it exits by itself. */
  exited: Promise<number | null>;
  stderr(): string;
}

export function startChild(url: string, ns: string, ...args: string[]): Child {
  const proc = spawn(process.execPath, ['test/fixtures/redis-client.mjs', url, ns, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let err = '';
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.re.test(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
      i = buf.indexOf('\n');
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  return {
    proc,
    exited,
    stderr: () => err,
    line: (re) => {
      const l = lines.find((x) => re.test(x));
      if (l !== undefined) return Promise.resolve(l);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ re, resolve });
        exited.then((code) => reject(new Error(`child exited (${code}) before printing ${re}\n${err}`)));
      });
    },
    kill: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
