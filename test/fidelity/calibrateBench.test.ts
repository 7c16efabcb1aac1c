import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBenchFile } from '../../src/fidelity/benchFile.js';
import { benchScenario, calibrateBench, priorLoss, PRIOR_SIGMA, type BenchConditions } from '../../src/fidelity/calibrateBench.js';
import { replayOpen } from '../../src/fidelity/replay.js';
import { stream } from '../../src/random/streams.js';
import { findGpu } from '../../src/catalog/catalog.js';
import { exponential } from '../../src/random/sample.js';

/**
 * Round trip: capsim itself produces two benchmark files (Poisson at 4 and 12 req/s, lengths
 * varying per request) with known host overheads (per_request 20 ms, per_iteration 1.5 ms) on the
 * built-in H100 factors; `calibrateBench`, started from other values (5 ms, 0.5 ms), must recover
 * both within 5% — the simulator is deterministic, so the true values reproduce the files exactly.
 */
const conditions: BenchConditions = {
  model: 'llama-3.1-8b',
  gpu: 'h100-sxm',
  tp: 1,
  maxNumSeqs: 256,
  maxBatchedTokens: 8192,
  gpuMemoryUtilization: 0.9,
  scheduler: 'chunked_prefill',
};
const TRUE = { per_request: 0.02, per_iteration: 0.0015, output_iterations: 1 };

function syntheticCsv(dir: string, name: string, rate: number, n: number): string {
  const u = stream(7, `synthetic:${name}`);
  let t = 0;
  const requests = Array.from({ length: n }, () => ({
    startS: (t += exponential(u, 1 / rate)),
    promptTokens: 200 + Math.floor(u() * 1800),
    outputTokens: 20 + Math.floor(u() * 300),
  }));
  const scenario = benchScenario(conditions, { serving: { overhead: TRUE } });
  const replayed = replayOpen(scenario, requests);
  const rows = replayed.map((r, i) =>
    [requests[i]!.promptTokens, requests[i]!.outputTokens, (r.ttftS * 1e3).toFixed(6), (r.e2eS * 1e3).toFixed(6), requests[i]!.startS.toFixed(9)].join(','),
  );
  const file = path.join(dir, name);
  writeFileSync(file, `input_tokens,output_tokens,ttft_ms,e2e_ms,start_s\n${rows.join('\n')}\n`);
  return file;
}

describe('capsim calibrate --bench on a benchmark capsim produced', () => {
  it('recovers per_request and per_iteration within 5%', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capsim-bench-'));
    const runs = [syntheticCsv(dir, 'low.csv', 4, 200), syntheticCsv(dir, 'high.csv', 12, 300)].map((f) => readBenchFile(f));
    const result = calibrateBench(runs, conditions, { free: ['perRequestS', 'perIterationS'], perRequestS: 0.005, perIterationS: 0.0005 });
    expect(Math.abs(result.values.perRequestS / TRUE.per_request - 1)).toBeLessThan(0.05);
    expect(Math.abs(result.values.perIterationS / TRUE.per_iteration - 1)).toBeLessThan(0.05);
    // The fitted replay reproduces the measured means (and the start was visibly off).
    for (const row of result.rows) {
      expect(Math.abs(row.fitted.ttftMs / row.measured.ttftMs - 1)).toBeLessThan(0.02);
      expect(Math.abs(row.fitted.tpotMs / row.measured.tpotMs - 1)).toBeLessThan(0.02);
      expect(row.before.ttftMs).toBeLessThan(row.measured.ttftMs * 0.9);
    }
    expect(result.block).toContain('per_request: ');
    expect(result.block).toContain('efficiency:');
  });
});

describe('capsim calibrate --bench on a GPU given as a resolved spec', () => {
  it('fits exactly as with the catalog name of the same GPU (the route for GPUs outside the catalog)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capsim-bench-'));
    const runs = [readBenchFile(syntheticCsv(dir, 'one.csv', 6, 80))];
    const options = { free: ['perIterationS', 'memory'] as const, perRequestS: 0.005, perIterationS: 0.0005, maxEvaluations: 6 };
    const byName = calibrateBench(runs, conditions, { ...options, free: [...options.free] });
    const bySpec = calibrateBench(runs, { ...conditions, gpu: findGpu('h100-sxm')! }, { ...options, free: [...options.free] });
    expect(bySpec.values).toEqual(byName.values);
    expect(bySpec.rows).toEqual(byName.rows);
    expect(bySpec.block).toBe(byName.block);
  });
});

describe('capsim calibrate --bench with more factors free than one file pins', () => {
  /**
   * One file (two means) and three free parameters: per_iteration, compute and memory trade off
   * along a valley of equally good fits (the file was made with per_iteration 1.5 ms at the built-in
   * factors; the search starts at 0.5 ms). With the prior (calibrateBench.ts PRIOR_SIGMA,
   * MEASUREMENT_SIGMA) the fit must reproduce the file's means within 2%, keep every factor within
   * 2 prior sigmas of its start (no drift to a cap), and end nearer the start, by the prior's
   * measure, than the least-squares fit without it does.
   */
  it('reproduces the means with the factors nearest their start', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capsim-bench-'));
    const runs = [readBenchFile(syntheticCsv(dir, 'only.csv', 10, 250))];
    const free = ['perIterationS', 'compute', 'memory'] as const;
    const options = { free: [...free], perRequestS: 0.02, perIterationS: 0.0005, maxEvaluations: 90 };
    const withPrior = calibrateBench(runs, conditions, options);
    const without = calibrateBench(runs, conditions, { ...options, prior: false });
    const row = withPrior.rows[0]!;
    expect(Math.abs(row.fitted.ttftMs / row.measured.ttftMs - 1)).toBeLessThan(0.02);
    expect(Math.abs(row.fitted.tpotMs / row.measured.tpotMs - 1)).toBeLessThan(0.02);
    for (const k of free) expect(Math.abs(Math.log(withPrior.values[k] / withPrior.start[k]))).toBeLessThan(2 * PRIOR_SIGMA[k]);
    expect(priorLoss(withPrior.start, withPrior.values, free)).toBeLessThanOrEqual(priorLoss(without.start, without.values, free));
  });

  it('priorLoss is 0 at the start and (ln(value / start) / sigma)^2 summed over the free parameters', () => {
    const start = { perRequestS: 0.01, perIterationS: 0.001, compute: 0.7, memory: 0.8, kv: 0.9, layerOverheadS: 3e-5, blend: 2 };
    expect(priorLoss(start, start, ['compute', 'memory', 'perIterationS'])).toBe(0);
    const moved = { ...start, compute: 0.7 * Math.exp(0.2), perIterationS: 0.001 * Math.exp(1.5), kv: 0.1 };
    // kv is not free: it costs nothing. compute one sigma (0.2) away, per_iteration one sigma (1.5).
    expect(priorLoss(start, moved, ['compute', 'memory', 'perIterationS'])).toBeCloseTo(2, 10);
  });
});
