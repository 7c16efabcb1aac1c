import { stringify } from 'csv-stringify/sync';

/**
 * RFC 4180 CSV with a header row: plain numbers (no thousands separators, no exponent for the
 * magnitudes we write), empty cells for undefined figures (a percentile of an hour with no
 * requests), CRLF-free `\n` line ends that every spreadsheet reads.
 */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T)[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => cell(r[c]))),
    { header: true, columns: columns.map((c) => String(c)) },
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? plainNumber(value) : '';
  return String(value);
}

function plainNumber(x: number): string {
  const s = String(x);
  if (!s.includes('e')) return s;
  return x.toFixed(12).replace(/\.?0+$/, '');
}
