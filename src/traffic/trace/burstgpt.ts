import type { TraceSpec } from '../../workload/scenario.js';
import type { LineReader } from './lineReader.js';
import {
  classColumnIndex,
  csvRowSource,
  KeyInterner,
  numberField,
  requireColumn,
  RowProblem,
  tokenField,
  type RowSource,
} from './rowSource.js';

/**
 * BurstGPT (Azure OpenAI GPT-3.5/GPT-4 service logs):
 * `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type` (file 3 adds
 * `Session ID` and `Elapsed time`). Timestamp is seconds since midnight of the trace's first day
 * (local time). A failed request has `Response tokens` = 0: it is skipped and counted as failed.
 * `Model` (ChatGPT, GPT-4) is the natural `class_column`.
 */
export function burstgptRows(lines: LineReader, spec: TraceSpec): RowSource {
  const keys = new KeyInterner();
  return csvRowSource(lines, (header, line) => {
    const where = {
      file: lines.file,
      line,
      keyPath: 'traffic.trace.format',
      what: 'burstgpt format (Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type)',
    };
    const iTime = requireColumn(header, 'Timestamp', where);
    const iPrompt = requireColumn(header, 'Request tokens', where);
    const iOutput = requireColumn(header, 'Response tokens', where);
    const iClass = classColumnIndex(header, spec.classColumn, lines.file, line);
    return {
      hasTimes: true,
      originEpochS: () => 0,
      decode(f, out) {
        out.timeS = numberField(f, iTime, 'Timestamp', 'seconds since the first day\'s midnight');
        if (out.timeS < 0) throw new RowProblem('Timestamp', `expected seconds >= 0, found ${f.get(iTime)}`);
        out.outputTokens = tokenField(f, iOutput, 'Response tokens', 0);
        if (out.outputTokens === 0) {
          out.failed = true;
          return;
        }
        out.promptTokens = tokenField(f, iPrompt, 'Request tokens', 1);
        if (iClass >= 0) out.classKey = keys.intern(f.get(iClass));
      },
    };
  });
}
