// Does `capsim calibrate --bench` help on data it was not fitted on? (run `npm run build` first)
//
//   node scripts/calibrate-heldout.mjs [--fit=ID] [--check=ID,...] [--free=perIterationS,memory,...]
//
// Fits with the calibrate --bench procedure (src/fidelity/calibrateBench.ts) on one held-out trace
// case of the fidelity table (default: the RTX PRO 6000 Llama-3.1-8B run), then replays the other
// cases on the same GPU (default: RTX PRO 6000 Qwen3-32B TP 2) before and after, and prints the
// signed errors. The trace cases are on GPUs outside the catalog, which the CLI's --gpu cannot
// name, so this drives the library with the case's inline GPU; the fit itself is the CLI's.
import { calibrateBench } from '../dist/fidelity/calibrateBench.js';
import { fidelityCases, REFERENCE_DIR } from '../dist/fidelity/cases.js';
import { llmServingSimBenchRuns } from '../dist/fidelity/llmServingSimRuns.js';
import { overridesFor } from '../dist/fidelity/fit.js';
import { caseScenario, runCase } from '../dist/fidelity/runCase.js';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const fitId = arg('fit', 'rtxpro6000-llama-3.1-8b-sharegpt');
const checkIds = arg('check', 'rtxpro6000-qwen3-32b-sharegpt').split(',');
const free = arg('free', 'perIterationS,compute,memory').split(',');

const cases = fidelityCases();
const fitCase = cases.find((c) => c.id === fitId);
if (!fitCase?.trace) throw new Error(`${fitId}: not a trace case`);
const gpu = caseScenario(fitCase).pools[0].gpu;

// The trace as a per-request benchmark file gives it: start, lengths, measured TTFT and E2E.
const run = llmServingSimBenchRuns(REFERENCE_DIR).get(fitId);
const conditions = {
  model: fitCase.model, gpu, tp: fitCase.tp, maxNumSeqs: fitCase.maxNumSeqs, maxBatchedTokens: fitCase.maxBatchedTokens,
  gpuMemoryUtilization: fitCase.gpuMemoryUtilization, scheduler: fitCase.scheduler,
};
const prior = !process.argv.includes("--no-prior");
const result = calibrateBench([run], conditions, { free, perRequestS: 1e-4, perIterationS: 0.00048, maxEvaluations: 80, prior });
console.log(`fitted on ${fitId} (free: ${free.join(', ')}), ${result.evaluations} evaluations:`);
for (const k of free) console.log(`  ${k}: ${result.start[k].toPrecision(4)} -> ${result.values[k].toPrecision(4)}`);

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const show = (label, c, p) =>
  console.log(`  ${label.padEnd(7)} TTFT ${pct(p.ttftMs / c.measured.ttftMs - 1)}  TPOT ${pct(p.tpotMs / c.measured.tpotMs - 1)}  E2E ${pct(p.e2eMs / c.measured.e2eMs - 1)}  req/s ${pct(p.throughputRps / c.measured.throughputRps - 1)}`);
for (const id of [fitId, ...checkIds]) {
  const c = cases.find((x) => x.id === id);
  const caseGpu = caseScenario(c).pools[0].gpu;
  const fitted = overridesFor(caseGpu, { ...result.values, perRequestS: c.perRequestOverheadS ?? result.values.perRequestS });
  console.log(`${id}${id === fitId ? ' (fitted on)' : ' (held out of the calibration)'}:`);
  show('before', c, runCase(c));
  show('after', c, runCase(c, fitted));
}
