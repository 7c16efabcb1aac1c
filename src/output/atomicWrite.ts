import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../errors.js';
import { makeFolders } from './makeFolders.js';
import { asWriteError } from './writeError.js';

/**
 * Writes files so that a reader never sees a partial one: each goes to a temporary name in the
 * same folder, and only when all are written are they renamed into place (rename is atomic on
 * one filesystem). A failed write (full disk, file-size limit, no permission) removes every
 * temporary file and throws an InputError naming the file (exit 2); a killed run leaves at most
 * `.name.tmp-<pid>` files, never a half-written CSV under its real name.
 *
 * @throws InputError when a target is a symbolic link (capsim never writes through links: a
 *   `sweep.csv -> elsewhere` would overwrite the link's target) or cannot be written
 */
export function writeFilesAtomically(files: ReadonlyArray<{ path: string; content: string }>): void {
  for (const { path } of files) refuseLink(path);
  const temps: { temp: string; path: string }[] = [];
  let current = '';
  try {
    for (const { path, content } of files) {
      current = path;
      makeFolders(dirname(path));
      const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
      temps.push({ temp, path });
      writeFileSync(temp, content);
    }
    for (const { temp, path } of temps) {
      current = path;
      renameSync(temp, path);
    }
  } catch (error) {
    for (const { temp } of temps) rmSync(temp, { force: true });
    throw asWriteError(current, error);
  }
}

/**
 * @throws InputError when `path` is a symbolic link
 */
export function refuseLink(path: string): void {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    return; // absent (or unreadable: the write will say why)
  }
  if (link) throw inputError('is a symbolic link; capsim does not write through links (remove the link or choose another --out)', { file: path });
}
