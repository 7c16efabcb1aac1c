import { inputError } from '../../errors.js';
import type { TraceSpec } from '../../workload/scenario.js';
import { CsvRecordReader, type CsvFields } from './csvRecords.js';
import type { LineReader } from './lineReader.js';
import { parseNumber } from './numbers.js';
import { LIMITS } from '../../workload/schema.js';

/**
 * The pieces every per-format parser (`azure.ts`, `mooncake.ts`, ...) shares: the row it fills,
 * the problem it throws for a bad row, and helpers to find header columns and read token counts.
 */

/** One parsed record, before windowing and speedup. Reused from row to row by the reader. */
export interface RawRow {
  /** Seconds on the parser's own axis (any origin; only differences matter); NaN without times. */
  timeS: number;
  promptTokens: number;
  outputTokens: number;
  hashIds: number[] | null;
  classKey: string | null;
  /** A failed request (no output tokens): skipped and counted, never replayed. */
  failed: boolean;
}

export function emptyRawRow(): RawRow {
  return { timeS: NaN, promptTokens: 0, outputTokens: 0, hashIds: null, classKey: null, failed: false };
}

/**
 * A bad record: which column and what was expected. Thrown by parsers and turned into an
 * InputError (with file and line) or a skip by the reader. Deliberately not an Error: no stack
 * is captured, so skipping millions of bad rows stays cheap.
 */
export class RowProblem {
  constructor(
    readonly column: string,
    readonly message: string,
  ) {}
}

/** What a format parser gives the reader: records, one at a time, from one open file. */
export interface RowSource {
  /** False for length-only files (rows then carry `timeS = NaN`). */
  readonly hasTimes: boolean;
  /** Seconds since 1970 of `timeS = 0` when the file holds wall-clock times, else 0. */
  readonly originEpochS: number;
  /** 1-based line of the record last read. */
  readonly line: number;
  /**
   * Reads the next record into `out`; false at end of file.
   * @throws RowProblem for a bad record (reading may continue with the next one)
   */
  read(out: RawRow): boolean;
}

export type RowSourceFactory = (lines: LineReader, spec: TraceSpec) => RowSource;

/** Interns class keys so that rows do not pin the 1 MiB chunk their key was sliced from. */
export class KeyInterner {
  private readonly keys = new Map<string, string>();

  intern(key: string): string | null {
    if (key === '') return null;
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    const copy = Buffer.from(key, 'utf8').toString('utf8');
    if (this.keys.size < 10_000) this.keys.set(copy, copy);
    return copy;
  }
}

/**
 * A token count in field `i`: a whole number >= `min`.
 * @throws RowProblem naming `column` otherwise
 */
export function tokenField(f: CsvFields, i: number, column: string, min: number): number {
  const value = parseNumber(f.text, f.starts[i], f.ends[i]);
  if (Number.isInteger(value) && value >= min && value <= LIMITS.tokens && digitsOnly(f.text, f.starts[i], f.ends[i])) return value;
  throw new RowProblem(column, describeBadCount(value, f.get(i), min));
}

/** `text[start, end)` is digits, with spaces around at most: no sign, exponent, point or hex prefix. */
function digitsOnly(text: string, start: number, end: number): boolean {
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return end > start;
}

/** Checks a token count that came from JSON. */
export function checkCount(value: unknown, column: string, min: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= LIMITS.tokens) return value;
  const shown = shownJson(value);
  throw new RowProblem(column, describeBadCount(typeof value === 'number' ? value : NaN, shown ?? '', min));
}

function describeBadCount(value: number, shown: string, min: number): string {
  if (shown === '') return `expected a whole number of tokens, found nothing`;
  if (Number.isInteger(value) && value > LIMITS.tokens) return `expected at most ${LIMITS.tokens} tokens, found ${clip(shown)}`;
  if (Number.isInteger(value) && value >= min && !/^\s*\d+\s*$/.test(shown)) {
    return `expected a plain whole number of tokens (digits only), found "${clip(shown)}"`;
  }
  if (Number.isNaN(value) || !Number.isFinite(value)) return `expected a whole number of tokens, found "${clip(shown)}"`;
  if (value < 0) return `expected a whole number of tokens >= ${min}, found a negative count ${shown}`;
  if (!Number.isInteger(value)) return `expected a whole number of tokens, found ${shown}`;
  return `expected at least ${min} token${min === 1 ? '' : 's'}, found ${shown}`;
}

/** A time in field `i` as a finite number (unit conversion is the caller's). */
export function numberField(f: CsvFields, i: number, column: string, what: string): number {
  const value = parseNumber(f.text, f.starts[i], f.ends[i]);
  if (Number.isFinite(value)) return value;
  throw new RowProblem(column, `expected ${what}, found "${clip(f.get(i))}"`);
}

/**
 * A JSON value as shown in a message: scalars as JSON, lists and objects by their kind (never
 * serialised: a hostile row may nest thousands of levels deep).
 */
export function shownJson(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return clip(JSON.stringify(value));
}

export function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * Reads the header record of a CSV trace.
 * @throws InputError when the file has no lines
 */
export function readHeader(records: CsvRecordReader, lines: LineReader): string[] {
  if (!records.next()) throw inputError('the file is empty: expected a header line', { file: lines.file, line: 1 });
  return records.fields.toArray();
}

/**
 * Index of a header column: exact name first, then ignoring case and surrounding spaces.
 * @returns -1 when absent
 */
export function columnIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const wanted = name.trim().toLowerCase();
  return header.findIndex((h) => h.trim().toLowerCase() === wanted);
}

/**
 * Like `columnIndex`, but a missing column is the user's mistake.
 * @throws InputError naming the file, header line, key path and listing the columns there are
 */
export function requireColumn(
  header: readonly string[],
  name: string,
  where: { file: string; line: number; keyPath: string; what: string },
): number {
  const i = columnIndex(header, name);
  if (i >= 0) return i;
  throw inputError(
    `${where.what}: no column "${name}" in the header; the columns are: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    { file: where.file, line: where.line, path: where.keyPath },
  );
}

/**
 * A CSV-based RowSource: reads the header, then splits records and hands their fields to
 * `decode`, checking the field count first.
 */
export function csvRowSource(
  lines: LineReader,
  setup: (header: string[], headerLine: number) => {
    hasTimes: boolean;
    originEpochS: () => number;
    decode: (f: CsvFields, out: RawRow) => void;
  },
): RowSource {
  const records = new CsvRecordReader(lines);
  const header = readHeader(records, lines);
  const width = header.length;
  const { hasTimes, originEpochS, decode } = setup(header, records.line);
  return {
    hasTimes,
    get originEpochS() {
      return originEpochS();
    },
    get line() {
      return records.line;
    },
    read(out: RawRow): boolean {
      if (!records.next()) return false;
      const f = records.fields;
      if (f.count !== width) {
        throw new RowProblem(
          '',
          `expected ${width} fields as in the header (${header.join(',')}), found ${f.count}`,
        );
      }
      out.failed = false;
      out.hashIds = null;
      out.classKey = null;
      decode(f, out);
      return true;
    },
  };
}

/** The class column of a CSV trace (`traffic.trace.class_column`), or -1 when none is set. */
export function classColumnIndex(
  header: readonly string[],
  name: string | null,
  file: string,
  line: number,
  keyPath = 'traffic.trace.class_column',
): number {
  if (name === null) return -1;
  return requireColumn(header, name, { file, line, keyPath, what: 'class column' });
}
