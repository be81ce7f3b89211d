/**
 * Private folders for skein's Unix sockets: `<tmpdir>/skein-<pid>-XXXXXX` (mode 0700, made
 * by `mkdtemp`). The owner's pid in the name lets a later program tell a folder left behind
 * by a process that died without cleaning up (SIGKILL, a crash of the runtime) from one in
 * use: the first time a program makes such a folder, it removes the `skein-<pid>-*` folders
 * whose process no longer exists. A folder of a live process — or of another user, which
 * cannot be removed anyway — is never touched; a reused pid only delays the removal.
 *
 * Each folder is removed when the program ends (see `core/exit-cleanup.ts`) or when its
 * owner removes it earlier.
 *
 * @module
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atTermination } from '../../core/exit-cleanup.js';

const PATTERN = /^skein-(\d+)-[A-Za-z0-9]{6}$/;
let swept = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes socket folders whose owner process is gone (once per program; best effort). */
function sweep(): void {
  if (swept) return;
  swept = true;
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = PATTERN.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Not ours, or already gone.
    }
  }
}

/** A private temporary folder, and how to remove it (idempotent). */
export interface TempDir {
  path: string;
  remove(): void;
}

/** Makes a private socket folder, removed at the latest when the program ends. */
export function makeTempDir(): TempDir {
  sweep();
  const path = mkdtempSync(join(tmpdir(), `skein-${process.pid}-`));
  let cancel: (() => void) | undefined;
  const remove = (): void => {
    cancel?.();
    cancel = undefined;
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Already gone.
    }
  };
  cancel = atTermination(remove);
  return { path, remove };
}
