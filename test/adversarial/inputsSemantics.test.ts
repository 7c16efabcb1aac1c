/**
 * The input items of issues 13 and 20 that are about meaning rather than refusal: each test
 * states its reference and tolerance.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkload } from '../../src/workload/load.js';
import { simulate } from '../../src/simulate.js';
import { arrivalProcess } from '../../src/traffic/arrivalProcess.js';
import { stream } from '../../src/random/streams.js';
import { openTrace } from '../../src/traffic/trace/openTrace.js';
import { plainNumber } from '../../src/output/csv.js';
import { adviceLine } from '../../src/cli/summaryText.js';
import type { TrafficSpec } from '../../src/workload/scenario.js';
import { readAll, traceSpec } from '../trace/helpers.js';

function workload(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'capsim-sem-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return join(dir, 'w.yaml');
}

const azureRow = (s: number, prompt: number, output = 10) =>
  `2024-05-12 00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}+00:00,${prompt},${output}`;

describe('13.5 arrival: poisson over a trace: times from the Poisson clock, lengths from the trace', () => {
  it('a 30-row, 1-row-per-second trace at rate 100 for 30 s gives ~3,000 requests with the trace lengths', () => {
    const rows = Array.from({ length: 30 }, (_, i) => azureRow(i, 100 + i));
    const file = workload({
      'w.yaml': `duration: 30s\ntraffic:\n  rate: 100\n  arrival: poisson\n  trace: { file: t.csv, format: azure }\nclasses:\n  - name: chat\nfleet:\n  gpus: 4\n`,
      't.csv': `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`,
    });
    const run = simulate(loadWorkload(file));
    // Reference: a Poisson count over T has mean and variance lambda T = 3,000; 4 sd = 219.
    expect(Math.abs(run.summary.requests - 3000)).toBeLessThan(4 * Math.sqrt(3000));
    // Lengths cycle through the 30 rows in file order: the mean prompt is the rows' mean
    // (114.5) up to one partial cycle, at most 29 * 15 tokens over ~3,000 requests.
    const meanPrompt = (run.summary as unknown as { input_tokens: number }).input_tokens / run.summary.requests;
    expect(Math.abs(meanPrompt - 114.5)).toBeLessThan(0.2);
  });
});

describe('20.9 burstiness at its bounds keeps the mean arrival count', () => {
  // Reference: a renewal process with mean gap 1/lambda and gap CV c has E N(T) ~ lambda T and
  // Var N(T) ~ c^2 lambda T (renewal CLT, Cox 1962 ch. 3). lambda T = 1e6 here; tolerance 5 sd
  // (c = 10: 5% ; c = 0.01: the 0.1% floor of one gap per 1,000).
  it.each([
    [0.01, 0.001],
    [1, 0.005],
    [10, 0.05],
  ])('burstiness %s: count within %s of lambda T', (cv, tolerance) => {
    const traffic: TrafficSpec = { ratePerS: 10, arrival: 'gamma', burstiness: cv, users: 0, thinkTime: null, dailyProfile: null, weeklyProfile: null, growth: null, trace: null };
    const next = arrivalProcess(traffic, 1e5, stream(7, 'arrivals'));
    let n = 0;
    while (next() !== Infinity) n++;
    expect(Math.abs(n / 1e6 - 1)).toBeLessThan(tolerance);
  });
});

describe('20.20 --skip-bad-rows: one future-dated row is the one skipped', () => {
  it('rows 0..99 s with row 5 dated 9,999 s: 100 rows replayed, 1 bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capsim-sem-'));
    const rows = Array.from({ length: 100 }, (_, i) => azureRow(i, 100));
    rows.splice(5, 0, '2024-05-12 02:46:39+00:00,50,10'); // 9,999 s after the first row
    const file = join(dir, 't.csv');
    writeFileSync(file, `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`);
    const reader = openTrace(traceSpec(file, 'azure'), { skipBadRows: true });
    const replayed = readAll(reader);
    expect(replayed.length).toBe(100);
    expect(reader.badRows).toBe(1);
    expect(replayed.every((r) => r.promptTokens === 100)).toBe(true);
    expect(replayed.at(-1)!.timeS).toBe(99);
  });

  it('a row dated in the past is still the one skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capsim-sem-'));
    const rows = Array.from({ length: 10 }, (_, i) => azureRow(10 + i, 100));
    rows.splice(5, 0, azureRow(1, 50));
    const file = join(dir, 't.csv');
    writeFileSync(file, `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`);
    const reader = openTrace(traceSpec(file, 'azure'), { skipBadRows: true });
    const replayed = readAll(reader);
    expect(replayed.length).toBe(10);
    expect(reader.badRows).toBe(1);
  });
});

describe('13.12 / 20.19 why requests were dropped: summary.json dropped_by_reason', () => {
  const base = `duration: 10m\ntraffic:\n  rate: 2\nclasses:\n  - name: chat\n    prompt_tokens: PROMPT\n    output_tokens: 10\n`;
  const sum = (r: { queue_time: number; kv_memory: number; api_limit: number }) => r.queue_time + r.kv_memory + r.api_limit;

  it('a prompt larger than any replica\'s KV memory: every drop is kv_memory, and the advice says so', () => {
    const s = simulate(loadWorkload(workload({ 'w.yaml': `${base.replace('PROMPT', '10000000')}fleet:\n  gpus: 1\n` })));
    expect(s.summary.requests).toBeGreaterThan(0);
    expect(s.summary.dropped).toBe(s.summary.requests);
    expect(s.summary.dropped_by_reason).toEqual({ queue_time: 0, kv_memory: s.summary.requests, api_limit: 0 });
    expect(s.summary.classes.chat.dropped_by_reason.kv_memory).toBe(s.summary.requests);
    const advice = adviceLine(s.summary, s.hourly, s.hourlyByClass);
    expect(advice).toContain("do not fit in one replica's KV memory");
    expect(advice).not.toContain('capsim plan');
  });

  it('an overloaded fleet with a short queue limit drops for queue time', () => {
    const yaml = `${base.replace('PROMPT', '4000').replace('rate: 2', 'rate: 200')}fleet:\n  gpus: 1\nserving:\n  max_queue_time: 100ms\n`;
    const s = simulate(loadWorkload(workload({ 'w.yaml': yaml })));
    expect(s.summary.dropped_by_reason.queue_time).toBeGreaterThan(0);
    expect(s.summary.dropped_by_reason.kv_memory).toBe(0);
    expect(sum(s.summary.dropped_by_reason)).toBe(s.summary.dropped);
  });

  it('a hosted API rate limit with on_limit: drop drops for api_limit', () => {
    const yaml = `${base.replace('PROMPT', '100')}api:\n  name: gpt-4o-mini\n  use_for: all\n  rate_limit: { requests_per_minute: 10, on_limit: drop }\n`;
    const s = simulate(loadWorkload(workload({ 'w.yaml': yaml })));
    expect(s.summary.dropped_by_reason.api_limit).toBeGreaterThan(0);
    expect(sum(s.summary.dropped_by_reason)).toBe(s.summary.dropped);
  });
});

describe('13.10 plainNumber never writes an exponent', () => {
  it.each([
    [1e21, '1000000000000000000000'],
    [-(2 ** 70), '-1180591620717411303424'],
    [1e-7, '0.0000001'],
    [-1e-13, '0'],
    [123.5, '123.5'],
  ])('%s -> %s', (x, text) => {
    expect(plainNumber(x)).toBe(text);
  });
});
