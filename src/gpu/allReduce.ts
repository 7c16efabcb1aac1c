/**
 * Cost of the tensor-parallel all-reduces, from the constants in `catalog/allreduce.yaml`
 * (fitted to Vidur's measured NCCL timings by `capsim calibrate --all-reduce`, see
 * fitAllReduce.ts; never read from the profiles at run time).
 *
 * Which fit a GPU uses:
 * - no GPU-to-GPU link (`interconnect_gbps: null`: L4, L40S, A10G, H100 PCIe) -> the `pcie` entry,
 *   an ASSUMPTION (no measurements): NCCL ring over PCIe Gen4 x16 through the host bridge,
 *   ~15 GB/s bus bandwidth, 25 us latency. H100 PCIe is Gen5 but gets the same figure
 *   (conservative; cloud hosts often route GPU traffic through the CPU root complex).
 * - otherwise the measured node type whose interconnect is closest (A100 DGX 600 GB/s,
 *   H100 DGX 900 GB/s; MI300X's 896 GB/s Infinity Fabric uses the H100 fit), with its bandwidth
 *   scaled by the GPU's interconnect / the node type's. Latency and floor are kept.
 * - TP degrees without a fit (3, 5, 6, 7) use the next fitted degree up.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { GpuSpec } from '../workload/scenario.js';
import { inputError } from '../errors.js';
import { allReduceSeconds, type AllReduceFit } from './fitAllReduce.js';

export const ALLREDUCE_FILE = fileURLToPath(new URL('../../catalog/allreduce.yaml', import.meta.url));

const fitSchema = z
  .object({ floor_us: z.number().nonnegative(), latency_us: z.number().nonnegative(), bandwidth_gbps: z.number().positive() })
  .strict();
const nodeSchema = z
  .object({
    interconnect_gbps: z.number().positive().nullable(),
    source: z.string().min(1),
    tp: z.record(z.string().regex(/^[1-8]$/), fitSchema),
  })
  .strict();
const fileSchema = z.object({ node_types: z.record(z.string(), nodeSchema) }).strict();

export interface NodeType {
  readonly name: string;
  /** GB/s per GPU; null for the PCIe entry. */
  readonly interconnectGbps: number | null;
  readonly source: string;
  /** Fits by TP degree. */
  readonly fits: ReadonlyMap<number, AllReduceFit>;
}

let cache: readonly NodeType[] | null = null;

export function allReduceNodeTypes(): readonly NodeType[] {
  if (cache) return cache;
  const parsed = fileSchema.safeParse(parse(readFileSync(ALLREDUCE_FILE, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw inputError(issue.message, { file: ALLREDUCE_FILE, path: issue.path.join('.') });
  }
  cache = Object.freeze(
    Object.entries(parsed.data.node_types).map(([name, n]) =>
      Object.freeze({
        name,
        interconnectGbps: n.interconnect_gbps,
        source: n.source,
        fits: new Map(
          Object.entries(n.tp).map(([d, f]) => [
            Number(d),
            Object.freeze({ floorS: f.floor_us * 1e-6, latencyS: f.latency_us * 1e-6, bytesPerS: f.bandwidth_gbps * 1e9 }),
          ]),
        ),
      }),
    ),
  );
  return cache;
}

/** The all-reduce fit for `tp` GPUs of this kind, or null when tp is 1 (nothing to reduce). */
export function allReduceFitFor(gpu: GpuSpec, tp: number): AllReduceFit | null {
  if (tp <= 1) return null;
  const types = allReduceNodeTypes();
  let node: NodeType | undefined;
  if (gpu.interconnectGbps === null) node = types.find((t) => t.interconnectGbps === null);
  else {
    const link = gpu.interconnectGbps;
    const distance = (t: NodeType): number => Math.abs(Math.log(link / (t.interconnectGbps ?? 1)));
    node = types.filter((t) => t.interconnectGbps !== null).sort((a, b) => distance(a) - distance(b))[0];
  }
  if (!node) throw new Error(`${ALLREDUCE_FILE} has no node type for ${gpu.name}`);
  const degrees = [...node.fits.keys()].sort((a, b) => a - b);
  const degree = degrees.find((d) => d >= tp) ?? degrees[degrees.length - 1]!;
  const fit = node.fits.get(degree)!;
  const scale = gpu.interconnectGbps !== null && node.interconnectGbps !== null ? gpu.interconnectGbps / node.interconnectGbps : 1;
  return { floorS: fit.floorS, latencyS: fit.latencyS, bytesPerS: fit.bytesPerS * scale };
}

export const CUSTOM_ALLREDUCE_FILE = fileURLToPath(new URL('../../catalog/custom-allreduce.yaml', import.meta.url));

const customSchema = z
  .object({ interconnect_gbps: z.number().positive(), source: z.string().min(1), tp: z.record(z.string().regex(/^[1-8]$/), fitSchema) })
  .strict();

let customCache: { interconnectGbps: number; fits: ReadonlyMap<number, AllReduceFit> } | null = null;

function customFits(): { interconnectGbps: number; fits: ReadonlyMap<number, AllReduceFit> } {
  if (customCache) return customCache;
  const parsed = customSchema.safeParse(parse(readFileSync(CUSTOM_ALLREDUCE_FILE, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw inputError(issue.message, { file: CUSTOM_ALLREDUCE_FILE, path: issue.path.join('.') });
  }
  customCache = {
    interconnectGbps: parsed.data.interconnect_gbps,
    fits: new Map(
      Object.entries(parsed.data.tp).map(([d, f]) => [
        Number(d),
        Object.freeze({ floorS: f.floor_us * 1e-6, latencyS: f.latency_us * 1e-6, bytesPerS: f.bandwidth_gbps * 1e9 }),
      ]),
    ),
  };
  return customCache;
}

/**
 * The engine's custom all-reduce over NVLink for `tp` GPUs (catalog/custom-allreduce.yaml), or
 * null without NVLink or when tp is 1. Bandwidth scales with the GPU's interconnect.
 */
export function customAllReduceFitFor(gpu: GpuSpec, tp: number): AllReduceFit | null {
  if (tp <= 1 || gpu.interconnectGbps === null) return null;
  const { interconnectGbps, fits } = customFits();
  const degrees = [...fits.keys()].sort((a, b) => a - b);
  const degree = degrees.find((d) => d >= tp) ?? degrees[degrees.length - 1]!;
  const fit = fits.get(degree)!;
  return { floorS: fit.floorS, latencyS: fit.latencyS, bytesPerS: (fit.bytesPerS * gpu.interconnectGbps) / interconnectGbps };
}

/** Seconds for one all-reduce of `bytes` across `tp` GPUs of this kind: the cheaper of NCCL and the custom all-reduce. */
export function allReduceS(gpu: GpuSpec, tp: number, bytes: number): number {
  const fit = allReduceFitFor(gpu, tp);
  if (!fit) return 0;
  const custom = customAllReduceFitFor(gpu, tp);
  const nccl = allReduceSeconds(fit, bytes);
  return custom ? Math.min(nccl, allReduceSeconds(custom, bytes)) : nccl;
}
