import { inputError } from '../../errors.js';
import type { TraceFormat } from '../../workload/scenario.js';
import { CsvFields, splitCsvRecord } from './csvRecords.js';
import { LineReader } from './lineReader.js';
import { columnIndex } from './rowSource.js';

/**
 * Guesses a trace's format from its name and first line, for `capsim trace stats` without
 * `--format`:
 *  1. `.jsonl` / `.ndjson`, or a first line starting with `{`: mooncake;
 *  2. a header with `TIMESTAMP` and `ContextTokens`: azure;
 *  3. a header with `num_prefill_tokens`: vidur;
 *  4. a header with `Request tokens` and `Response tokens`: burstgpt;
 *  5. anything else cannot be guessed (a user CSV needs its column mapping).
 * Header names match ignoring case. Reads one line only.
 *
 * @throws InputError for a missing or empty file, or a header that matches no rule
 */
export function inferTraceFormat(file: string, keyPath = ''): TraceFormat {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'mooncake';
  const lines = new LineReader(file, keyPath, 64 * 1024);
  let first: string | null;
  let line = 1;
  try {
    first = lines.next();
    while (first !== null && first.trim() === '') first = lines.next();
    line = lines.lineNo;
  } finally {
    lines.close();
  }
  if (first === null) throw inputError('the file is empty', { file, path: keyPath });
  if (first.trimStart().startsWith('{')) return 'mooncake';
  const fields = new CsvFields();
  splitCsvRecord(first, fields);
  const header = fields.toArray();
  const has = (name: string) => columnIndex(header, name) >= 0;
  if (has('TIMESTAMP') && has('ContextTokens')) return 'azure';
  if (has('num_prefill_tokens')) return 'vidur';
  if (has('Request tokens') && has('Response tokens')) return 'burstgpt';
  throw inputError(
    `cannot tell the trace format from the header (${header.join(',').slice(0, 120)}); ` +
      'give it: azure, mooncake, vidur, burstgpt, or csv with a column mapping',
    { file, line, path: keyPath },
  );
}
