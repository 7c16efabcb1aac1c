// Fits the H100 efficiency factors (catalog/efficiency.yaml) and the host overheads
// (serving.overhead defaults) on the `fit` cases of the fidelity table (run `npm run build` first):
//   node scripts/fit-efficiency.mjs [--evaluations N] [--free perRequestS,perIterationS,...]
// Prints the fitted values and the loss; the search simulates at most 600 requests per case.
import { findGpu } from '../dist/catalog/catalog.js';
import { fidelityCases } from '../dist/fidelity/cases.js';
import { currentValues, fitCases, FIT_PARAMETERS } from '../dist/fidelity/fit.js';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const gpuName = arg('gpu') ?? 'h100-sxm';
const free = (arg('free') ?? FIT_PARAMETERS.join(',')).split(',');
const cases = fidelityCases().filter((c) => c.role === 'fit' && c.gpu === gpuName && !c.saturated);
// A GPU outside the catalog (inline in its cases) starts from the factors of --factors-of (default: the built-in ones of a100-80gb).
const start = currentValues(findGpu(gpuName) ?? findGpu(arg('factors-of') ?? 'a100-80gb'), Number(arg('per-request') ?? 0.01), Number(arg('per-iteration') ?? 0.0005));
// Fitted with serving.overhead.output_iterations at its default (1): a token reaches the client one iteration after it is computed.
const result = fitCases(cases, gpuName, start, free, { maxEvaluations: Number(arg('evaluations') ?? 150), maxRequests: 600 });
console.log(JSON.stringify({ gpu: gpuName, cases: cases.length, free, start, ...result }, null, 2));
