import { Option } from 'commander';
import { join, resolve } from 'node:path';
import { apiNames, findApi } from '../../catalog/catalog.js';
import { inputError } from '../../errors.js';
import { toCsv } from '../../output/csv.js';
import { writeFilesAtomically } from '../../output/atomicWrite.js';
import { claimOutputFolder } from '../../output/outputFolder.js';
import { toJson } from '../../output/runFiles.js';
import type { PointDetail } from '../../sweep/figures.js';
import { pointAt, type VaryAxis } from '../../sweep/grid.js';
import { SCHEDULE_COLUMNS, type ApiPrices } from '../../sweep/planEconomics.js';
import { plan, type PlanResult } from '../../sweep/plan.js';
import { rowLine, sweepColumns, sweepRecord } from '../../sweep/sweepCsv.js';
import type { Scenario } from '../../workload/scenario.js';
import { addWorkloadOptions, FLAG_LIMITS, wholeAtLeast } from '../options.js';
import { EXIT, guarded, type ExitCode, type Io } from '../context.js';
import { GRID_OPTIONS, loadBase, noteWorkerCap, parseAxes, progress, type GridFlags } from './sweep.js';
import type { RegisterCommand } from './index.js';

interface PlanFlags extends GridFlags {
  api?: string;
  maxGpus: number;
  failOnSlo?: boolean;
}

const DEFAULT_API = 'gpt-4o-mini';

export const registerPlan: RegisterCommand = (program, io, done) => {
  const command = program
    .command('plan')
    .description('find the cheapest configuration that meets every SLO in every hour, verified by simulation')
    .argument('<workload>', 'workload file (YAML or JSON)');
  for (const option of GRID_OPTIONS) command.addOption(option());
  command
    .addOption(new Option('--api <name>', `catalog API to compare against (default: the workload's api, else ${DEFAULT_API})`))
    .addOption(
      new Option('--max-gpus <n>', 'largest fleet the default search tries').default(1024).argParser(wholeAtLeast('--max-gpus', 1, FLAG_LIMITS.maxGpus)),
    )
    .addOption(new Option('--fail-on-slo', 'exit 1 when nothing in the search space meets the SLOs'))
    .addHelpText(
      'after',
      `
By default plan searches fleet.gpus (in whole replicas, doubling then bisecting, up to --max-gpus);
with pools, each pool's GPUs on its own (its classes depend only on it), then verifies the whole.
With --vary it searches that grid, bisecting along fleet.gpus / pools[i].gpus where one is varied.

Examples:
  capsim plan workloads/chatbot.yaml
  capsim plan my.yaml --vary fleet.gpus=1..32 --vary gpu=h100-sxm,a100-80gb --json`,
    );
  addWorkloadOptions(command).action(async (file: string, flags: PlanFlags) => {
    done(await guarded(io, Boolean(flags.debug), () => planCommand(io, file, flags)));
  });
};

/**
 * The default search space: the fleet's GPU count (or each pool's) in whole replicas, up to
 * `maxGpus` (or the file's count when larger).
 */
function defaultAxes(base: Scenario, maxGpus: number): VaryAxis[] {
  return base.pools.map((pool, i) => {
    const key = base.pools.length === 1 && pool.name === 'default' ? 'fleet.gpus' : `pools[${i}].gpus`;
    const step = pool.gpusPerReplica;
    const top = Math.max(maxGpus, pool.gpus);
    if (top < step) throw inputError(`--max-gpus ${maxGpus}: below one replica of pool ${pool.name} (${step} GPUs)`);
    return { key, values: Array.from({ length: Math.floor(top / step) }, (_, k) => (k + 1) * step) };
  });
}

