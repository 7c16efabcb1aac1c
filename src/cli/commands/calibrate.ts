import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import { findGpu, findModel, gpuNames, modelNames } from '../../catalog/catalog.js';
import { inputError } from '../../errors.js';
import { calibrate, type CalibrationResult, type MeasuredStep } from '../../gpu/calibrate.js';
import {
  formatMeasurementsCsv,
  isVidurMlpCsv,
  parseMeasurementsCsv,
  parseVidurMlpCsv,
  REQUIRED_COLUMNS,
  type MeasuredStepRow,
} from '../../gpu/measurements.js';
import { allReduceYaml, fitNetworkDir } from '../../gpu/fitAllReduce.js';
import { vidurSectionFCases } from '../../gpu/vidurCases.js';
import type { RooflineFactors } from '../../gpu/roofline.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';
import { benchJson, formatBenchCalibration, runCalibrateBench, type BenchFlags } from './calibrateBench.js';

interface CalibrateFlags extends BenchFlags {
  bench?: boolean;
  model?: string;
  gpu?: string;
  tp?: string;
  fitIterationOverhead?: boolean;
  allReduce?: boolean;
  vidurCases?: boolean;
  json?: boolean;
  debug?: boolean;
}

export const registerCalibrate: RegisterCommand = (program, io, done) => {
  program
    .command('calibrate')
    .description('fit the GPU model to measured step times; prints the fit and a perf block')
    .argument('<measurements...>', 'CSV file(s) of measured iterations (or Vidur mlp.csv profiles)')
    .addOption(new Option('--model <name>', 'catalog model the measurements ran (when the CSV has no model column)'))
    .addOption(new Option('--gpu <name>', 'catalog GPU the measurements ran on (when the CSV has no gpu column)'))
    .addOption(new Option('--tp <n>', 'GPUs per replica (when the CSV has no tp column)').default('1'))
    .addOption(new Option('--fit-iteration-overhead', 'also fit the fixed per-iteration overhead (needs end-to-end step times)'))
    .addOption(new Option('--all-reduce', 'the argument is a Vidur profiling/network folder: print catalog/allreduce.yaml'))
    .addOption(new Option('--vidur-cases', 'the argument is a Vidur reference folder: print its A100 case table as CSV').hideHelp())
    .addOption(new Option('--bench', 'the files are serving benchmark results (vllm bench serve JSON or a per-request CSV): fit host overheads and GPU efficiency (docs/calibrate.md)'))
    .addOption(new Option('--max-num-seqs <n>', '--bench: the server\'s max_num_seqs (default 256)'))
    .addOption(new Option('--max-batched-tokens <n>', '--bench: the server\'s max_num_batched_tokens'))
    .addOption(new Option('--gpu-memory-utilization <x>', '--bench: the server\'s gpu_memory_utilization (default 0.9)'))
    .addOption(new Option('--scheduler <name>', '--bench: chunked_prefill (vLLM V1) or prefill_first'))
    .addOption(new Option('--rate <req/s>', '--bench: request rate of a file without start times (Poisson)'))
    .addOption(new Option('--concurrency <n>', '--bench: closed-loop users of a file without start times'))
    .addOption(new Option('--fit <list>', '--bench: parameters to fit, from per_request, per_iteration, compute, memory, kv, layer_overhead, blend (default per_request,per_iteration,compute,memory)'))
    .addOption(new Option('--json', 'print the result as JSON'))
    .addOption(new Option('--debug', 'show stack traces of internal errors'))
    .addHelpText(
      'after',
      `
Measurements CSV: a header, then one row per measured iteration.
  required: ${REQUIRED_COLUMNS.join(', ')}
  optional: case (label), prefill_attention (token pairs; default prefill_tokens^2/2),
            model, gpu, tp (else --model, --gpu, --tp)
Vidur's mlp.csv profiles are recognised by their header and read as linear-layer times.

Examples:
  capsim calibrate steps.csv --model llama-3.1-8b --gpu h100-sxm
  capsim calibrate test/fixtures/gpu/a100-llama2-7b-steps.csv \\
      data/reference/vidur/data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv \\
      --model llama-2-7b --gpu a100-80gb
  capsim calibrate --all-reduce data/reference/vidur/data/profiling/network > catalog/allreduce.yaml`,
    )
    .action(async (files: string[], flags: CalibrateFlags) => {
      done(
        await guarded(io, Boolean(flags.debug), () => {
          if (flags.allReduce) {
            const command = `capsim calibrate --all-reduce ${files[0]} > catalog/allreduce.yaml`;
            io.out(allReduceYaml(fitNetworkDir(files[0]!), command));
            return EXIT.ok;
          }
          if (flags.bench) {
            const { result } = runCalibrateBench(files, flags);
            io.out(flags.json ? `${JSON.stringify(benchJson(result), null, 2)}\n` : formatBenchCalibration(result));
            return EXIT.ok;
          }
          if (flags.vidurCases) {
            io.out(formatMeasurementsCsv(vidurSectionFCases(files[0]!)));
            return EXIT.ok;
          }
          const steps = files.flatMap((file) => readSteps(file, flags));
          const result = calibrate(steps, { fitIterationOverhead: Boolean(flags.fitIterationOverhead) });
          for (const w of result.warnings) io.err(`capsim: warning: ${w}\n`);
          io.out(flags.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : formatResult(result, steps.length));
          return EXIT.ok;
        }),
      );
    });
};

