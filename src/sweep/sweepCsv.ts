/**
 * sweep.csv: the header and rows of a sweep (docs/cli.md, "capsim sweep"), one line
 * per row (error messages are kept on one line), so that a file cut mid-write is read back as
 * its complete lines plus a partial last line.
 */
import { toCsv } from '../output/csv.js';
import { CI_FIGURES, NUMERIC_FIGURES } from './figures.js';
import { formatValue, type GridPoint, type VaryAxis } from './grid.js';
import type { PointOutcome } from './runPoint.js';

/** Prefix of the `error` cell of a point that hit a bug (exit 3) rather than bad input (exit 2). */
export const INTERNAL_ERROR_PREFIX = 'internal error: ';

/** The columns: varied keys, figures (each latency and cost figure followed by its `_ci95` with replications), `error`. */
export function sweepColumns(axes: readonly VaryAxis[], withCi: boolean): string[] {
  const columns = axes.map((a) => a.key);
  for (const f of NUMERIC_FIGURES) {
    columns.push(f);
    if (withCi && CI_FIGURES.has(f)) columns.push(`${f}_ci95`);
  }
  columns.push('meets_slo', 'error');
  return columns;
}

/** The header line, with its `\n`. */
export function headerLine(columns: readonly string[]): string {
  return toCsv([], columns);
}

/** The values of a row by column name. */
export function sweepRecord(axes: readonly VaryAxis[], point: GridPoint, outcome: PointOutcome): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  axes.forEach((a, i) => (record[a.key] = formatValue(point.values[i])));
  if (outcome.ok) {
    const { figures } = outcome;
    for (const f of NUMERIC_FIGURES) {
      record[f] = figures[f];
      if (figures.ci95) record[`${f}_ci95`] = figures.ci95[f] ?? null;
    }
    record.meets_slo = figures.meets_slo;
    record.error = '';
  } else if (outcome.kind === 'stopped') {
    // plan only: a point stopped at a missed hour fails; `stopped_at_hour` says where (plan.csv)
    record.meets_slo = false;
    record.error = '';
    record.stopped_at_hour = outcome.hour;
  } else {
    record.meets_slo = false;
    record.error = outcome.kind === 'internal' ? `${INTERNAL_ERROR_PREFIX}${outcome.message}` : outcome.message;
  }
  return record;
}

/** One row as a line of CSV, with its `\n`. */
export function rowLine(columns: readonly string[], record: Record<string, unknown>): string {
  const text = toCsv([record], columns);
  return text.slice(text.indexOf('\n') + 1);
}

/** Splits one CSV line (no line breaks inside) into cells, undoing RFC 4180 quoting. */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          cell += line.slice(i);
          i = line.length;
          break;
        }
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cell = line.slice(i, end);
      i = end;
    }
    cells.push(cell);
    if (line[i] !== ',') return cells;
    i++;
  }
}

/** The parts of a finished row that decide the exit code and the closing summary. */
export interface RowOutcome {
  readonly index: number;
  readonly error: 'input' | 'internal' | null;
  readonly meetsSlo: boolean;
  readonly costPerHour: number | null;
  /** The varied keys' values as written. */
  readonly keys: readonly string[];
}

export function rowOutcome(columns: readonly string[], keyCount: number, index: number, cells: readonly string[]): RowOutcome {
  const at = (name: string) => cells[columns.indexOf(name)] ?? '';
  const error = at('error');
  const cost = at('cost_per_hour');
  return {
    index,
    error: error === '' ? null : error.startsWith(INTERNAL_ERROR_PREFIX) ? 'internal' : 'input',
    meetsSlo: at('meets_slo') === 'true',
    costPerHour: cost === '' ? null : Number(cost),
    keys: cells.slice(0, keyCount),
  };
}
