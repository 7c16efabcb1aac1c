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
import { TimestampParser } from './timestamp.js';

/**
 * Azure LLM inference traces (2023 "Splitwise" files and the 2024 week-long files):
 * `TIMESTAMP,ContextTokens,GeneratedTokens`, one request per row, sorted by time.
 * TIMESTAMP is wall-clock text (`2023-11-16 18:17:03.9799600`, or `... +00:00` in 2024);
 * ContextTokens is the prompt, GeneratedTokens the output.
 */
export function azureRows(lines: LineReader, spec: TraceSpec): RowSource {
  const clock = new TimestampParser();
  const keys = new KeyInterner();
  return csvRowSource(lines, (header, line) => {
    const where = {
      file: lines.file,
      line,
      keyPath: 'traffic.trace.format',
      what: 'azure format (header TIMESTAMP,ContextTokens,GeneratedTokens)',
    };
    const iTime = requireColumn(header, 'TIMESTAMP', where);
    const iPrompt = requireColumn(header, 'ContextTokens', where);
    const iOutput = requireColumn(header, 'GeneratedTokens', where);
    const iClass = classColumnIndex(header, spec.classColumn, lines.file, line);
    return {
      hasTimes: true,
      originEpochS: () => clock.originEpochS,
      decode(f, out) {
        const t = clock.parse(f.text, f.starts[iTime], f.ends[iTime]);
        if (Number.isNaN(t)) {
          throw new RowProblem(
            'TIMESTAMP',
            `expected a time like 2023-11-16 18:17:03.9799600 (optionally +00:00), found "${clip(f.get(iTime))}"`,
          );
        }
        out.timeS = t;
        out.promptTokens = tokenField(f, iPrompt, 'ContextTokens', 1);
        out.outputTokens = tokenField(f, iOutput, 'GeneratedTokens', 0);
        out.failed = out.outputTokens === 0;
        if (iClass >= 0) out.classKey = keys.intern(f.get(iClass));
      },
    };
  });
}
