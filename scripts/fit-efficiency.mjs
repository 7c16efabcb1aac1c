// Fits a GPU's efficiency factors (catalog/efficiency.yaml) and the host overheads (serving.overhead
// defaults, src/workload/resolve.ts) on the `fit` cases of the fidelity table (run `npm run build` first):
//   node scripts/fit-efficiency.mjs [--gpu=h100-sxm] [--evaluations=N] [--free=perRequestS,perIterationS,...]
// Prints the fitted values and the loss; the search simulates at most 600 requests per case.
import { BUILTIN_FACTORS } from '../dist/gpu/roofline.js';
import { fidelityCases } from '../dist/fidelity/cases.js';
import { fitCases, FIT_PARAMETERS, valuesOf } from '../dist/fidelity/fit.js';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const gpuName = arg('gpu') ?? 'h100-sxm';
const free = (arg('free') ?? FIT_PARAMETERS.join(',')).split(',');
const cases = fidelityCases().filter((c) => c.role === 'fit' && c.gpu === gpuName && !c.saturated);
// The search starts from the built-in (A100 kernel-fit) factors, as the fits of catalog/efficiency.yaml
// did, so that re-running a fit does not start from the entry it is meant to reproduce.
const start = valuesOf(BUILTIN_FACTORS, Number(arg('per-request') ?? 0.01), Number(arg('per-iteration') ?? 0.0005));
// Fitted with serving.overhead.output_iterations at its default (1): a token reaches the client one iteration after it is computed.
const result = fitCases(cases, gpuName, start, free, { maxEvaluations: Number(arg('evaluations') ?? 150), maxRequests: 600 });
console.log(JSON.stringify({ gpu: gpuName, cases: cases.length, free, start, ...result }, null, 2));
