import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openTrace } from '../../src/traffic/trace/openTrace.js';
import { traceStats } from '../../src/traffic/trace/stats.js';
import type { TraceFormat, TraceSpec } from '../../src/workload/scenario.js';
import { readAll, tempDir, traceSpec } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const AZURE_HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens';
const az = (s: number, prompt: string | number = 100, output: string | number = 10) =>
  `2023-11-16 18:00:${String(s).padStart(2, '0')}.0000000,${prompt},${output}`;
const mc = (ms: number, input = 100, output = 10) =>
  JSON.stringify({ timestamp: ms, input_length: input, output_length: output, hash_ids: [ms] });

const csvColumns: Partial<TraceSpec> = {
  columns: { time: 't', timeUnit: 's', prompt: 'p', output: 'o', class: null },
};

/**
 * Each case: a file whose line `line` is the only bad row among good ones (3 good rows), the
 * column the error must name, and a pattern for what was expected.
 */
const cases: [string, TraceFormat, string[], number, string, RegExp, Partial<TraceSpec>?][] = [
  ['too few fields', 'azure', [AZURE_HEAD, az(0), `2023-11-16 18:00:01.0,5`, az(2), az(3)], 3, '', /expected 3 fields .* found 2/],
  ['too many fields', 'azure', [AZURE_HEAD, az(0), az(1), `${az(2)},7`, az(3)], 4, '', /expected 3 fields .* found 4/],
  ['non-numeric prompt', 'azure', [AZURE_HEAD, az(0), az(1, 'abc'), az(2), az(3)], 3, 'ContextTokens', /whole number of tokens, found "abc"/],
  ['empty output', 'azure', [AZURE_HEAD, az(0), az(1, 5, ''), az(2), az(3)], 3, 'GeneratedTokens', /found nothing/],
  ['negative output', 'azure', [AZURE_HEAD, az(0), az(1), az(2, 5, -4), az(3)], 4, 'GeneratedTokens', /negative count -4/],
  ['zero prompt tokens', 'azure', [AZURE_HEAD, az(0), az(1, 0), az(2), az(3)], 3, 'ContextTokens', /at least 1 token, found 0/],
  ['fractional tokens', 'azure', [AZURE_HEAD, az(0), az(1, 12.5), az(2), az(3)], 3, 'ContextTokens', /whole number of tokens, found 12.5/],
  ['bad timestamp', 'azure', [AZURE_HEAD, az(0), '2023-13-16 18:00:01.0,5,5', az(2), az(3)], 3, 'TIMESTAMP', /expected a time like/],
  ['time going backwards', 'azure', [AZURE_HEAD, az(0), az(5), az(1), az(6)], 4, '', /time goes backwards: 4 s before/],
  ['bad JSON', 'mooncake', [mc(0), mc(1), '{"timestamp": 2, "input_length": 5,', mc(3)], 3, '', /invalid JSON/],
  ['JSON not an object', 'mooncake', [mc(0), '[1, 2, 3]', mc(1), mc(3)], 2, '', /one JSON object per line/],
  ['missing input_length', 'mooncake', [mc(0), mc(1), '{"timestamp": 2, "output_length": 5}', mc(3)], 3, 'input_length', /found nothing/],
  ['string timestamp', 'mooncake', [mc(0), '{"timestamp": "2", "input_length": 5, "output_length": 5}', mc(2), mc(3)], 2, 'timestamp', /milliseconds >= 0/],
  ['bad hash ids', 'mooncake', [mc(0), mc(1), mc(2), '{"timestamp": 3, "input_length": 5, "output_length": 5, "hash_ids": [1, -2]}'], 4, 'hash_ids', /block ids >= 0, found -2/],
  ['mooncake backwards', 'mooncake', [mc(0), mc(2000), mc(1000), mc(3000)], 3, '', /time goes backwards: 1 s/],
  ['vidur bad arrival', 'vidur', ['arrived_at,num_prefill_tokens,num_decode_tokens', '0,1,1', '0.5,1,1', 'soon,1,1', '2,1,1'], 4, 'arrived_at', /arrival time in seconds, found "soon"/],
  ['vidur negative prefill', 'vidur', ['arrived_at,num_prefill_tokens,num_decode_tokens', '0,1,1', '0.5,-1,1', '1,1,1', '2,1,1'], 3, 'num_prefill_tokens', /negative/],
  ['burstgpt bad response', 'burstgpt', ['Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type', '1,ChatGPT,5,5,10,API log', '2,ChatGPT,5,x,10,API log', '3,GPT-4,5,5,10,API log', '4,GPT-4,5,5,10,API log'], 3, 'Response tokens', /found "x"/],
  ['csv bad time', 'csv', ['t,p,o', '0,1,1', '1,1,1', 'later,1,1', '3,1,1'], 4, 't', /number of s, found "later"/, csvColumns],
  ['csv after a multi-line quoted record', 'csv', ['t,p,o,note', '0,1,1,"two', 'lines"', '1,1,1,x', '2,1,z,x', '3,1,1,x'], 5, 'o', /found "z"/, { columns: { time: 't', timeUnit: 's', prompt: 'p', output: 'o', class: 'note' } }],
];

describe.each(cases)('bad row: %s', (name, format, lines, line, column, pattern, more) => {
  const file = tmp.write(`${name.replace(/\W+/g, '-')}.${format === 'mooncake' ? 'jsonl' : 'csv'}`, `${lines.join('\n')}\n`);
  const spec = traceSpec(file, format, more ?? {});

  it('is an InputError naming file:line, the column and what was expected', () => {
    const reader = openTrace(spec);
    let error: unknown;
    try {
      readAll(reader);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const [p] = (error as InputError).problems;
    expect(p.file).toBe(file);
    expect(p.line).toBe(line);
    expect(p.message).toMatch(pattern);
    if (column) expect(p.message).toContain(`column "${column}"`);
    expect((error as InputError).message).toContain(`${file}:${line}: `);
  });

  it('with skipBadRows is skipped and counted', () => {
    const reader = openTrace(spec, { skipBadRows: true });
    const rows = readAll(reader);
    expect(reader.badRows).toBe(1);
    expect(reader.skipped).toBe(1);
    expect(rows.length).toBe(3);
    for (let i = 1; i < rows.length; i++) expect(rows[i].timeS).toBeGreaterThanOrEqual(rows[i - 1].timeS);
    expect(traceStats(spec, { skipBadRows: true })).toMatchObject({ rows: 3, badRows: 1, skipped: 1 });
  });
});

describe('not skippable', () => {
  it('an unclosed quote is an error even with skipBadRows', () => {
    const file = tmp.write('unclosed.csv', 't,p,o\n0,1,1\n1,"2,1\n2,1,1\n');
    const spec = traceSpec(file, 'csv', csvColumns);
    expect(() => readAll(openTrace(spec, { skipBadRows: true }))).toThrowError(/:3: a quoted field is never closed/);
  });

  it('many bad rows are all counted', () => {
    const rows = [AZURE_HEAD];
    for (let i = 0; i < 50; i++) rows.push(i % 5 === 0 ? az(i, 'n/a') : az(i));
    const reader = openTrace(traceSpec(tmp.write('many.csv', rows.join('\n')), 'azure'), { skipBadRows: true });
    expect(readAll(reader).length).toBe(40);
    expect(reader.badRows).toBe(10);
  });
});
