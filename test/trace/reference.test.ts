import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/traffic/trace/openTrace.js';
import { traceStats } from '../../src/traffic/trace/stats.js';
import {
  AZURE_CODE,
  AZURE_CONV,
  MOONCAKE_CONV,
  readAll,
  traceSpec,
  VIDUR_ARXIV,
  VIDUR_CODE,
  VIDUR_CONV,
} from './helpers.js';

/**
 * Independent parse of a whole Azure 2023 file: split the text, time as BigInt 100 ns ticks.
 * Deliberately nothing shared with the streamed reader.
 */
function azureByHand(file: string) {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(lines[0].trim()).toBe('TIMESTAMP,ContextTokens,GeneratedTokens');
  return lines.slice(1).map((line) => {
    const [stamp, prompt, output] = line.trim().split(',');
    const [date, clock] = stamp.split(' ');
    const [y, mo, d] = date.split('-').map(Number);
    const [h, mi, sec] = clock.split(':');
    const [whole, frac = ''] = sec.split('.');
    const ticks =
      BigInt(Date.UTC(y, mo - 1, d)) * 10_000n +
      (BigInt(h) * 3600n + BigInt(mi) * 60n + BigInt(whole)) * 10_000_000n +
      BigInt(frac.padEnd(7, '0'));
    return { ticks, prompt: Number(prompt), output: Number(output) };
  });
}

