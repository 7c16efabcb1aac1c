import { InputError, inputError } from '../../errors.js';
import type { TraceFormat, TraceSpec } from '../../workload/scenario.js';
import { TRACE_FORMAT_NAMES, TRACE_FORMATS } from './formats.js';
import { LineReader } from './lineReader.js';
import { emptyRawRow, RowProblem, type RawRow, type RowSource } from './rowSource.js';

/** One request of a replayed trace. */
export interface TraceRow {
  /**
   * Arrival, seconds from the first replayed row (the first row of the window), divided by
   * `speedup`; later loop passes add whole periods. NaN when the file has no times
   * (`hasTimes: false`).
   */
  readonly timeS: number;
  readonly promptTokens: number;
  /** At least 1: rows with no output are failed requests, skipped and counted. */
  readonly outputTokens: number;
  /** Mooncake: the prompt's 512-token KV-block hash ids; null for formats without them. */
  readonly hashIds: readonly number[] | null;
  /** Raw value of the class column, or null (no class column, or an empty cell). */
  readonly classKey: string | null;
}

export interface TraceReaderOptions {
  /** Stop before the first row at or after this many (replayed) seconds; required with `loop`. */
  readonly durationS?: number | null;
  /** Skip malformed rows and count them in `badRows` instead of throwing. */
  readonly skipBadRows?: boolean;
}

/** A streamed, synchronous trace replay. Holds at most one file descriptor. */
export interface TraceReader {
  readonly file: string;
  readonly format: TraceFormat;
  /** False for length-only files (Vidur's arXiv statistics): `timeS` is then NaN. */
  readonly hasTimes: boolean;
  /** Rows returned by `next()` (all loop passes). */
  readonly rows: number;
  /** Rows of the file not replayed: `badRows + failed` + rows before the window start (first pass only). */
  readonly skipped: number;
  /** Malformed rows skipped because of `skipBadRows` (first pass only). */
  readonly badRows: number;
  /** Failed requests (no output tokens, e.g. BurstGPT `Response tokens` = 0) skipped (first pass only). */
  readonly failed: number;
  /** 0 during the first pass over the file, 1 during the second (loop), ... */
  readonly pass: number;
  /**
   * Time of the file's first row on the file's own axis, seconds (Azure: since 1970-01-01,
   * zoneless times read as UTC; other formats: the file's own origin), or null before it is read.
   */
  readonly firstFileTimeS: number | null;
  /** The next row in non-decreasing `timeS`, or null when the trace (or duration) is exhausted. */
  next(): TraceRow | null;
  /** Releases the file descriptor. Safe to call twice; `next()` then returns null. */
  close(): void;
}

/**
 * Opens a request trace for replay. The header is read at once, so a missing file, an unknown
 * column or a bad window fails here, before the simulation starts.
 *
 * Rows are streamed: one 1 MiB chunk and one row live at a time whatever the file size.
 * Window `startS`/`endS` are seconds from the file's first row (before speedup; end exclusive).
 * `loop` replays the window again and again, each pass shifted by the window's span plus its mean
 * gap (so the seam looks like an ordinary gap), until `durationS`.
 *
 * @throws InputError for a missing file, bad header, bad option, or (without `skipBadRows`) the
 *         first bad row: wrong field count, bad number, negative or zero-prompt count, bad JSON,
 *         time going backwards. Errors name `file:line` and the column.
 * @example
 *   const reader = openTrace(spec, { durationS: 3600 });
 *   for (let row = reader.next(); row !== null; row = reader.next()) schedule(row);
 */
export function openTrace(spec: TraceSpec, options: TraceReaderOptions = {}): TraceReader {
  return new FileTraceReader(spec, options);
}

class FileTraceReader implements TraceReader {
  readonly file: string;
  readonly format: TraceFormat;
  readonly hasTimes: boolean;
  rows = 0;
  skipped = 0;
  badRows = 0;
  failed = 0;
  pass = 0;

  private lines: LineReader | null;
  private source: RowSource | null;
  private readonly raw: RawRow = emptyRawRow();
  private readonly skipBad: boolean;
  private readonly durationS: number | null;
  private readonly speedup: number;
  private readonly loop: boolean;
  private readonly startS: number;
  private readonly endS: number;
  /** Raw time of the file's first row, of the first windowed row, and of the last accepted row. */
  private fileT0 = NaN;
  private windowT0 = NaN;
  private lastT = -Infinity;
  private passRows = 0;
  private passLastT = NaN;
  /** Raw seconds between loop passes; 0 until the first pass ends. */
  private periodS = 0;
  private originEpochS = 0;
  private done = false;
  /** readInOrder: the record held back, its line, a scratch record, and the last time returned. */
  private held: RawRow | null = null;
  private heldLine = 0;
  private readonly scratch: RawRow = emptyRawRow();
  private returnedT = -Infinity;