function readSteps(file: string, flags: CalibrateFlags): MeasuredStep[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw inputError(`cannot read measurements: ${(error as Error).message}`, { file });
  }
  const tpFlag = Number(flags.tp ?? '1');
  if (!Number.isInteger(tpFlag) || tpFlag < 1 || tpFlag > 8) throw inputError(`--tp expects a whole number from 1 to 8, got '${flags.tp}'`);
  let rows: MeasuredStepRow[];
  if (isVidurMlpCsv(text)) {
    const model = resolveModel(flags.model ?? null, file, 1, 'a Vidur mlp.csv needs --model');
    rows = parseVidurMlpCsv(text, file, model.layers);
  } else rows = parseMeasurementsCsv(text, file);
  return rows.map((row) => {
    const line = row.line ?? 1;
    const model = resolveModel(row.model ?? flags.model ?? null, file, line, 'no model: add a model column or pass --model');
    const gpuName = row.gpu ?? flags.gpu ?? null;
    if (gpuName === null) throw inputError('no GPU: add a gpu column or pass --gpu', { file, line });
    const gpu = findGpu(gpuName);
    if (!gpu) throw inputError(`unknown GPU "${gpuName}"; catalog GPUs: ${gpuNames().join(', ')}`, { file, line, path: 'gpu' });
    return {
      label: row.label,
      prefillTokens: row.prefillTokens,
      prefillAttention: row.prefillAttention,
      decodeSeqs: row.decodeSeqs,
      kvTokens: row.kvTokens,
      stepS: row.stepMs / 1e3,
      model,
      gpu,
      tp: row.tp ?? tpFlag,
      scope: row.scope ?? 'step',
    };
  });
}

function resolveModel(name: string | null, file: string, line: number, missing: string) {
  if (name === null) throw inputError(missing, { file, line });
  const model = findModel(name);
  if (!model) throw inputError(`unknown model "${name}"; catalog models: ${modelNames().join(', ')}`, { file, line, path: 'model' });
  return model;
}

