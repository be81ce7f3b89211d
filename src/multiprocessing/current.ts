/**
 * Python's module-level `multiprocessing` functions: `current_process`, `cpu_count`.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { inspect } from 'node:util';
import { currentProcessInfo } from '../core/identity.js';

/** What `currentProcess()` returns: this process's name, daemon flag and pid. */
export interface ProcessView {
  /** `MainProcess` in the program's own process; the Process's name in a child skein started. */
  readonly name: string;
  /** Whether this process is a daemon child (terminated when its parent's main code ends). */
  readonly daemon: boolean;
  /** The operating system's process id. */
  readonly pid: number;
}

class CurrentProcess implements ProcessView {
  readonly name: string;
  readonly daemon: boolean;
  readonly pid = process.pid;
  constructor() {
    const info = currentProcessInfo();
    this.name = info.name;
    this.daemon = info.daemon;
  }
  toString(): string {
    const main = this.name === 'MainProcess' && !currentProcessInfo().child;
    return main
      ? `<_MainProcess name='MainProcess' parent=None started>`
      : `<Process name='${this.name}' parent=${process.ppid} started${this.daemon ? ' daemon' : ''}>`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

let current: CurrentProcess | undefined;

/** The process running this code (Python's `multiprocessing.current_process()`). */
export function currentProcess(): ProcessView {
  current ??= new CurrentProcess();
  return current;
}

/** Number of CPUs this process may use (Python's `cpu_count()`; Node's `os.availableParallelism()`). */
export function cpuCount(): number {
  return availableParallelism();
}
