import { describe, expect, it } from 'vitest';
import { describeValue, formatDuration, parseBandwidth, parseDuration, parseParamCount } from '../../src/workload/units.js';
import { closest, didYouMean, levenshtein } from '../../src/workload/suggest.js';
import { formatPath, parsePath } from '../../src/workload/path.js';

describe('parseDuration', () => {
  it.each([
    [1.5, 1.5],
    [0, 0],
    ['250ms', 0.25],
    ['2s', 2],
    ['5m', 300],
    ['1h', 3600],
    ['24h', 86_400],
    ['180d', 180 * 86_400],
    ['10us', 1e-5],
    ['0.00002ms', 2e-8],
    ['.5s', 0.5],
    ['2 s', 2],
    [' 3h ', 10_800],
  ] as const)('%j is %d s', (input, seconds) => {
    const parsed = parseDuration(input);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value).toBeCloseTo(seconds, 12);
  });

  it.each([
    ['5 minutes', "expected a duration like 250ms, 2s, 5m, 1h; got '5 minutes'"],
    ['24x', "got '24x'"],
    ['', "got ''"],
    ['30', 'a string needs a unit'],
    ['-5s', "must be >= 0, got '-5s'"],
    ['1H', "got '1H'"],
    [true, 'got true'],
    [null, 'got nothing'],
    [[1], 'got a list of 1'],
    [Number.NaN, 'got NaN'],
    [Number.POSITIVE_INFINITY, 'got Infinity'],
  ] as const)('%j is rejected', (input, message) => {
    const parsed = parseDuration(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});

describe('parseParamCount', () => {
  it.each([
    ['8b', 8e9],
    ['70B', 70e9],
    ['1.5t', 1.5e12],
    ['350m', 350e6],
    [8_030_000_000, 8_030_000_000],
  ] as const)('%j is %d', (input, params) => {
    expect(parseParamCount(input)).toEqual({ ok: true, value: params });
  });

  it('rejects words', () => {
    expect(parseParamCount('eight billion')).toEqual({
      ok: false,
      message: "expected a parameter count like 8b, 70B or 8030000000; got 'eight billion'",
    });
  });
});

describe('formatDuration and describeValue', () => {
  it.each([
    [86_400, '24h'],
    [0.25, '250ms'],
    [90, '1.5m'],
    [0, '0s'],
    [2e-6, '2us'],
  ] as const)('%d s -> %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it('describes found values', () => {
    expect(describeValue('x')).toBe("'x'");
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue({ a: 1 })).toBe('a mapping');
    expect(describeValue(-3)).toBe('-3');
  });
});

describe('suggestions', () => {
  it('computes edit distances', () => {
    expect(levenshtein('trafic', 'traffic')).toBe(1);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
  });

  it('suggests the closest key, or nothing when nothing is close', () => {
    expect(didYouMean('trafic', ['name', 'traffic', 'classes'])).toBe('did you mean `traffic`?');
    expect(didYouMean('ttf', ['ttft', 'tpot', 'e2e'])).toBe('did you mean `ttft`?');
    expect(didYouMean('max-batch-size', ['max_batch_size', 'router'])).toBe('did you mean `max_batch_size`?');
    expect(didYouMean('zzzzzzzz', ['name', 'traffic'])).toBeNull();
  });

  it('ranks names that contain the word first', () => {
    expect(closest('h100', ['h200', 'a10g', 'h100-sxm', 'h100-pcie'], 2)).toEqual(['h100-sxm', 'h100-pcie']);
  });
});

describe('key paths', () => {
  it.each([
    ['serving.max_batch_size', ['serving', 'max_batch_size']],
    ['classes[0].weight', ['classes', 0, 'weight']],
    ['classes.0.weight', ['classes', 0, 'weight']],
    ['traffic.daily_profile[3]', ['traffic', 'daily_profile', 3]],
    ['a[1][2].b', ['a', 1, 2, 'b']],
  ] as const)('%s', (text, path) => {
    expect(parsePath(text)).toEqual(path);
  });

  it.each(['', 'a..b', '[0]', '0.a', 'a b', 'a.'])('rejects %j', (text) => {
    expect(parsePath(text)).toBeNull();
  });

  it('formats paths', () => {
    expect(formatPath(['classes', 1, 'slo', 'ttft'])).toBe('classes[1].slo.ttft');
    expect(formatPath([])).toBe('');
  });
});

describe('parseBandwidth', () => {
  // Decimal units; B = bytes, b = bits (/ 8): 400 Gb/s is one 400G NIC, 50 GB/s.
  it.each([
    ['50GB/s', 50e9],
    ['400Gb/s', 50e9],
    ['400Gbps', 50e9],
    ['1.5 TB/s', 1.5e12],
    ['800MB/s', 8e8],
    [1e9, 1e9],
  ] as const)('%s -> %d bytes/s', (input, bytes) => {
    expect(parseBandwidth(input)).toEqual({ ok: true, value: bytes });
  });

  it.each(['50GB', '50 gb/s', 'fast', '-1GB/s'])('rejects %s', (input) => {
    const parsed = parseBandwidth(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain('expected a bandwidth like 50GB/s');
  });
});
