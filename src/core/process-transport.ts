/**
 * The child-process transport: `child_process.fork` of `process-entry.js` with V8
 * serialization on the IPC channel.
 *
 * The child inherits stdio (its output is written directly, in order, as Python's children's
 * is) and the parent's loader flags (`--import tsx`…), minus the test runner's own flags.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromEnvelope } from './error-transport.js';
import { inheritableExecArgv } from './exec-argv.js';
import { atTermination } from './exit-cleanup.js';
import { CHILD_ENV, type ProcessInfo } from './identity.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { Transport, TransportExit } from './transport.js';

/** Options for a new child process. */
export interface ProcessTransportOptions {
  name: string;
  daemon: boolean;
  /** Extra environment variables for the child. */
  env?: Record<string, string> | undefined;
}

const here = import.meta.url;

function entryPath(): string {
  return fileURLToPath(new URL(here.endsWith('.ts') ? './process-entry.ts' : './process-entry.js', here));
}

/**
 * The parent's flags that a child needs too (conditions, memory limits…), without those that
 * run code from the command line (`-e`, `-p`, `--input-type`: see exec-argv.ts), the test
 * runner's and the debugger's, and without tsx: loading tsx costs a child ≈600 ms, and the
 * runtime registers it on demand when a task's module is a `.ts` file.
 */
function childExecArgv(): string[] {
  const out: string[] = [];
  const argv = inheritableExecArgv();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--test') || a === '--watch' || a.startsWith('--watch-') || a.startsWith('--inspect'))
      continue;
    if (
      (a === '--import' || a === '--require' || a === '-r' || a === '--loader') &&
      /^tsx(\/|$)/.test(argv[i + 1] ?? '')
    ) {
      i++;
      continue;
    }
    if (/^--(import|require|loader)=tsx(\/|$)/.test(a)) continue;
    out.push(a);
  }
  if (here.endsWith('.ts')) out.push('--import', 'tsx');
  return out;
}

/**
 * Whether a child that we did not kill died of running out of memory, as far as the parent can
 * tell: V8 at its heap limit (`--max-old-space-size`) prints "JavaScript heap out of memory" and
 * calls `abort()` — the child ends by SIGABRT (status 134 when a shell reports it) without the
 * fatal message an uncaught error would have sent first. Other native aborts are rare and are
 * misreported as out of memory. The kernel's OOM killer sends SIGKILL, which cannot be told
 * from `kill -9`, so that stays `reason: 'signal'` with `signal: 'SIGKILL'`.
 */
function outOfMemory(code: number | null, signal: NodeJS.Signals | null, err: Error | undefined): boolean {
  return err === undefined && (signal === 'SIGABRT' || code === 134);
}

function ignoreClosedChannel(): void {}

class ProcessTransport implements Transport {
  readonly kind = 'process' as const;
  readonly id: number;
  exited = false;
  onMessage: (batch: FromWorker[]) => void = () => {};
  onExit: (exit: TransportExit) => void = () => {};
  readonly child: ChildProcess;
  private error: Error | undefined;
  private killed = false;
  private readonly exitPromise: Promise<TransportExit>;

  constructor(options: ProcessTransportOptions) {
    const info: ProcessInfo = { name: options.name, daemon: options.daemon, child: true };
    this.child = fork(entryPath(), [], {
      serialization: 'advanced',
      execArgv: childExecArgv(),
      env: { ...process.env, ...options.env, [CHILD_ENV]: JSON.stringify(info) },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    this.id = this.child.pid ?? -1;
    // The program ends (exit, or SIGINT/SIGTERM it does not handle): its children end with it.
    const child = this.child;
    const cancel = atTermination(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    this.child.once('exit', cancel);
    this.child.on('message', (batch: FromWorker[]) => {
      for (const msg of batch) {
        if (msg.op === 'fatal') this.error = fromEnvelope(msg.error, `process "${options.name}"`);
      }
      this.onMessage(batch);
    });
    this.child.on('error', (err) => {
      this.error ??= err;
    });
    this.exitPromise = new Promise((resolve) => {
      // 'close', not 'exit': by then the child's handles are released too.
      this.child.on('close', (code, signal) => {
        this.exited = true;
        const err = this.error;
        const exit: TransportExit = {
          exitCode: code,
          signal,
          reason: this.killed
            ? 'terminated'
            : outOfMemory(code, signal, err)
              ? 'out-of-memory'
              : signal
                ? 'signal'
                : err
                  ? 'uncaught-error'
                  : 'exit',
          error: err,
        };
        // The process handle itself is released in the loop's close phase, after this
        // callback: report the exit once it is gone, so "exited" means "nothing left".
        setTimeout(() => {
          resolve(exit);
          this.onExit(exit);
        }, 0);
      });
    });
  }

  post(batch: ToWorker[]): void {
    // A child whose channel has closed takes nothing, as a thread that has exited takes nothing
    // from postMessage: its 'close' follows, and the exit settles the calls this batch carried
    // (never begun: run elsewhere or failed with WorkerDiedError). Throwing here instead would
    // fail them with a plain error in the window between the channel closing and 'close'.
    if (this.exited || !this.child.connected) return;
    // With a callback, a channel that closes during the send reports to it instead of 'error'
    // (which would be taken for the child's own fatal error); the exit covers that batch too.
    this.child.send(batch, ignoreClosedChannel);
  }
  ref(): void {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | null | undefined)?.ref?.();
  }
  unref(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
  }
  stop(): void {
    if (!this.exited && this.child.connected) this.post([{ op: 'stop' }]);
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<TransportExit> {
    if (!this.exited) {
      this.killed = true;
      this.child.kill(signal);
    }
    return this.exitPromise;
  }
}

/** Forks a child process serving the worker runtime. */
export function spawnProcess(options: ProcessTransportOptions): Transport & { readonly child: ChildProcess } {
  return new ProcessTransport(options);
}
