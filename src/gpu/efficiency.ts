/**
 * Per-GPU-family efficiency factors of the roofline step model.
 *
 * The built-in factors (BUILTIN_FACTORS in roofline.ts) were fitted on Vidur's A100 kernel
 * timings. A GPU family with end-to-end serving measurements gets its own factors in
 * `catalog/efficiency.yaml` (fitted by scripts/fit-efficiency.mjs on the `fit` cases of
 * docs/fidelity.md; data and residuals in docs/gpu-model.md). A workload can override them with
 * an inline GPU's `efficiency:` block (what `capsim calibrate --bench` prints).
 *
 * Resolution order, per factor: inline `efficiency` > catalog/efficiency.yaml entry of the GPU's
 * name > the built-in A100 factors.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { GpuSpec } from '../workload/scenario.js';
import { inputError } from '../errors.js';
import { BUILTIN_FACTORS, type RooflineFactors } from './roofline.js';

export const EFFICIENCY_FILE = fileURLToPath(new URL('../../catalog/efficiency.yaml', import.meta.url));

/** The overridable factors, as a workload or catalog/efficiency.yaml writes them. */
export interface GpuEfficiency {
  readonly compute?: number;
  readonly memory?: number;
  readonly kv?: number;
  readonly attention?: number;
  /** Seconds per layer per iteration. */
  readonly layerOverheadS?: number;
  /** p of the compute/memory blend of the linear layers (roofline.ts). */
  readonly blend?: number;
}

const fraction = z.number().positive().max(1);
const entrySchema = z
  .object({
    compute: fraction.optional(),
    memory: fraction.optional(),
    kv: fraction.optional(),
    attention: fraction.optional(),
    layer_overhead_us: z.number().nonnegative().optional(),
    blend: z.number().min(1).max(16).optional(),
    source: z.string().min(1),
  })
  .strict();
const fileSchema = z.object({ gpus: z.record(z.string(), entrySchema) }).strict();

let cache: ReadonlyMap<string, GpuEfficiency> | null = null;

/** The fitted entries of catalog/efficiency.yaml by GPU name. */
export function catalogEfficiencies(): ReadonlyMap<string, GpuEfficiency> {
  if (cache) return cache;
  const parsed = fileSchema.safeParse(parse(readFileSync(EFFICIENCY_FILE, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw inputError(issue.message, { file: EFFICIENCY_FILE, path: issue.path.join('.') });
  }
  cache = new Map(
    Object.entries(parsed.data.gpus).map(([name, e]) => [
      name,
      Object.freeze({
        compute: e.compute,
        memory: e.memory,
        kv: e.kv,
        attention: e.attention,
        layerOverheadS: e.layer_overhead_us === undefined ? undefined : e.layer_overhead_us * 1e-6,
        blend: e.blend,
      }),
    ]),
  );
  return cache;
}

/** Applies `e` over `base` (undefined keys keep the base). */
export function withEfficiency(base: RooflineFactors, e: GpuEfficiency | null | undefined): RooflineFactors {
  if (!e) return base;
  return {
    weightBandwidthEff: e.memory ?? base.weightBandwidthEff,
    kvBandwidthEff: e.kv ?? base.kvBandwidthEff,
    computeEff: e.compute ?? base.computeEff,
    attentionComputeEff: e.attention ?? base.attentionComputeEff,
    layerOverheadS: e.layerOverheadS ?? base.layerOverheadS,
    iterationOverheadS: base.iterationOverheadS,
    blendExponent: e.blend ?? base.blendExponent,
  };
}

/** The roofline factors of a GPU (see the file doc for the order). */
export function factorsFor(gpu: GpuSpec): RooflineFactors {
  const family = catalogEfficiencies().get(gpu.name);
  return withEfficiency(withEfficiency(BUILTIN_FACTORS, family), gpu.efficiency ?? null);
}