  constructor(private readonly spec: TraceSpec, options: TraceReaderOptions) {
    this.file = spec.file;
    this.format = spec.format;
    this.skipBad = options.skipBadRows ?? false;
    this.durationS = options.durationS ?? null;
    this.speedup = spec.speedup;
    this.loop = spec.loop;
    this.startS = spec.startS ?? 0;
    this.endS = spec.endS ?? Infinity;
    checkOptions(spec, this.durationS);
    this.lines = null;
    this.source = null;
    const source = this.openPass();
    this.hasTimes = source.hasTimes;
    if (!this.hasTimes && (spec.startS !== null || spec.endS !== null)) {
      this.close();
      throw inputError('a window (start/end) needs a trace with arrival times; this file has none', {
        file: spec.file,
        path: spec.startS !== null ? 'traffic.trace.start' : 'traffic.trace.end',
      });
    }
  }

  get firstFileTimeS(): number | null {
    return Number.isNaN(this.fileT0) ? null : this.originEpochS + this.fileT0;
  }

  next(): TraceRow | null {
    if (this.done) return null;
    const raw = this.raw;
    for (;;) {
      const source = this.source;
      if (source === null) {
        if (!this.startNextPass()) return this.finish();
        continue;
      }
      let ok: boolean;
      try {
        ok = this.skipBad && this.hasTimes ? this.readInOrder(source, raw) : source.read(raw);
      } catch (error) {
        if (error instanceof RowProblem) {
          this.badRow(error, source.line);
          continue;
        }
        this.close();
        throw error;
      }
      if (!ok) {
        this.endPass();
        continue;
      }
      if (raw.failed) {
        if (this.pass === 0) {
          this.failed++;
          this.skipped++;
        }
        continue;
      }
      if (!this.hasTimes) return this.emit(NaN);

      const t = raw.timeS;
      if (t < this.lastT) {
        this.badRow(backwards(this.lastT - t), source.line);
        continue;
      }
      this.lastT = t;
      if (Number.isNaN(this.fileT0)) {
        this.fileT0 = t;
        this.originEpochS = source.originEpochS;
      }
      const rel = t - this.fileT0;
      if (rel < this.startS) {
        if (this.pass === 0) this.skipped++;
        continue;
      }
      if (rel >= this.endS) {
        this.endPass();
        continue;
      }
      if (Number.isNaN(this.windowT0)) this.windowT0 = t;
      const timeS = (this.pass * this.periodS + (t - this.windowT0)) / this.speedup;
      if (this.durationS !== null && timeS >= this.durationS) return this.finish();
      this.passLastT = t;
      return this.emit(timeS);
    }
  }

  /**
   * With `skipBadRows`: reads the next record whose time keeps the rows in order, one record
   * behind the file. A record earlier than the one held back but not earlier than the last one
   * returned shows that the held one was out of place (e.g. dated in the future): that one is the
   * bad row, not the ones after it. Failed requests pass through at once (they are only counted).
   */
  private readInOrder(source: RowSource, out: RawRow): boolean {
    for (;;) {
      const c = this.scratch;
      let ok: boolean;
      try {
        ok = source.read(c);
      } catch (error) {
        if (!(error instanceof RowProblem)) throw error;
        this.badRow(error, source.line);
        continue;
      }
      if (!ok) {
        const held = this.held;
        if (held === null) return false;
        this.held = null;
        Object.assign(out, held);
        this.returnedT = held.timeS;
        return true;
      }
      if (c.failed) {
        Object.assign(out, c);
        return true;
      }
      const held = this.held;
      if (held === null) {
        if (c.timeS < this.returnedT) this.badRow(backwards(this.returnedT - c.timeS), source.line);
        else {
          this.held = { ...c };
          this.heldLine = source.line;
        }
        continue;
      }
      if (c.timeS >= held.timeS) {
        Object.assign(out, held);
        this.held = { ...c };
        this.heldLine = source.line;
        this.returnedT = out.timeS;
        return true;
      }
      if (c.timeS >= this.returnedT) {
        this.badRow(new RowProblem('', `out of order: ${describeGap(held.timeS - c.timeS)} after the row that follows it`), this.heldLine);
        this.held = { ...c };
        this.heldLine = source.line;
      } else {
        this.badRow(backwards(this.returnedT - c.timeS), source.line);
      }
    }
  }

