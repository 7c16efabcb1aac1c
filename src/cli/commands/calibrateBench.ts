/**
 * `capsim calibrate --bench FILE...`: the command layer over src/fidelity/calibrateBench.ts
 * (reads the files, checks the flags, prints the measured-vs-fitted table and the workload block).
 */
import { findGpu, findModel, gpuNames, modelNames } from '../../catalog/catalog.js';
import { inputError } from '../../errors.js';
import { readBenchFile, type BenchRun } from '../../fidelity/benchFile.js';
import { calibrateBench, type BenchCalibration, type BenchSummary } from '../../fidelity/calibrateBench.js';
import { FIT_PARAMETERS, type FitParameter } from '../../fidelity/fit.js';

export interface BenchFlags {
  model?: string;
  gpu?: string;
  tp?: string;
  maxNumSeqs?: string;
  maxBatchedTokens?: string;
  gpuMemoryUtilization?: string;
  scheduler?: string;
  rate?: string;
  concurrency?: string;
  fit?: string;
  json?: boolean;
}

const PARAMETER_NAMES: Record<string, FitParameter> = {
  per_request: 'perRequestS',
  per_iteration: 'perIterationS',
  compute: 'compute',
  memory: 'memory',
  kv: 'kv',
  layer_overhead: 'layerOverheadS',
  blend: 'blend',
};

function whole(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw inputError(`--${flag} expects a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw inputError(`--${flag} expects a number > 0, got '${value}'`);
  return n;
}

export function runCalibrateBench(files: readonly string[], flags: BenchFlags): { result: BenchCalibration; runs: BenchRun[] } {
  if (!flags.model) throw inputError('--bench needs --model (a catalog model the benchmark served)');
  if (!flags.gpu) throw inputError('--bench needs --gpu (the catalog GPU the benchmark ran on)');
  if (!findModel(flags.model)) throw inputError(`unknown model "${flags.model}"; catalog models: ${modelNames().join(', ')}`);
  if (!findGpu(flags.gpu)) throw inputError(`unknown GPU "${flags.gpu}"; catalog GPUs: ${gpuNames().join(', ')}`);
  const scheduler = flags.scheduler ?? 'chunked_prefill';
  if (scheduler !== 'chunked_prefill' && scheduler !== 'prefill_first') {
    throw inputError(`--scheduler expects chunked_prefill or prefill_first, got '${scheduler}'`);
  }
  const utilization = flags.gpuMemoryUtilization === undefined ? 0.9 : Number(flags.gpuMemoryUtilization);
  if (!(utilization > 0 && utilization <= 1)) throw inputError(`--gpu-memory-utilization expects 0 < x <= 1, got '${flags.gpuMemoryUtilization}'`);
  const free = (flags.fit ?? 'per_request,per_iteration,compute,memory').split(',').map((name) => {
    const key = PARAMETER_NAMES[name.trim()];
    if (!key) throw inputError(`--fit: unknown parameter '${name}'; choose from ${Object.keys(PARAMETER_NAMES).join(', ')}`);
    return key;
  });
  void FIT_PARAMETERS;
  const rate = positive('rate', flags.rate);
  const concurrency = flags.concurrency === undefined ? undefined : whole('concurrency', flags.concurrency, 1, 1, 1_000_000);
  const runs = files.map((f) => readBenchFile(f, { rate, concurrency }));
  const result = calibrateBench(
    runs,
    {
      model: flags.model,
      gpu: flags.gpu,
      tp: whole('tp', flags.tp, 1, 1, 8),
      maxNumSeqs: whole('max-num-seqs', flags.maxNumSeqs, 256, 1, 100_000),
      maxBatchedTokens: whole('max-batched-tokens', flags.maxBatchedTokens, 8192, 1, 10_000_000),
      gpuMemoryUtilization: utilization,
      scheduler,
    },
    { free },
  );
  return { result, runs };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const err = (p: number, m: number) => (Number.isFinite(p / m) ? `${p >= m ? '+' : ''}${((p / m - 1) * 100).toFixed(1)}%` : '-');

export function formatBenchCalibration(r: BenchCalibration): string {
  const out: string[] = [];
  const metric = (name: string, key: keyof BenchSummary, fmt: (x: number) => string) =>
    r.rows.map((row) =>
      `  ${name.padEnd(12)} ${fmt(row.measured[key]).padStart(10)} ${fmt(row.before[key]).padStart(10)} (${err(row.before[key], row.measured[key]).padStart(7)}) ${fmt(row.fitted[key]).padStart(10)} (${err(row.fitted[key], row.measured[key]).padStart(7)})`,
    );
  for (const [i, row] of r.rows.entries()) {
    out.push(`${row.file} (${row.requests} requests)`, `  ${'metric'.padEnd(12)} ${'measured'.padStart(10)} ${'before'.padStart(10)} ${''.padStart(9)} ${'fitted'.padStart(10)}`);
    out.push(metric('TTFT ms', 'ttftMs', f1)[i]!, metric('TPOT ms', 'tpotMs', f2)[i]!, metric('E2E ms', 'e2eMs', f1)[i]!, metric('req/s', 'throughputRps', f2)[i]!, '');
  }
  out.push(`fitted ${r.free.join(', ')} in ${r.evaluations} simulations; paste into the workload:`, '', r.block);
  return `${out.join('\n')}`;
}

export function benchJson(r: BenchCalibration): unknown {
  return { rows: r.rows, start: r.start, values: r.values, fitted: r.free, evaluations: r.evaluations, block: r.block };
}
