import { inputError } from '../../errors.js';
import type { LineReader } from './lineReader.js';

/** A quoted field may span at most this many lines before the quote is taken as unterminated. */
const MAX_RECORD_LINES = 1000;

/**
 * The fields of one CSV record as positions in a string: field i is `text[starts[i], ends[i])`.
 * Reused from row to row, so splitting a row allocates nothing beyond the line itself.
 */
export class CsvFields {
  text = '';
  count = 0;
  starts = new Int32Array(16);
  ends = new Int32Array(16);

  /** Field i as a string (trimmed of surrounding spaces). */
  get(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]).trim();
  }

  /** Every field as a string. */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.get(i));
    return out;
  }

  push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

/**
 * Splits one CSV record (RFC 4180: comma-separated, fields optionally in double quotes, `""` is a
 * quote inside a quoted field, a quoted field may contain commas and line breaks).
 *
 * Unquoted lines, the common case, are split with `indexOf` and no copying. A line with quotes
 * is unquoted into a fresh string and the positions point into that.
 *
 * @returns false when a quoted field is still open at the end of `line` (the record continues
 *          on the next line; call again with the lines joined by `\n`)
 */
export function splitCsvRecord(line: string, out: CsvFields): boolean {
  out.count = 0;
  if (line.indexOf('"') < 0) {
    out.text = line;
    let start = 0;
    for (;;) {
      const comma = line.indexOf(',', start);
      if (comma < 0) {
        out.push(start, line.length);
        return true;
      }
      out.push(start, comma);
      start = comma + 1;
    }
  }
  return splitQuoted(line, out);
}

function splitQuoted(line: string, out: CsvFields): boolean {
  let text = '';
  let field = '';
  let i = 0;
  const n = line.length;
  for (;;) {
    // At the start of a field. Spaces before an opening quote are tolerated.
    let j = i;
    while (j < n && line.charCodeAt(j) === 32) j++;
    if (j < n && line.charCodeAt(j) === 34) {
      i = j + 1;
      let closed = false;
      while (i < n) {
        const q = line.indexOf('"', i);
        if (q < 0) break;
        field += line.slice(i, q);
        if (q + 1 < n && line.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          closed = true;
          break;
        }
      }
      if (!closed) return false;
      // Lenient: text after the closing quote, up to the comma, is kept.
      const comma = line.indexOf(',', i);
      const stop = comma < 0 ? n : comma;
      field += line.slice(i, stop).trimEnd();
      i = stop;
    } else {
      const comma = line.indexOf(',', i);
      const stop = comma < 0 ? n : comma;
      field = line.slice(i, stop);
      i = stop;
    }
    const start = text.length;
    text += field;
    out.push(start, text.length);
    field = '';
    if (i >= n) break;
    i++; // the comma
    text += ',';
    if (i === n) {
      out.push(text.length, text.length);
      break;
    }
  }
  out.text = text;
  return true;
}

/**
 * Reads CSV records from a LineReader: skips blank lines, joins the lines of a record whose
 * quoted field spans line breaks, and remembers the line the record started on.
 */
export class CsvRecordReader {
  readonly fields = new CsvFields();
  /** 1-based line on which the last record read starts. */
  line = 0;

  constructor(private readonly lines: LineReader) {}

  /** Reads the next record into `fields`; false at end of file. */
  next(): boolean {
    let line = this.lines.next();
    while (line !== null && isBlank(line)) line = this.lines.next();
    if (line === null) return false;
    this.line = this.lines.lineNo;
    let joined = line;
    let parts = 1;
    while (!splitCsvRecord(joined, this.fields)) {
      const more = this.lines.next();
      parts++;
      if (more === null || parts > MAX_RECORD_LINES) {
        throw inputError('a quoted field is never closed (unbalanced ")', {
          file: this.lines.file,
          line: this.line,
        });
      }
      joined += '\n' + more;
    }
    return true;
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