function apiPrices(base: Scenario, name: string | undefined): ApiPrices {
  if (name === undefined && base.api !== null) return base.api;
  const entry = findApi(name ?? DEFAULT_API);
  if (!entry) throw inputError(`--api ${name}: not in the catalog; one of ${apiNames().join(', ')}`);
  return { name: entry.name, inputPerMillion: entry.inputPerMillion, outputPerMillion: entry.outputPerMillion };
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`);

function describeFleet(d: PointDetail): string {
  if (d.pools.length === 1) return `${d.pools[0].gpus} x ${d.pools[0].gpu}`;
  return d.pools.map((p) => `${p.name} ${p.gpus} x ${p.gpu}`).join(' + ');
}

function describeLatency(d: PointDetail): string {
  const many = d.classes.length > 1;
  const parts = d.classes.flatMap((c) => {
    if (c.ttftSloMs !== null && c.peakTtftP99Ms !== null) return [`${fmtMs(c.peakTtftP99Ms)} <= ${fmtMs(c.ttftSloMs)}${many ? ` (${c.name})` : ''}`];
    return [];
  });
  if (parts.length > 0) return `peak-hour p99 TTFT ${parts.join(', ')}`;
  const e2e = d.classes.filter((c) => c.e2eSloMs !== null && c.peakE2eP99Ms !== null).map((c) => `${fmtMs(c.peakE2eP99Ms!)} <= ${fmtMs(c.e2eSloMs!)}${many ? ` (${c.name})` : ''}`);
  return e2e.length > 0 ? `peak-hour p99 end-to-end ${e2e.join(', ')}` : 'no latency SLOs';
}

async function planCommand(io: Io, file: string, flags: PlanFlags): Promise<ExitCode> {
  const userAxes = parseAxes(flags.vary);
  noteWorkerCap(io, flags);
  const base = loadBase(file, flags, userAxes.length > 0 ? pointAt(userAxes, 0) : undefined);
  const axes = userAxes.length > 0 ? userAxes : defaultAxes(base, flags.maxGpus);
  const poolsMode = userAxes.length === 0 && base.pools.length > 1;
  const api = apiPrices(base, flags.api);
  const folder = claimOutputFolder(flags.out ?? `results/${base.name}`);
  let written = false;
  try {
    const code = await planInto(io, file, flags, folder.dir, { userAxes, base, axes, poolsMode, api });
    written = true;
    return code;
  } finally {
    folder.release({ abandon: !written });
  }
}

async function planInto(
  io: Io,
  file: string,
  flags: PlanFlags,
  out: string,
  { userAxes, base, axes, poolsMode, api }: { userAxes: VaryAxis[]; base: Scenario; axes: VaryAxis[]; poolsMode: boolean; api: ApiPrices },
): Promise<ExitCode> {
  const bar = progress(io, flags.quiet, 'plan');
  let found: PlanResult;
  try {
    found = await plan({
      file: resolve(file),
      set: flags.set,
      seed: flags.seed,
      replications: flags.replications ?? 0,
      workers: flags.workers,
      axes,
      openEnded: userAxes.length === 0,
      pools: poolsMode ? base.pools.map((p) => ({ serves: p.serves, fileGpus: p.gpus })) : undefined,
      api,
      onProgress: (n) => bar.update(`${n} points simulated`),
    });
  } finally {
    bar.end();
  }
  const { evaluated, outcomes, chosen, space, economics } = found;

  const failed = (kind: 'input' | 'internal') =>
    evaluated.filter((p) => {
      const o = outcomes.get(p.index)!;
      return !o.ok && o.kind === kind;
    }).length;
  const columns = [...sweepColumns(axes, flags.replications !== undefined), 'chosen'];
  let planCsv = toCsv([], columns);
  for (const p of evaluated) planCsv += rowLine(columns, { ...sweepRecord(axes, p, outcomes.get(p.index)!), chosen: p === chosen });
  const chosenOutcome = chosen === null ? null : outcomes.get(chosen.index)!;
  const chosenJson =
    chosen === null || !chosenOutcome?.ok ? null : {
      ...Object.fromEntries(axes.map((a, i) => [a.key, chosen!.values[i]])),
      ...chosenOutcome.figures,
      pools: chosenOutcome.detail.pools,
    };
  const result = {
    chosen: chosenJson,
    evaluated: evaluated.length,
    space,
    search: found.searched,
    errors: { input: failed('input'), internal: failed('internal') },
    ...(economics === null ? { schedule: null, per_day: null, api, break_even_rate: null } : economics),
    out,
  };
  writeFilesAtomically([
    { path: join(out, 'plan.csv'), content: planCsv },
    { path: join(out, 'plan_schedule.csv'), content: toCsv(economics?.schedule ?? [], SCHEDULE_COLUMNS) },
    { path: join(out, 'plan.json'), content: toJson(result) },
  ]);

  if (flags.json) io.out(toJson(result));
  else if (!flags.quiet) {
    const spaceText = result.search.map((s) => `${s.key} = ${s.from}..${s.to}`).join(', ');
    if (chosenOutcome?.ok) {
      const d = chosenOutcome.detail;
      const keys = userAxes.length > 0 ? ` (${axes.map((a, i) => `${a.key}=${chosen!.values[i]}`).join(' ')})` : '';
      io.out(`cheapest: ${describeFleet(d)}${keys}, $${(chosenOutcome.figures.cost_per_hour ?? 0).toFixed(2)}/h, ${describeLatency(d)}\n`);
    } else {
      io.out(`chosen: null: nothing in the search space (${spaceText}) meets every SLO in every hour\n`);
    }
    io.out(`simulated ${evaluated.length} of ${space} points (${spaceText})\n`);
    if (economics !== null) {
      const e = economics;
      io.out(`per day: static fleet $${e.per_day.static.toFixed(2)}, hourly schedule $${e.per_day.schedule.toFixed(2)}, all on ${e.api.name} $${e.per_day.api.toFixed(2)}\n`);
      if (e.rate !== null) {
        io.out(e.break_even_rate === null
          ? `self-hosting is never cheaper than ${e.api.name} at any rate (GPU cost per request exceeds the API's)\n`
          : `self-hosting beats ${e.api.name} above ${e.break_even_rate} requests/s (this workload: ${e.rate}/s)\n`);
      }
    }
    io.out(`wrote plan.csv, plan_schedule.csv and plan.json in ${out}\n`);
  }
  if (result.errors.input + result.errors.internal > 0) {
    io.err(`capsim: ${result.errors.input + result.errors.internal} simulated points failed (${result.errors.input} bad input, ${result.errors.internal} internal); see the error column of ${join(out, 'plan.csv')}\n`);
  }
  if (result.errors.internal > 0) return EXIT.internal;
  if (result.errors.input > 0) return EXIT.badInput;
  return flags.failOnSlo && chosen === null ? EXIT.sloMissed : EXIT.ok;
}

