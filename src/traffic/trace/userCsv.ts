import { inputError } from '../../errors.js';
import type { TraceSpec } from '../../workload/scenario.js';
import type { LineReader } from './lineReader.js';
import {
  classColumnIndex,
  clip,
  csvRowSource,
  KeyInterner,
  requireColumn,
  RowProblem,
  tokenField,
  type RowSource,
} from './rowSource.js';
import { parseNumber } from './numbers.js';
import { TimestampParser } from './timestamp.js';

const UNIT_S = { s: 1, ms: 1e-3, us: 1e-6 } as const;

/**
 * A user's own CSV, with `traffic.trace.columns` naming the time, prompt and output columns
 * (and optionally the class). The time column holds numbers in `time_unit` (s, ms or us, any
 * origin), or wall-clock timestamps (`2024-05-12 00:00:00.5`, ISO `T` and zones accepted; the
 * unit is then ignored). Which of the two is decided by the first data row.
 */
export function userCsvRows(lines: LineReader, spec: TraceSpec): RowSource {
  const columns = spec.columns;
  if (columns === null) {
    throw inputError('format csv needs a column mapping: columns: {time, time_unit, prompt, output}', {
      file: lines.file,
      path: 'traffic.trace.columns',
    });
  }
  const unit = UNIT_S[columns.timeUnit];
  const clock = new TimestampParser();
  const keys = new KeyInterner();
  let wallClock: boolean | null = null;
  return csvRowSource(lines, (header, line) => {
    const at = (key: string) => ({ file: lines.file, line, keyPath: `traffic.trace.columns.${key}`, what: 'csv format' });
    const iTime = requireColumn(header, columns.time, at('time'));
    const iPrompt = requireColumn(header, columns.prompt, at('prompt'));
    const iOutput = requireColumn(header, columns.output, at('output'));
    const iClass =
      columns.class !== null
        ? classColumnIndex(header, columns.class, lines.file, line, 'traffic.trace.columns.class')
        : classColumnIndex(header, spec.classColumn, lines.file, line);
    return {
      hasTimes: true,
      originEpochS: () => (wallClock ? clock.originEpochS : 0),
      decode(f, out) {
        const s = f.starts[iTime];
        const e = f.ends[iTime];
        if (wallClock === null) wallClock = Number.isNaN(parseNumber(f.text, s, e)) && !Number.isNaN(clock.parse(f.text, s, e));
        const t = wallClock ? clock.parse(f.text, s, e) : parseNumber(f.text, s, e) * unit;
        if (!Number.isFinite(t)) {
          const expected = wallClock ? 'a timestamp like 2024-05-12 00:00:00.5' : `a number of ${columns.timeUnit}`;
          throw new RowProblem(columns.time, `expected ${expected}, found "${clip(f.get(iTime))}"`);
        }
        out.timeS = t;
        out.promptTokens = tokenField(f, iPrompt, columns.prompt, 1);
        out.outputTokens = tokenField(f, iOutput, columns.output, 0);
        out.failed = out.outputTokens === 0;
        if (iClass >= 0) out.classKey = keys.intern(f.get(iClass));
      },
    };
  });
}
