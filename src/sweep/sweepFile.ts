/**
 * sweep.csv on disk: written one complete row at a time (write + fsync), header first, so an
 * interrupted sweep leaves a prefix of the finished file plus at most one partial line, and
 * `--resume` can pick up where it stopped and end with the same bytes.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError } from '../errors.js';
import { formatValue, type GridPoint, type VaryAxis } from './grid.js';
import { headerLine, parseCsvLine, rowOutcome, type RowOutcome } from './sweepCsv.js';

export class SweepFile {
  private constructor(private readonly fd: number) {}

  /**
   * Opens `path` for a sweep whose remaining rows will be appended. Without `resume` the file
   * is started afresh; with it, the complete rows already there are checked against `points`
   * (they must be its first rows) and returned, and a partial last line is cut off.
   *
   * @throws InputError when `--resume` finds a file written by a different sweep
   */
  static open(path: string, columns: readonly string[], axes: readonly VaryAxis[], points: readonly GridPoint[], resume: boolean): { file: SweepFile; done: RowOutcome[] } {
    mkdirSync(dirname(path), { recursive: true });
    const header = headerLine(columns);
    if (!resume || !existsSync(path)) {
      const fd = openSync(path, 'w');
      const file = new SweepFile(fd);
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
        const expected = point.values.map(formatValue);
        if (cells.length !== columns.length || expected.some((v, i) => cells[i] !== v)) {
          throw inputError(`--resume: row ${k + 1} of ${path} is not point ${point.index} (${point.set.join(', ') || 'no overrides'}) of this sweep; it was written by a different sweep. Run without --resume to start over`);
        }
        done.push(rowOutcome(columns, axes.length, point.index, cells));
        keep += line.length + 1;
      });
    } else if (complete.length > 0) {
      throw inputError(`--resume: ${path} has a different header (other --vary keys or --replications); run without --resume to start over`);
    }
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, keep)));
    const file = new SweepFile(fd);
    // Position at the end for appends.
    file.offset = Buffer.byteLength(text.slice(0, keep));
    if (keep === 0) file.append(header);
    return { file, done };
  }

  private offset = 0;

  /** Appends text (whole rows) and waits until it is on disk. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written, this.offset + written);
    this.offset += bytes.length;
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
