import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { asWriteError } from './writeError.js';

/**
 * Creates `dir` and its missing parents, one `mkdir` per level, and returns the folders it
 * created (outermost first) so that a caller can remove them again when nothing was written.
 *
 * Written out instead of `mkdirSync(dir, { recursive: true })`: Node's recursive mkdir retries
 * without end where the kernel answers ENOENT for an existing parent (`/proc/x` spins at 100%
 * CPU). Here every level is tried once, so the loop is bounded by the path's depth.
 *
 * @throws InputError naming the path when a level is a file or cannot be created
 */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const kind = kindOf(at);
    if (kind === 'folder') break;
    if (kind === 'other') throw inputError('is a file, not a folder', { file: at });
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const created: string[] = [];
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(folder) === 'folder') continue;
      throw asWriteError(folder, error, 'cannot create the folder');
    }
    created.push(folder);
  }
  return created;
}

/** What is at `path`: a folder (following links), something else, or nothing. */
function kindOf(path: string): 'folder' | 'other' | 'none' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch {
    try {
      lstatSync(path); // a dangling link is something, not nothing
      return 'other';
    } catch {
      return 'none';
    }
  }
}
