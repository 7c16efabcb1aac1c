import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes files so that a reader never sees a partial one: each goes to a temporary name in the
 * same folder, and only when all are written are they renamed into place (rename is atomic on
 * one filesystem). An interrupted run leaves at most `.name.tmp-<pid>` files, never a
 * half-written CSV under its real name.
 */
export function writeFilesAtomically(files: ReadonlyArray<{ path: string; content: string }>): void {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const { path, content } of files) {
      mkdirSync(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
      writeFileSync(temp, content);
      temps.push({ temp, path });
    }
    for (const { temp, path } of temps) renameSync(temp, path);
  } catch (error) {
    for (const { temp } of temps) rmSync(temp, { force: true });
    throw error;
  }
}
