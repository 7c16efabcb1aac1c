import type { TraceSpec } from '../../workload/scenario.js';
import type { LineReader } from './lineReader.js';
import {
  classColumnIndex,
  columnIndex,
  csvRowSource,
  KeyInterner,
  numberField,
  requireColumn,
  RowProblem,
  tokenField,
  type RowSource,
} from './rowSource.js';

/**
 * Vidur's processed traces: `arrived_at` (seconds from 0), `num_prefill_tokens`,
 * `num_decode_tokens` (splitwise_conv.csv, splitwise_code.csv). Columns are found by name, so
 * extra columns (a pandas index, `num_total_tokens`, `pd_ratio`) are ignored.
 *
 * Without an `arrived_at` column (the arXiv length statistics) the file has no times: rows carry
 * `timeS = NaN` and the reader reports `hasTimes: false`; the simulator pairs the lengths with a
 * synthetic arrival process, as Vidur does.
 */
export function vidurRows(lines: LineReader, spec: TraceSpec): RowSource {
  const keys = new KeyInterner();
  return csvRowSource(lines, (header, line) => {
    const where = {
      file: lines.file,
      line,
      keyPath: 'traffic.trace.format',
      what: 'vidur format (arrived_at,num_prefill_tokens,num_decode_tokens)',
    };
    const iTime = columnIndex(header, 'arrived_at');
    const iPrompt = requireColumn(header, 'num_prefill_tokens', where);
    const iOutput = requireColumn(header, 'num_decode_tokens', where);
    const iClass = classColumnIndex(header, spec.classColumn, lines.file, line);
    return {
      hasTimes: iTime >= 0,
      originEpochS: () => 0,
      decode(f, out) {
        if (iTime >= 0) {
          out.timeS = numberField(f, iTime, 'arrived_at', 'an arrival time in seconds');
          if (out.timeS < 0) throw new RowProblem('arrived_at', `expected seconds >= 0, found ${f.get(iTime)}`);
        } else {
          out.timeS = NaN;
        }
        out.promptTokens = tokenField(f, iPrompt, 'num_prefill_tokens', 1);
        out.outputTokens = tokenField(f, iOutput, 'num_decode_tokens', 0);
        out.failed = out.outputTokens === 0;
        if (iClass >= 0) out.classKey = keys.intern(f.get(iClass));
      },
    };
  });
}
