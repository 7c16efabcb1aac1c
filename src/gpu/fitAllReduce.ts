/**
 * Fits the all-reduce cost model to measured NCCL timings in Vidur's network profile format
 * (`<node>/all_reduce.csv`: `time_stats.all_reduce.median` in ms, `size` in bytes,
 * `num_workers`, `devices_per_node`). This is the script behind the constants in
 * `catalog/allreduce.yaml`; the package never reads the profiles at run time.
 *
 * Model, per node type and tensor-parallel degree n (Vidur's rule: rows with
 * num_workers == devices_per_node == n):
 *   t(S) = max(floor, latency + S / bandwidth)          S = message bytes
 * The floor is the latency-bound plateau of small messages (NCCL's LL protocols); the line is the
 * bandwidth-bound regime.
 *
 * Fit: the rows' medians are grouped into half-octave bins of message size over 16 KiB..64 MiB
 * (the sizes a decode or prefill iteration sends: tokens x hidden x 2 bytes) and each bin is
 * summarised by its median, so that densely sampled sizes do not outweigh sparse ones. For each
 * candidate knee bin k, latency and 1/bandwidth are fitted by least squares on the relative error
 * of bins >= k, the floor is the median of bins < k; the knee minimising the sum of
 * |log(predicted / measured)| over all bins wins (L1 in log: the small-message medians are
 * bimodal, e.g. 20 us and 60 us at the same size, and must not drag the fit).
 */
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import { median } from 'simple-statistics';

export interface AllReduceFit {
  /** Plateau of small messages, seconds. */
  readonly floorS: number;
  /** Intercept of the bandwidth-bound line, seconds. */
  readonly latencyS: number;
  /** Algorithm bandwidth (message bytes / second) of the bandwidth-bound line. */
  readonly bytesPerS: number;
}

export interface AllReducePoint {
  readonly bytes: number;
  readonly seconds: number;
}

/** Smallest and largest message sizes the fit covers (bytes). */
export const FIT_MIN_BYTES = 16 * 1024;
export const FIT_MAX_BYTES = 64 * 1024 * 1024;

export function allReduceSeconds(fit: AllReduceFit, bytes: number): number {
  const line = fit.latencyS + bytes / fit.bytesPerS;
  return line > fit.floorS ? line : fit.floorS;
}

/** Rows of a Vidur all_reduce.csv for one TP degree (num_workers == devices_per_node == tp). */
export function readAllReduceCsv(file: string): Map<number, AllReducePoint[]> {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw inputError(`missing column "${name}"`, { file, line: 1 });
    return i;
  };
  const [iWorkers, iDevices, iSize, iMedian] = [
    col('num_workers'),
    col('devices_per_node'),
    col('size'),
    col('time_stats.all_reduce.median'),
  ];
  const byTp = new Map<number, AllReducePoint[]>();
  for (let n = 1; n < lines.length; n++) {
    const cells = (lines[n] ?? '').split(',');
    const workers = Number(cells[iWorkers]);
    if (workers !== Number(cells[iDevices])) continue;
    const bytes = Number(cells[iSize]);
    const ms = Number(cells[iMedian]);
    if (!Number.isFinite(bytes) || !Number.isFinite(ms)) {
      throw inputError('size and time_stats.all_reduce.median must be numbers', { file, line: n + 1 });
    }
    let list = byTp.get(workers);
    if (!list) byTp.set(workers, (list = []));
    list.push({ bytes, seconds: ms / 1e3 });
  }
  return byTp;
}

/** Half-octave bins of message size within the fitted range, each summarised by its medians. */
export function binnedMedians(points: readonly AllReducePoint[]): AllReducePoint[] {
  const bins = new Map<number, AllReducePoint[]>();
  for (const p of points) {
    if (p.bytes < FIT_MIN_BYTES || p.bytes > FIT_MAX_BYTES) continue;
    const key = Math.floor(Math.log2(p.bytes) * 2 + 1e-9);
    let bin = bins.get(key);
    if (!bin) bins.set(key, (bin = []));
    bin.push(p);
  }
  return [...bins.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, bin]) => ({ bytes: median(bin.map((p) => p.bytes)), seconds: median(bin.map((p) => p.seconds)) }));
}

/** Fits `t = max(floor, latency + S / bandwidth)` to one TP degree's points (see file doc). */
export function fitAllReduce(points: readonly AllReducePoint[]): AllReduceFit {
  const bins = binnedMedians(points);
  if (bins.length < 5) throw new Error(`need at least 5 message-size bins to fit, got ${bins.length}`);
  let best: { cost: number; fit: AllReduceFit } | null = null;
  for (let k = 0; k + 5 <= bins.length; k++) {
    const line = relativeLeastSquares(bins.slice(k));
    if (line.latencyS < 0 || line.bytesPerS <= 0) continue;
    const floorS = k === 0 ? 0 : median(bins.slice(0, k).map((b) => b.seconds));
    const fit = { floorS, ...line };
    const cost = bins.reduce((s, b) => s + Math.abs(Math.log(allReduceSeconds(fit, b.bytes) / b.seconds)), 0);
    if (!best || cost < best.cost) best = { cost, fit };
  }
  if (!best) throw new Error('no all-reduce fit with a positive latency and bandwidth');
  return best.fit;
}

