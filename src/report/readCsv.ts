/**
 * Reads a CSV file written by capsim (RFC 4180: header row, quoted fields may hold commas,
 * quotes and newlines) into rows keyed by column name. The report reads every file by column
 * name, never by position, so added columns never break it.
 */
import { fromCsvText } from '../output/csv.js';

export type CsvRow = Record<string, string>;

export function parseCsv(text: string): CsvRow[] {
  const records = parseRecords(text);
  if (records.length === 0) return [];
  const header = records[0];
  return records.slice(1).filter((r) => !(r.length === 1 && r[0] === '')).map((r) => {
    const row: CsvRow = {};
    header.forEach((name, i) => (row[name] = fromCsvText(r[i] ?? '')));
    return row;
  });
}

function parseRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** A cell as a number; empty or non-numeric cells are null. */
export function cellNumber(row: CsvRow, column: string): number | null {
  const text = row[column];
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** A cell as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `*`); anything else is false. */
export function cellFlag(row: CsvRow, column: string): boolean {
  const text = (row[column] ?? '').trim().toLowerCase();
  return text === 'true' || text === '1' || text === 'yes' || text === '*' || text === 'chosen' || text === 'x';
}
