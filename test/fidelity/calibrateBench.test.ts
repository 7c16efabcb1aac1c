import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBenchFile } from '../../src/fidelity/benchFile.js';
import { benchScenario, calibrateBench, type BenchConditions } from '../../src/fidelity/calibrateBench.js';
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
