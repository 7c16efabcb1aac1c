import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readTraceColumn } from '../../src/traffic/trace/readColumn.js';
import { AZURE_CONV, fixture, MOONCAKE_CONV, tempDir, VIDUR_ARXIV } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function problem(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems[0];
  }
  throw new Error('expected an InputError');
}

describe('readTraceColumn', () => {
  it('reads a CSV column by header name, in file order', () => {
    const byHand = readFileSync(AZURE_CONV, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(readTraceColumn(AZURE_CONV, 'ContextTokens')).toEqual(byHand);
  });

  it('reads decimal columns', () => {
    const values = readTraceColumn(VIDUR_ARXIV, 'pd_ratio');
    expect(values.length).toBe(28_257);
    expect(values[0]).toBe(69.85185185185185);
  });

  it('reads a JSONL key', () => {
    const byHand = readFileSync(MOONCAKE_CONV, 'utf8').trim().split('\n').map((l) => JSON.parse(l).output_length as number);
    expect(readTraceColumn(MOONCAKE_CONV, 'output_length')).toEqual(byHand);
  });

  it('reads quoted headers', () => {
    expect(readTraceColumn(fixture('user_quoted.csv'), 'prompt, tokens')).toEqual([100, 200, 300, 400, 500]);
  });

  it('an unknown CSV column lists the available ones', () => {
    const p = problem(() => readTraceColumn(AZURE_CONV, 'InputTokens', 'classes[0].prompt_tokens.column'));
    expect(p.message).toBe('no column "InputTokens" in the header; the columns are: "TIMESTAMP", "ContextTokens", "GeneratedTokens"');
    expect(p.line).toBe(1);
    expect(p.path).toBe('classes[0].prompt_tokens.column');
  });

  it('an unknown JSONL key lists the keys', () => {
    expect(problem(() => readTraceColumn(MOONCAKE_CONV, 'prompt')).message).toMatch(/no key "prompt".*"timestamp", "input_length", "output_length", "hash_ids"/);
  });

  it('a non-numeric value names file:line and the column', () => {
    const file = tmp.write('bad.csv', 'a,b\n1,2\n3,x\n');
    const p = problem(() => readTraceColumn(file, 'b'));
    expect(p).toMatchObject({ file, line: 3, message: 'column "b": expected a number, found "x"' });
  });

  it('a JSON value that is not a number names the line', () => {
    const file = tmp.write('bad.jsonl', '{"n": 1}\n{"n": "2"}\n');
    expect(problem(() => readTraceColumn(file, 'n'))).toMatchObject({ line: 2, message: 'key "n": expected a number, found "2"' });
  });

  it('a short row names its line', () => {
    const file = tmp.write('short.csv', 'a,b\n1,2\n3\n');
    expect(problem(() => readTraceColumn(file, 'a'))).toMatchObject({ line: 3 });
  });

  it('a missing file names the file and the key path', () => {
    expect(problem(() => readTraceColumn('/no/such.csv', 'a', 'classes[1].output_tokens.file'))).toMatchObject({
      file: '/no/such.csv',
      path: 'classes[1].output_tokens.file',
    });
  });
});