/** min sum ((a + b S) / t - 1)^2 over (a, b): linear least squares on x = (1/t, S/t), y = 1. */
function relativeLeastSquares(points: readonly AllReducePoint[]): { latencyS: number; bytesPerS: number } {
  let s11 = 0, s12 = 0, s22 = 0, y1 = 0, y2 = 0;
  for (const { bytes, seconds } of points) {
    const x1 = 1 / seconds;
    const x2 = bytes / seconds;
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    y1 += x1;
    y2 += x2;
  }
  const det = s11 * s22 - s12 * s12;
  const a = (y1 * s22 - y2 * s12) / det;
  const b = (s11 * y2 - s12 * y1) / det;
  return { latencyS: a, bytesPerS: 1 / b };
}

/** The measured node types fitted into catalog/allreduce.yaml, with their per-GPU NVLink bandwidth. */
export const FITTED_NODE_TYPES: Readonly<Record<string, { interconnectGbps: number; label: string }>> = {
  a100_dgx: { interconnectGbps: 600, label: 'A100 SXM DGX node, NVLink 3 + NVSwitch' },
  h100_dgx: { interconnectGbps: 900, label: 'H100 SXM DGX node, NVLink 4 + NVSwitch' },
};

/**
 * PCIe-only parts (ASSUMPTION, no measurements): ring all-reduce, algorithm bandwidth =
 * bus bandwidth x n / (2 (n - 1)), bus bandwidth 15 GB/s (about half of PCIe Gen4 x16's
 * 32 GB/s per direction, as NCCL achieves through a host bridge), 25 us latency and floor.
 */
export const PCIE_BUS_GBPS = 15;
export const PCIE_LATENCY_US = 25;

export interface NodeTypeFit {
  readonly name: string;
  readonly interconnectGbps: number | null;
  readonly source: string;
  readonly fits: ReadonlyMap<number, AllReduceFit>;
}

/** Fits every node type of FITTED_NODE_TYPES found under `networkDir` (Vidur's profiling/network). */
export function fitNetworkDir(networkDir: string): NodeTypeFit[] {
  const out: NodeTypeFit[] = [];
  for (const [name, meta] of Object.entries(FITTED_NODE_TYPES)) {
    const file = `${networkDir.replace(/\/$/, '')}/${name}/all_reduce.csv`;
    const byTp = readAllReduceCsv(file);
    const fits = new Map<number, AllReduceFit>();
    for (const tp of [...byTp.keys()].sort((a, b) => a - b)) {
      if (tp < 2 || tp > 8) continue;
      fits.set(tp, fitAllReduce(byTp.get(tp)!));
    }
    out.push({
      name,
      interconnectGbps: meta.interconnectGbps,
      source: `${meta.label}: Vidur data/profiling/network/${name}/all_reduce.csv (microsoft/vidur@7d47513), rows with num_workers == devices_per_node == tp, median column`,
      fits,
    });
  }
  const pcie = new Map<number, AllReduceFit>();
  for (const n of [2, 4, 8]) {
    const algGbps = (PCIE_BUS_GBPS * n) / (2 * (n - 1));
    pcie.set(n, { floorS: PCIE_LATENCY_US * 1e-6, latencyS: PCIE_LATENCY_US * 1e-6, bytesPerS: algGbps * 1e9 });
  }
  out.push({
    name: 'pcie',
    interconnectGbps: null,
    source: `ASSUMPTION (no measurements): NCCL ring over PCIe Gen4 x16 via the host, bus bandwidth ${PCIE_BUS_GBPS} GB/s, latency ${PCIE_LATENCY_US} us`,
    fits: pcie,
  });
  return out;
}

/** catalog/allreduce.yaml text for the fitted node types. */
export function allReduceYaml(nodes: readonly NodeTypeFit[], command: string): string {
  const r = (x: number, digits: number): number => Number(x.toFixed(digits));
  const lines = [
    '# All-reduce cost per node type and tensor-parallel degree: t(S) = max(floor, latency + S / bandwidth),',
    '# S = message bytes (tokens x hidden x 2). Read by src/gpu/allReduce.ts; see docs/gpu-model.md.',
    `# GENERATED by: ${command}`,
    '# (edit the pcie entry by hand only together with the constants in src/gpu/fitAllReduce.ts)',
    'node_types:',
  ];
  for (const node of nodes) {
    lines.push(`  ${node.name}:`);
    lines.push(`    interconnect_gbps: ${node.interconnectGbps ?? 'null'}`);
    lines.push(`    source: ${JSON.stringify(node.source)}`);
    lines.push('    tp:');
    for (const [tp, f] of node.fits) {
      lines.push(
        `      ${tp}: { floor_us: ${r(f.floorS * 1e6, 1)}, latency_us: ${r(f.latencyS * 1e6, 1)}, bandwidth_gbps: ${r(f.bytesPerS / 1e9, 1)} }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
