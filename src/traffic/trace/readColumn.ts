import { inputError } from '../../errors.js';
import { CsvRecordReader, CsvFields, splitCsvRecord } from './csvRecords.js';
import { LineReader } from './lineReader.js';
import { parseNumber } from './numbers.js';
import { clip, columnIndex, shownJson } from './rowSource.js';

/**
 * Reads one numeric column of a trace: a CSV column by its header name, or a key of a JSON Lines
 * file (`.jsonl`, `.ndjson`, or any file whose first line starts with `{`). Used for
 * `{dist: empirical, file, column}` token distributions. Streamed like a replay; only the
 * returned values are held in memory. Blank lines are skipped.
 *
 * @param keyPath dotted path of the key that named the file, for error messages
 *                (e.g. `classes[0].prompt_tokens.file`)
 * @returns the values in file order
 * @throws InputError for a missing file, an unknown column (listing the available ones), a row
 *         whose field count differs from the header, or a value that is not a finite number
 *         (naming `file:line` and the column)
 * @example readTraceColumn('conv.csv', 'ContextTokens') // [374, 396, ...]
 */
export function readTraceColumn(file: string, column: string, keyPath = ''): number[] {
  const lines = new LineReader(file, keyPath);
  try {
    let first = lines.next();
    while (first !== null && first.trim() === '') first = lines.next();
    if (first === null) throw inputError('the file is empty', { file, path: keyPath });
    const jsonl = /\.(jsonl|ndjson)$/i.test(file) || first.trimStart().startsWith('{');
    return jsonl ? readJsonKey(lines, first, column, keyPath) : readCsvColumn(lines, first, column, keyPath);
  } finally {
    lines.close();
  }
}

function readCsvColumn(lines: LineReader, headerLine: string, column: string, keyPath: string): number[] {
  const file = lines.file;
  const headerFields = new CsvFields();
  if (!splitCsvRecord(headerLine, headerFields)) {
    throw inputError('the header line has an unclosed quote', { file, line: lines.lineNo, path: keyPath });
  }
  const header = headerFields.toArray();
  const index = columnIndex(header, column);
  if (index < 0) {
    throw inputError(
      `no column "${column}" in the header; the columns are: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      { file, line: lines.lineNo, path: keyPath },
    );
  }
  const values: number[] = [];
  const records = new CsvRecordReader(lines);
  while (records.next()) {
    const f = records.fields;
    if (f.count !== header.length) {
      throw inputError(`expected ${header.length} fields as in the header, found ${f.count}`, { file, line: records.line, path: keyPath });
    }
    const value = parseNumber(f.text, f.starts[index], f.ends[index]);
    if (!Number.isFinite(value)) {
      throw inputError(`column "${column}": expected a number, found "${clip(f.get(index))}"`, { file, line: records.line, path: keyPath });
    }
    values.push(value);
  }
  return values;
}

function readJsonKey(lines: LineReader, firstLine: string, column: string, keyPath: string): number[] {
  const file = lines.file;
  const values: number[] = [];
  let text: string | null = firstLine;
  let first = true;
  for (; text !== null; text = lines.next()) {
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      throw inputError(`expected one JSON object per line, found invalid JSON: ${clip(text)}`, { file, line: lines.lineNo, path: keyPath });
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw inputError(`expected one JSON object per line, found ${clip(text)}`, { file, line: lines.lineNo, path: keyPath });
    }
    const value = (row as Record<string, unknown>)[column];
    if (first && value === undefined) {
      const keys = Object.keys(row).map((k) => JSON.stringify(k)).join(', ');
      throw inputError(`no key "${column}" in the rows; the keys are: ${keys}`, { file, line: lines.lineNo, path: keyPath });
    }
    first = false;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const found = value === undefined ? 'nothing' : shownJson(value);
      throw inputError(`key "${column}": expected a number, found ${found}`, { file, line: lines.lineNo, path: keyPath });
    }
    values.push(value);
  }
  return values;
}
