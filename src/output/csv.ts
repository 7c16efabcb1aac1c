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
  if (typeof value === 'string') return csvText(value);
  return String(value);
}

/** A text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first). */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** A plain number written as text (a varied key's value like `-5` or `0.25`): never a formula. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A text cell made safe for spreadsheets (CSV formula injection, OWASP): a text that starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return (after any leading `'`) gets one `'` in
 * front, which Excel, LibreOffice and Google Sheets show as text instead of evaluating. Numbers,
 * and texts that are plain numbers, are left alone. `fromCsvText` undoes it exactly.
 *
 * @example csvText('=HYPERLINK("http://x")') // `'=HYPERLINK("http://x")`
 * @example csvText('-5') // '-5'
 */
export function csvText(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** The text a cell written by `csvText` stood for. */
export function fromCsvText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) && !PLAIN_NUMBER.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * A finite number without an exponent: `1e21` is written `1000000000000000000000` (every double
 * that large is a whole number, exact through BigInt), `1e-7` as `0.0000001` (12 decimals at most).
 */
export function plainNumber(x: number): string {
  const s = String(x);
  if (!s.includes('e')) return s;
  if (Math.abs(x) >= 1e21) return BigInt(x).toString();
  const fixed = x.toFixed(12).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}
