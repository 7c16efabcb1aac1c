/**
 * Electrical power of one GPU, watts: linear between idle and TDP in utilization,
 *   P(u) = idle + (tdp - idle) x u,  u clamped to 0..1.
 * `utilization` is the busy fraction of the GPU's time (the simulator's gpu_utilization).
 * A busy LLM-serving GPU rarely sits at its full TDP (decode is memory-bound), so this is an
 * upper-side estimate while busy; the idle figure is the catalog's ASSUMPTION (15% of TDP).
 * Host CPUs, memory and networking are not included: `costs.pue` is the lever for facility
 * overheads.
 *
 * @example gpuPowerW(h100, 0.5) // 105 + 595 x 0.5 = 402.5
 */
import type { GpuSpec } from '../workload/scenario.js';

export function gpuPowerW(gpu: GpuSpec, utilization: number): number {
  const u = utilization > 1 ? 1 : utilization > 0 ? utilization : 0; // NaN -> 0
  return gpu.idleW + (gpu.tdpW - gpu.idleW) * u;
}
