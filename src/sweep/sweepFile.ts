/**
 * sweep.csv on disk: written one complete row at a time (write + fsync), header first, so an
 * interrupted sweep leaves a prefix of the finished file plus at most one partial line, and
 * `--resume` can pick up where it stopped and end with the same bytes.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError } from '../errors.js';
import { refuseLink } from '../output/atomicWrite.js';
import { csvText } from '../output/csv.js';
import { makeFolders } from '../output/makeFolders.js';
import { asWriteError } from '../output/writeError.js';
import { formatValue, type GridPoint, type VaryAxis } from './grid.js';
import { headerLine, parseCsvLine, rowOutcome, type RowOutcome } from './sweepCsv.js';

export class SweepFile {
  private constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /**
   * Opens `path` for a sweep whose remaining rows will be appended. Without `resume` the file
   * is started afresh; with it, the complete rows already there are checked against `points`
   * (they must be its first rows) and returned, and a partial last line is cut off.
   *
   * @throws InputError when `--resume` finds a file written by a different sweep
   */
  static open(path: string, columns: readonly string[], axes: readonly VaryAxis[], points: readonly GridPoint[], resume: boolean): { file: SweepFile; done: RowOutcome[] } {
    makeFolders(dirname(path));
    refuseLink(path);
    const header = headerLine(columns);
    if (!resume || !existsSync(path)) {
      const fd = SweepFile.openFd(path, 'w');
      const file = new SweepFile(fd, path);
      file.append(header);
      return { file, done: [] };
    }
    const text = readFileSync(path, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const done: RowOutcome[] = [];
    let keep = 0;
    if (complete.startsWith(header)) {
      keep = header.length;
      const lines = complete.slice(header.length).split('\n').slice(0, -1);
      if (lines.length > points.length) {
        throw inputError(`--resume: ${path} has ${lines.length} rows but this sweep has ${points.length} points; it was written by a different sweep (or shard)`);
      }
      lines.forEach((line, k) => {
        const cells = parseCsvLine(line);
        const point = points[k];
        const expected = point.values.map((v) => csvText(formatValue(v)));
        if (cells.length !== columns.length || expected.some((v, i) => cells[i] !== v)) {
          throw inputError(`--resume: row ${k + 1} of ${path} is not point ${point.index} (${point.set.join(', ') || 'no overrides'}) of this sweep; it was written by a different sweep. Run without --resume to start over`);
        }
        done.push(rowOutcome(columns, axes.length, point.index, cells));
        keep += line.length + 1;
      });
    } else if (complete.length > 0) {
      throw inputError(`--resume: ${path} has a different header (other --vary keys or --replications); run without --resume to start over`);
    }
    const fd = SweepFile.openFd(path, 'r+');
    try {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, keep)));
    } catch (error) {
      closeSync(fd);
      throw asWriteError(path, error);
    }
    const file = new SweepFile(fd, path);
    // Position at the end for appends.
    file.offset = Buffer.byteLength(text.slice(0, keep));
    if (keep === 0) file.append(header);
    return { file, done };
  }

  private offset = 0;

  private static openFd(path: string, flags: string): number {
    try {
      return openSync(path, flags);
    } catch (error) {
      throw asWriteError(path, error);
    }
  }

  /** Appends text (whole rows) and waits until it is on disk. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written, this.offset + written);
      fsyncSync(this.fd);
    } catch (error) {
      // Cut the partial row, so the file stays a prefix of the finished one for --resume.
      try {
        ftruncateSync(this.fd, this.offset);
      } catch {
        // the write error below is the news
      }
      throw asWriteError(this.path, error);
    }
    this.offset += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