describe.each([
  ['code', AZURE_CODE, 8819],
  ['conv', AZURE_CONV, 19_366],
])('Azure 2023 %s trace replay', (_name, file, rowCount) => {
  const expected = azureByHand(file);
  const reader = openTrace(traceSpec(file, 'azure'));
  const rows = readAll(reader);

  it('reproduces every request, token count and arrival time', () => {
    expect(expected.length).toBe(rowCount); // README figure, as a sanity check of the hand parser
    expect(rows.length).toBe(expected.length);
    expect(reader.rows).toBe(expected.length);
    expect(reader.skipped).toBe(0);
    const t0 = expected[0].ticks;
    let promptSum = 0;
    let outputSum = 0;
    for (let i = 0; i < rows.length; i++) {
      expect(rows[i].promptTokens).toBe(expected[i].prompt);
      expect(rows[i].outputTokens).toBe(expected[i].output);
      // Exact to far below the files' 100 ns resolution.
      expect(Math.abs(rows[i].timeS - Number(expected[i].ticks - t0) / 1e7)).toBeLessThan(1e-9);
      promptSum += rows[i].promptTokens;
      outputSum += rows[i].outputTokens;
    }
    expect(promptSum).toBe(expected.reduce((a, r) => a + r.prompt, 0));
    expect(outputSum).toBe(expected.reduce((a, r) => a + r.output, 0));
  });

  it('counts arrivals per hour as the timestamps say', () => {
    const t0 = expected[0].ticks;
    const perHour: number[] = [];
    for (const r of expected) {
      const hour = Number((r.ticks - t0) / 36_000_000_000n);
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    const stats = traceStats({ file, format: 'azure' });
    expect(stats.ratePerHour).toEqual(Array.from(perHour, (c) => c ?? 0));
    expect(stats.rows).toBe(expected.length);
    expect(stats.spanS).toBeCloseTo(Number(expected[expected.length - 1].ticks - t0) / 1e7, 9);
    expect(stats.firstS).toBeCloseTo(Number(t0) / 1e7, 5); // seconds since 1970, zoneless read as UTC
  });
});

describe('Azure 2023 statistics match the reference README', () => {
  it.each([
    [AZURE_CODE, { rows: 8819, spanS: 3436, promptP50: 1469, promptMax: 7437, outputP50: 13, gapMedianS: 0.064, gapCv: 13.2 }],
    [AZURE_CONV, { rows: 19_366, spanS: 3502, promptP50: 1020, promptMax: 14_050, outputP50: 129, gapMedianS: 0.118, gapCv: 1.09 }],
  ])('%s', (file, want) => {
    const s = traceStats({ file, format: 'azure' });
    expect(s.rows).toBe(want.rows);
    expect(Math.round(s.spanS ?? 0)).toBe(want.spanS);
    expect(s.promptTokens.p50).toBe(want.promptP50);
    expect(s.promptTokens.max).toBe(want.promptMax);
    expect(s.outputTokens.p50).toBe(want.outputP50);
    expect(s.gapMedianS).toBeCloseTo(want.gapMedianS, 3);
    expect(Math.abs((s.gapCv ?? 0) - want.gapCv)).toBeLessThan(0.05);
    expect(s.gapsExact).toBe(true);
  });
});

describe('Mooncake conversation trace replay', () => {
  const expected = readFileSync(MOONCAKE_CONV, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { timestamp: number; input_length: number; output_length: number; hash_ids: number[] });

  it('reproduces every request, token count, time and hash id', () => {
    const reader = openTrace(traceSpec(MOONCAKE_CONV, 'mooncake'));
    const rows = readAll(reader);
    expect(rows.length).toBe(expected.length);
    expect(rows.length).toBe(12_031);
    let promptSum = 0;
    let outputSum = 0;
    for (let i = 0; i < rows.length; i++) {
      const e = expected[i];
      expect(rows[i].timeS).toBe((e.timestamp - expected[0].timestamp) / 1000);
      expect(rows[i].promptTokens).toBe(e.input_length);
      expect(rows[i].outputTokens).toBe(e.output_length);
      expect(rows[i].hashIds).toEqual(e.hash_ids);
      promptSum += rows[i].promptTokens;
      outputSum += rows[i].outputTokens;
    }
    expect(promptSum).toBe(expected.reduce((a, r) => a + r.input_length, 0));
    expect(outputSum).toBe(expected.reduce((a, r) => a + r.output_length, 0));
  });

  it('prefix reuse equals an independent computation (README: 0.366)', () => {
    // Independent: a set of whole prefixes (id sequences), not of single ids.
    const seenPrefixes = new Set<string>();
    let total = 0;
    let reused = 0;
    for (const row of expected) {
      let key = '';
      let leading = true;
      for (const id of row.hash_ids) {
        key += `${id},`;
        if (leading && seenPrefixes.has(key)) reused++;
        else leading = false;
        seenPrefixes.add(key);
      }
      total += row.hash_ids.length;
    }
    const stats = traceStats({ file: MOONCAKE_CONV, format: 'mooncake' });
    expect(stats.prefixReuse).toBeCloseTo(reused / total, 12);
    expect(stats.prefixReuse).toBeCloseTo(0.366, 3);
    expect(stats.hashBlocks?.total).toBe(total);
    expect(stats.hashBlocks?.maxPerRequest).toBe(247);
    expect(stats.hashBlocks?.mismatched).toBe(0);
    expect(stats.spanS).toBe(3536.999);
  });
});

describe('Vidur processed traces', () => {
  it.each([
    [VIDUR_CONV, AZURE_CONV],
    [VIDUR_CODE, AZURE_CODE],
  ])('%s has the same rows as the Azure file', (vidurFile, azureFile) => {
    const vidur = readAll(openTrace(traceSpec(vidurFile, 'vidur')));
    const azure = readAll(openTrace(traceSpec(azureFile, 'azure')));
    expect(vidur.length).toBe(azure.length);
    for (let i = 0; i < vidur.length; i++) {
      expect(vidur[i].promptTokens).toBe(azure[i].promptTokens);
      expect(vidur[i].outputTokens).toBe(azure[i].outputTokens);
      // Vidur writes arrival seconds with 6 decimals.
      expect(Math.abs(vidur[i].timeS - azure[i].timeS)).toBeLessThan(1.5e-6);
    }
  });

  it('the arXiv length statistics have no times: hasTimes false, timeS NaN', () => {
    const lines = readFileSync(VIDUR_ARXIV, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(1);
    const reader = openTrace(traceSpec(VIDUR_ARXIV, 'vidur'));
    expect(reader.hasTimes).toBe(false);
    const rows = readAll(reader);
    expect(rows.length).toBe(lines.length);
    expect(rows.length).toBe(28_257);
    expect(rows.every((r) => Number.isNaN(r.timeS))).toBe(true);
    const prefill = lines.reduce((a, l) => a + Number(l.split(',')[0]), 0);
    const decode = lines.reduce((a, l) => a + Number(l.split(',')[1]), 0);
    expect(rows.reduce((a, r) => a + r.promptTokens, 0)).toBe(prefill);
    expect(rows.reduce((a, r) => a + r.outputTokens, 0)).toBe(decode);
    const stats = traceStats({ file: VIDUR_ARXIV, format: 'vidur' });
    expect(stats.hasTimes).toBe(false);
    expect(stats.spanS).toBeNull();
    expect(stats.ratePerHour).toEqual([]);
    expect(Math.round(stats.promptTokens.mean)).toBe(2588);
  });
});
