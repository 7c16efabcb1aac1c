/**
 * `capsim plan` on a disaggregated fleet, and `capsim plan --compare-disaggregated`: the search of
 * src/sweep/planDisaggregated.ts, its files and its lines. Single-fleet workloads (top-level
 * `fleet`), static fleets.
 */
import { join, resolve } from 'node:path';
import { inputError } from '../../errors.js';
import { toCsv } from '../../output/csv.js';
import { writeFilesAtomically } from '../../output/atomicWrite.js';
import { claimOutputFolder } from '../../output/outputFolder.js';
import { toJson } from '../../output/runFiles.js';
import { NUMERIC_FIGURES } from '../../sweep/figures.js';
import { planDisaggregated, type DisaggregatedPoint } from '../../sweep/planDisaggregated.js';
import type { Scenario } from '../../workload/scenario.js';
import { defaultOutFolder } from '../defaultOut.js';
import { EXIT, type ExitCode, type Io } from '../context.js';
import { progress } from './sweep.js';

export interface DisaggregatedPlanFlags {
  set: string[];
  seed?: number;
  replications?: number;
  workers: number;
  maxGpus: number;
  out?: string;
  quiet?: boolean;
  json?: boolean;
  failOnSlo?: boolean;
  compareDisaggregated?: boolean;
}

/** The columns of plan.csv in this mode: the mode and both counts, then sweep.csv's figures, then `chosen`. */
export const DISAGGREGATED_PLAN_COLUMNS = ['mode', 'prefill_gpus', 'decode_gpus', 'gpus_total', ...NUMERIC_FIGURES, 'meets_slo', 'error', 'chosen'];

/** Whether `plan` takes this path: a disaggregated single fleet, or `--compare-disaggregated`. */
export function wantsDisaggregatedPlan(base: Scenario, compare: boolean): boolean {
  return compare || base.pools.some((p) => p.disaggregation !== undefined);
}

export async function planDisaggregatedCommand(io: Io, file: string, flags: DisaggregatedPlanFlags, base: Scenario): Promise<ExitCode> {
  if (base.pools.length !== 1 || base.pools[0].name !== 'default') {
    throw inputError('plan on a disaggregated fleet (and --compare-disaggregated) takes a single-fleet workload (top-level model, gpu and fleet), not pools');
  }
  const pool = base.pools[0];
  const d = pool.disaggregation;
  if ((d === undefined && pool.autoscale !== null) || (d !== undefined && (d.prefill.autoscale !== null || d.decode.autoscale !== null))) {
    throw inputError('plan on a disaggregated fleet (and --compare-disaggregated) searches static fleets: remove the autoscale block');
  }
  if (pool.spares > 0) throw inputError('--compare-disaggregated: fleet.spares is not modelled for disaggregated fleets; remove it');
  if (pool.pricing.reserved !== null) throw inputError('--compare-disaggregated: a reserved base cannot be split between prefill and decode; compare with on_demand, spot or a price (e.g. --set fleet.pricing=on_demand), or plan without --compare-disaggregated');
  // Each side from the other: an aggregated fleet serves with the decode role's tensor-parallel
  // degree (and the top-level GPU); a disaggregated one gives both roles the fleet's degree.
  const tp = pool.gpusPerReplica;
  const toDisaggregated = d !== undefined ? [] : ['fleet.gpus=', 'fleet.gpus_per_replica=', `fleet.disaggregation.prefill.gpus_per_replica=${tp}`, `fleet.disaggregation.decode.gpus_per_replica=${tp}`];
  const compare = d === undefined || flags.compareDisaggregated === true;
  const toAggregated = !compare ? null : d === undefined ? [] : ['fleet.disaggregation=', `fleet.gpus_per_replica=${d.decode.gpusPerReplica}`];
  const folder = claimOutputFolder(flags.out ?? defaultOutFolder(base.name, flags.set));
  let written = false;
  try {
    const bar = progress(io, flags.quiet, 'plan');
    const found = await planDisaggregated({
      file: resolve(file),
      set: flags.set,
      seed: flags.seed,
      replications: flags.replications ?? 0,
      workers: flags.workers,
      prefillStep: d?.prefill.gpusPerReplica ?? tp,
      decodeStep: d?.decode.gpusPerReplica ?? tp,
      maxGpus: flags.maxGpus,
      toDisaggregated,
      toAggregated,
      aggregatedStep: d?.decode.gpusPerReplica ?? tp,
      onProgress: (n) => bar.update(`${n} simulated`),
    });
    bar.end();
    const dis = found.disaggregated;
    const agg = found.aggregated;
    const rows = [
      ...dis.evaluated.map((p) => planRow(p, p === dis.chosen)),
      ...(agg?.evaluated ?? []).map((p) => planRow(p, p === agg?.chosen)),
    ];
    const side = (chosen: DisaggregatedPoint | null) => (chosen === null ? null : sideJson(chosen));
    const cheaper = compareSides(dis.chosen, agg?.chosen ?? null);
    const result = {
      chosen: side(dis.chosen),
      evaluated: rows.length,
      edge: dis.edge.map((p) => ({ prefill_gpus: p.prefillGpus, decode_gpus: p.decodeGpus, cost_per_hour: p.outcome.ok ? p.outcome.figures.cost_per_hour : null, meets_slo: p.outcome.ok && p.outcome.figures.meets_slo })),
      ...(agg === null ? {} : { aggregated: side(agg.chosen), disaggregated: side(dis.chosen), cheapest: cheaper }),
      out: folder.dir,
    };
    writeFilesAtomically([
      { path: join(folder.dir, 'plan.csv'), content: toCsv(rows, DISAGGREGATED_PLAN_COLUMNS) },
      { path: join(folder.dir, 'plan.json'), content: toJson(result) },
    ]);
    written = true;
    if (flags.json) io.out(toJson(result));
    else if (!flags.quiet) io.out(sideBySide(base, dis.chosen, agg === null ? undefined : agg.chosen, cheaper, rows.length, folder.dir));
    const failed = rows.filter((r) => r.error !== '').length;
    if (failed > 0) {
      io.err(`capsim: ${failed} simulated points failed; see the error column of ${join(folder.dir, 'plan.csv')}\n`);
      return EXIT.badInput;
    }
    const none = dis.chosen === null && (agg?.chosen ?? null) === null;
    return flags.failOnSlo && none ? EXIT.sloMissed : EXIT.ok;
  } finally {
    folder.release({ abandon: !written });
  }
}