  close(): void {
    this.done = true;
    this.source = null;
    const lines = this.lines;
    this.lines = null;
    lines?.close();
  }

  private emit(timeS: number): TraceRow {
    const raw = this.raw;
    this.rows++;
    this.passRows++;
    return {
      timeS,
      promptTokens: raw.promptTokens,
      outputTokens: raw.outputTokens,
      hashIds: raw.hashIds,
      classKey: raw.classKey,
    };
  }

  private finish(): null {
    this.close();
    return null;
  }

  private badRow(problem: RowProblem, line: number): void {
    if (this.pass > 0) return; // already counted (or thrown) on the first pass
    if (this.skipBad) {
      this.badRows++;
      this.skipped++;
      return;
    }
    this.close();
    const column = problem.column ? `column "${problem.column}": ` : '';
    throw inputError(`${column}${problem.message} (--skip-bad-rows skips and counts such rows)`, {
      file: this.file,
      line,
    });
  }

  private openPass(): RowSource {
    const lines = new LineReader(this.spec.file, 'traffic.trace.file');
    this.lines = lines;
    try {
      this.source = TRACE_FORMATS[this.spec.format](lines, this.spec);
    } catch (error) {
      this.close();
      if (error instanceof RowProblem) {
        throw inputError(error.message, { file: this.file, line: lines.lineNo });
      }
      throw error;
    }
    this.done = false;
    this.lastT = -Infinity;
    this.held = null;
    this.returnedT = -Infinity;
    this.passRows = 0;
    return this.source;
  }

  /** End of the file or of the window: release the descriptor, and fix the loop period. */
  private endPass(): void {
    const lines = this.lines;
    this.lines = null;
    this.source = null;
    lines?.close();
    if (this.pass === 0 && this.loop && this.hasTimes) {
      const span = this.passLastT - this.windowT0;
      if (!(this.passRows >= 2 && span > 0)) {
        this.done = true;
        throw inputError(
          `cannot loop a trace whose window has ${this.passRows} row(s) spanning ${Number.isNaN(span) ? 0 : span} s: nothing to repeat`,
          { file: this.file, path: 'traffic.trace.loop' },
        );
      }
      this.periodS = span + span / (this.passRows - 1);
    }
  }

  /** Opens the file again for the next loop pass; false when there is none. */
  private startNextPass(): boolean {
    if (!this.loop || this.passRows === 0) return false;
    this.pass++;
    this.openPass();
    return true;
  }
}

function checkOptions(spec: TraceSpec, durationS: number | null): void {
  const at = (path: string) => ({ file: spec.file, path });
  const problems: InputError[] = [];
  if (!TRACE_FORMAT_NAMES.includes(spec.format)) {
    const expected = TRACE_FORMAT_NAMES.join(', ');
    problems.push(inputError(`unknown trace format "${String(spec.format)}"; expected one of ${expected}`, at('traffic.trace.format')));
  }
  if (!(Number.isFinite(spec.speedup) && spec.speedup > 0)) {
    problems.push(inputError(`must be a number > 0, got ${spec.speedup}`, at('traffic.trace.speedup')));
  }
  if (spec.startS !== null && !(Number.isFinite(spec.startS) && spec.startS >= 0)) {
    problems.push(inputError(`must be >= 0 seconds, got ${spec.startS}`, at('traffic.trace.start')));
  }
  if (spec.endS !== null && !(spec.endS > (spec.startS ?? 0))) {
    problems.push(inputError(`must be after the start (${spec.startS ?? 0} s), got ${spec.endS}`, at('traffic.trace.end')));
  }
  if (spec.loop && durationS === null) {
    problems.push(inputError('loop needs a duration to stop at', at('traffic.trace.loop')));
  }
  if (durationS !== null && !(durationS > 0)) {
    problems.push(inputError(`duration must be > 0 seconds, got ${durationS}`, at('duration')));
  }
  if (problems.length > 0) throw new InputError(problems.flatMap((p) => p.problems));
}

function backwards(seconds: number): RowProblem {
  return new RowProblem('', `time goes backwards: ${describeGap(seconds)} before the previous row (rows must be sorted by time)`);
}

function describeGap(seconds: number): string {
  return seconds >= 1 ? `${+seconds.toFixed(3)} s` : `${+(seconds * 1000).toFixed(3)} ms`;
}
