/**
 * The output folder of `run`, `sweep` and `plan`, claimed BEFORE anything is simulated: the
 * folder is created (or found) and locked with `.capsim.lock`, so that
 *
 * - a location that cannot be written (`--out` is a file, a read-only or full file system, no
 *   permission) is reported at once, with exit 2, not after an hour of simulation;
 * - two capsim processes never write the same folder at once (one run's `summary.json` beside
 *   another's `manifest.json`): the second is refused while the first holds the lock.
 *
 * The lock file holds the owner's pid and host name. A lock whose process is gone (killed,
 * crashed) is stale and taken over; a lock from another host cannot be checked and is taken over
 * too (locks protect against concurrent runs on one machine: give shards on different machines
 * different folders, as `capsim merge` expects anyway). `release()` removes the lock, and with
 * `abandon` also the folders the claim created if they are still empty, so a run that ends in
 * bad input leaves nothing behind.
 */
import { linkSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { makeFolders } from './makeFolders.js';
import { asWriteError } from './writeError.js';

export const LOCK_FILE = '.capsim.lock';

export interface OutputFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** Removes the lock; with `abandon`, also the folders the claim created, when empty. */
  release(options?: { abandon?: boolean }): void;
}

/**
 * Creates and locks `dir`.
 *
 * @throws InputError when `dir` cannot be created or written, or another live capsim holds it
 */
export function claimOutputFolder(dir: string): OutputFolder {
  const folder = resolve(dir);
  const created = makeFolders(folder);
  const lock = join(folder, LOCK_FILE);
  const abandon = () => {
    for (const f of [...created].reverse()) {
      try {
        rmdirSync(f);
      } catch {
        break; // not empty (someone else wrote there) or gone: leave it
      }
    }
  };
  try {
    takeLock(lock);
  } catch (error) {
    abandon();
    throw asWriteError(folder, error, 'cannot write the output folder');
  }
  let held = true;
  return {
    dir: folder,
    release: (options = {}) => {
      if (held) rmSync(lock, { force: true });
      held = false;
      if (options.abandon) abandon();
    },
  };
}

/**
 * Creates the lock file with its content in one step (written under a temporary name, then
 * hard-linked to `.capsim.lock`, which fails if it exists), so a reader never sees an empty lock.
 * A stale lock (dead pid, or another host) is replaced once.
 */
function takeLock(lock: string): void {
  const temp = `${lock}.${process.pid}`;
  try {
    writeFileSync(temp, `${process.pid} ${hostname()}\n`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, lock);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const owner = readOwner(lock);
      if (owner !== null && owner.host === hostname() && owner.pid !== process.pid && alive(owner.pid)) {
        throw inputError(
          `another capsim (pid ${owner.pid}) is writing to this folder; wait for it to finish or choose another --out (if no capsim is running, remove ${lock})`,
          { file: dirname(lock) },
        );
      }
      rmSync(lock, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

function readOwner(lock: string): { pid: number; host: string } | null {
  try {
    const m = /^(\d+) (\S*)/.exec(readFileSync(lock, 'utf8'));
    return m ? { pid: Number(m[1]), host: m[2] } : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