function planRow(p: DisaggregatedPoint, chosen: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {
    mode: p.decodeGpus === null ? 'aggregated' : 'disaggregated',
    prefill_gpus: p.decodeGpus === null ? '' : p.prefillGpus,
    decode_gpus: p.decodeGpus ?? '',
    gpus_total: p.gpus,
    error: '',
    chosen,
  };
  if (p.outcome.ok) {
    for (const f of NUMERIC_FIGURES) row[f] = p.outcome.figures[f];
    row.meets_slo = p.outcome.figures.meets_slo;
  } else {
    row.meets_slo = false;
    if ('message' in p.outcome) row.error = p.outcome.message;
  }
  return row;
}

function sideJson(p: DisaggregatedPoint) {
  const f = p.outcome.ok ? p.outcome.figures : null;
  return {
    mode: p.decodeGpus === null ? 'aggregated' : 'disaggregated',
    gpus: p.gpus,
    prefill_gpus: p.decodeGpus === null ? null : p.prefillGpus,
    decode_gpus: p.decodeGpus,
    cost_per_hour: f?.cost_per_hour ?? null,
    ttft_p99_ms: f?.ttft_p99_ms ?? null,
    tpot_p99_ms: f?.tpot_p99_ms ?? null,
    e2e_p99_ms: f?.e2e_p99_ms ?? null,
    meets_slo: f?.meets_slo ?? false,
  };
}

/** Which side is cheaper per hour (`null` when neither meets the SLOs). */
function compareSides(dis: DisaggregatedPoint | null, agg: DisaggregatedPoint | null): 'aggregated' | 'disaggregated' | null {
  const cost = (p: DisaggregatedPoint | null) => (p !== null && p.outcome.ok ? (p.outcome.figures.cost_per_hour ?? Infinity) : Infinity);
  if (dis === null && agg === null) return null;
  return cost(dis) < cost(agg) ? 'disaggregated' : 'aggregated';
}

function sideBySide(base: Scenario, dis: DisaggregatedPoint | null, agg: DisaggregatedPoint | null | undefined, cheaper: string | null, evaluated: number, out: string): string {
  const pool = base.pools[0];
  const d = pool.disaggregation;
  const gpuOf = (role: 'prefill' | 'decode') => d?.[role].gpu.name ?? pool.gpu.name;
  const fleet = (p: DisaggregatedPoint | null) =>
    p === null ? 'none meets the SLOs' : p.decodeGpus === null ? `${p.gpus} x ${pool.gpu.name}` : `${p.prefillGpus} x ${gpuOf('prefill')} prefill + ${p.decodeGpus} x ${gpuOf('decode')} decode`;
  const fig = (p: DisaggregatedPoint | null, k: 'cost_per_hour' | 'ttft_p99_ms' | 'tpot_p99_ms') => {
    const v = p !== null && p.outcome.ok ? p.outcome.figures[k] : null;
    return v === null ? '-' : k === 'cost_per_hour' ? `$${v.toFixed(2)}/h` : `${Math.round(v)} ms`;
  };
  const lines: string[] = [];
  if (agg === undefined) {
    lines.push(`cheapest disaggregated: ${fleet(dis)}${dis === null ? '' : `, ${fig(dis, 'cost_per_hour')}, p99 TTFT ${fig(dis, 'ttft_p99_ms')}, p99 TPOT ${fig(dis, 'tpot_p99_ms')}`}`);
  } else {
    const rows = [
      ['', 'aggregated', 'disaggregated'],
      ['fleet', fleet(agg), fleet(dis)],
      ['cost', fig(agg, 'cost_per_hour'), fig(dis, 'cost_per_hour')],
      ['p99 TTFT', fig(agg, 'ttft_p99_ms'), fig(dis, 'ttft_p99_ms')],
      ['p99 TPOT', fig(agg, 'tpot_p99_ms'), fig(dis, 'tpot_p99_ms')],
    ];
    const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) lines.push(r.map((cell, c) => cell.padEnd(width[c])).join('  ').trimEnd());
    if (cheaper !== null) {
      const cost = (p: DisaggregatedPoint | null | undefined) => (p != null && p.outcome.ok ? (p.outcome.figures.cost_per_hour ?? Infinity) : Infinity);
      const [win, lose] = cheaper === 'disaggregated' ? [cost(dis), cost(agg)] : [cost(agg), cost(dis)];
      lines.push(Number.isFinite(lose) ? `cheapest: ${cheaper}, $${(lose - win).toFixed(2)}/h (${(((lose - win) / lose) * 100).toFixed(1)}%) less` : `cheapest: ${cheaper} (the other meets no SLO in the search)`);
    } else lines.push('chosen: null: neither meets every SLO in every hour');
  }
  lines.push(`simulated ${evaluated} points; wrote plan.csv and plan.json in ${out}`);
  return `${lines.join('\n')}\n`;
}