const FACTOR_LABELS: Record<keyof RooflineFactors, [string, (v: number) => string]> = {
  weightBandwidthEff: ['weight_bandwidth_eff', (v) => v.toFixed(3)],
  kvBandwidthEff: ['kv_bandwidth_eff', (v) => v.toFixed(3)],
  computeEff: ['compute_eff', (v) => v.toFixed(3)],
  attentionComputeEff: ['attention_compute_eff', (v) => v.toFixed(3)],
  layerOverheadS: ['layer_overhead', (v) => `${(v * 1e6).toFixed(1)} us`],
  iterationOverheadS: ['iteration_overhead', (v) => `${(v * 1e6).toFixed(1)} us`],
  blendExponent: ['blend_exponent', (v) => v.toFixed(2)],
};

/** Milliseconds with 4 significant digits, as a workload duration string. */
function ms(seconds: number): string {
  return `${Number((seconds * 1e3).toPrecision(4))}ms`;
}

function formatResult(r: CalibrationResult, count: number): string {
  const width = Math.max(4, ...r.rows.map((row) => row.label.length));
  const out = [`${'case'.padEnd(width)}  measured ms  predicted ms  error %`];
  for (const row of r.rows) {
    out.push(
      `${row.label.padEnd(width)}  ${row.measuredMs.toFixed(2).padStart(11)}  ${row.predictedMs.toFixed(2).padStart(12)}  ${row.errorPct.toFixed(1).padStart(7)}`,
    );
  }
  out.push('', `rms error ${r.rmsErrorPct.toFixed(1)}%, max ${r.maxErrorPct.toFixed(1)}% over ${count} measurements`, '');
  out.push('factors (the same for every GPU; src/gpu/roofline.ts BUILTIN_FACTORS):');
  for (const [key, [label, format]] of Object.entries(FACTOR_LABELS) as [keyof RooflineFactors, [string, (v: number) => string]][]) {
    const note = r.fitted.includes(key) ? '' : '  (not fitted: kept)';
    out.push(`  ${label.padEnd(22)} ${format(r.factors[key])}${note}`);
  }
  for (const block of r.perf) {
    const { prefill, decode } = block.perf;
    const flags = [block.fromModel.prefill ? 'prefill' : '', block.fromModel.decode ? 'decode' : ''].filter(Boolean);
    out.push('', `perf block for ${block.model} on ${block.gpu} (gpus_per_replica ${block.tp}), fitted directly to the measured steps:`);
    if (flags.length) out.push(`# ${flags.join(' and ')}: too few measurements, fitted to the calibrated roofline instead`);
    out.push(
      'perf:',
      `  prefill: { base: ${ms(prefill.baseS)}, per_token: ${ms(prefill.perTokenS)} }`,
      `  decode:  { base: ${ms(decode.baseS)}, per_seq: ${ms(decode.perSeqS)}, per_kv_token: ${ms(decode.perKvTokenS)} }`,
    );
  }
  return `${out.join('\n')}\n`;
}

function toJson(r: CalibrationResult): unknown {
  return {
    rows: r.rows.map((row) => ({ case: row.label, measured_ms: row.measuredMs, predicted_ms: row.predictedMs, error_pct: row.errorPct })),
    rms_error_pct: r.rmsErrorPct,
    max_error_pct: r.maxErrorPct,
    factors: Object.fromEntries(
      (Object.keys(FACTOR_LABELS) as (keyof RooflineFactors)[]).map((k) => [
        FACTOR_LABELS[k][0] + (k.endsWith('S') ? '_s' : ''),
        r.factors[k],
      ]),
    ),
    fitted: r.fitted.map((k) => FACTOR_LABELS[k][0]),
    warnings: r.warnings,
    perf: r.perf.map((b) => ({
      model: b.model,
      gpu: b.gpu,
      gpus_per_replica: b.tp,
      from_model: b.fromModel,
      perf: {
        prefill: { base: ms(b.perf.prefill.baseS), per_token: ms(b.perf.prefill.perTokenS) },
        decode: { base: ms(b.perf.decode.baseS), per_seq: ms(b.perf.decode.perSeqS), per_kv_token: ms(b.perf.decode.perKvTokenS) },
      },
    })),
  };
}
