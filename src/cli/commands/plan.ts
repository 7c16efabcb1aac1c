import { defaultOutFolder } from '../defaultOut.js';
import { Option } from 'commander';
import { join, resolve } from 'node:path';
import { apiNames, findApi, findGpu, gpuNames } from '../../catalog/catalog.js';
import { InputError, inputError } from '../../errors.js';
import { fitError, validTpDegree } from '../../gpu/memory.js';
import { HOURS_PER_MONTH } from '../../report/format.js';
import { loadWorkload } from '../../workload/load.js';
import { toCsv } from '../../output/csv.js';
import { writeFilesAtomically } from '../../output/atomicWrite.js';
import { claimOutputFolder } from '../../output/outputFolder.js';
import { toJson } from '../../output/runFiles.js';
import type { PointDetail } from '../../sweep/figures.js';
import { buildGrid, formatValue, pointAt, type AxisValue, type VaryAxis } from '../../sweep/grid.js';
import { gpuAxis, isStopped } from '../../sweep/planSearch.js';
import { committedGpus, gpuBounds, type GpuBounds } from '../../sweep/gpuBounds.js';
import type { BreakEvenSearch } from '../../sweep/breakEven.js';
import type { Headroom } from '../../sweep/planHeadroom.js';
import { SCHEDULE_COLUMNS, SELF_HOSTED, type ApiPrices, type Economics, type SelfHosted } from '../../sweep/planEconomics.js';
import { plan, type OptionResult, type PlanOption, type PlanResult } from '../../sweep/plan.js';
import { rowLine, sweepColumns, sweepRecord } from '../../sweep/sweepCsv.js';
import type { Scenario } from '../../workload/scenario.js';
import { addWorkloadOptions, FLAG_LIMITS, wholeAtLeast } from '../options.js';
import { EXIT, guarded, type ExitCode, type Io } from '../context.js';
import { GRID_OPTIONS, loadBase, noteWorkerCap, parseAxes, progress, type GridFlags } from './sweep.js';
import type { RegisterCommand } from './index.js';
import { planDisaggregatedCommand, wantsDisaggregatedPlan } from './planDisaggregated.js';

interface PlanFlags extends GridFlags {
  api?: string;
  selfHostedOnly?: string;
  breakEven: boolean;
  breakEvenStep: number;
  breakEvenMax: number;
  headroom: boolean;
  gpus?: string;
  maxGpus: number;
  failOnSlo?: boolean;
  compareDisaggregated?: boolean;
}

const DEFAULT_API = 'gpt-4o-mini';

export const registerPlan: RegisterCommand = (program, io, done) => {
  const command = program
    .command('plan')
    .description('find the cheapest configuration that meets every SLO in every hour, verified by simulation')
    .argument('<workload>', 'workload file (YAML or JSON)');
  for (const option of GRID_OPTIONS) command.addOption(option());
  command
    .addOption(new Option('--api <names>', `catalog APIs to compare against, comma-separated (default: the workload's api, else ${DEFAULT_API})`))
    .addOption(new Option('--self-hosted-only <items>', 'costs.hourly / costs.amortized items that exist only when self-hosting (e.g. owned GPUs), comma-separated; every other cost is on both sides of the API comparison'))
    .addOption(new Option('--no-break-even', 'do not search the break-even rates against the APIs by simulation'))
    .addOption(new Option('--break-even-step <x>', 'factor between the rates tried by the break-even search').default(2).argParser(numberAbove('--break-even-step', 1.01, 16)))
    .addOption(new Option('--break-even-max <x>', 'the break-even search tries rates from the workload\'s / x to x it').default(16).argParser(numberAbove('--break-even-max', 1, 1024)))
    .addOption(new Option('--no-headroom', 'do not search how much more traffic the chosen fleet takes'))
    .addOption(
      new Option('--max-gpus <n>', 'largest fleet the default search tries').default(1024).argParser(wholeAtLeast('--max-gpus', 1, FLAG_LIMITS.maxGpus)),
    )
    .addOption(new Option('--gpus <all|list>', 'search every catalog GPU the model fits on (all) or these (h100-sxm,l40s), each at the smallest tensor-parallel degree that fits and the next'))
    .addOption(new Option('--fail-on-slo', 'exit 1 when nothing in the search space meets the SLOs'))
    .addOption(new Option('--compare-disaggregated', 'search the cheapest aggregated fleet and the cheapest disaggregated one (prefill and decode GPU counts) and print them side by side'))
    .addHelpText(
      'after',
      `
By default plan searches fleet.gpus (in whole replicas, doubling then bisecting, up to --max-gpus);
with pools, each pool's GPUs on its own (its classes depend only on it), then verifies the whole.
With --vary (or --gpus), every combination of the other varied keys is an option searched on its
own GPU counts: the --vary fleet.gpus values if given (counts that are not whole replicas of the
option are skipped), else whole replicas up to --max-gpus. Options are ranked by cost.

Examples:
  capsim plan workloads/chatbot.yaml
  capsim plan my.yaml --vary gpu=h100-sxm,l40s,a100-80gb --vary fleet.gpus_per_replica=1,2
  capsim plan my.yaml --gpus all --json`,
    );
  addWorkloadOptions(command).action(async (file: string, flags: PlanFlags) => {
    done(await guarded(io, Boolean(flags.debug), () => planCommand(io, file, flags)));
  });
};

/**
 * The default search space: the fleet's GPU count (or each pool's) in whole replicas, from the
 * fewest the pool allows (one replica, its reserved base, its autoscaler's min: gpuBounds.ts) up
 * to `maxGpus` (or the file's count when larger; an autoscaler's max when smaller).
 */
function defaultAxes(base: Scenario, maxGpus: number): VaryAxis[] {
  return base.pools.map((pool, i) => {
    const key = base.pools.length === 1 && pool.name === 'default' ? 'fleet.gpus' : `pools[${i}].gpus`;
    const step = pool.gpusPerReplica;
    const top = Math.max(maxGpus, pool.gpus);
    if (top < step) throw inputError(`--max-gpus ${maxGpus}: below one replica of pool ${pool.name} (${step} GPUs)`);
    return { key, values: wholeReplicas(gpuBounds(pool, fleetKeyOf(key)), step, top) };
  });
}

/** The fleet's key path of a GPU-count key: `fleet` for `fleet.gpus`, `pools[i]` for `pools[i].gpus`. */
function fleetKeyOf(gpuKey: string): string {
  const m = /^pools(?:\[(\d+)\]|\.(\d+))\.gpus$/.exec(gpuKey);
  return m === null ? 'fleet' : `pools[${m[1] ?? m[2]}]`;
}

/** Whole replicas of `step` GPUs within the pool's bounds, up to `top` (or the bounds' max). */
function wholeReplicas(bounds: GpuBounds, step: number, top: number): number[] {
  const last = bounds.max === null ? top : Math.min(top, bounds.max);
  const counts: number[] = [];
  for (let n = bounds.min; n <= last; n += step) counts.push(n);
  return counts;
}

function apiPrices(base: Scenario, names: string | undefined): ApiPrices[] {
  if (names === undefined && base.api !== null) return [{ name: base.api.name, inputPerMillion: base.api.inputPerMillion, outputPerMillion: base.api.outputPerMillion }];
  const list = (names ?? DEFAULT_API).split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (list.length === 0) throw inputError(`--api: expected catalog API names like ${DEFAULT_API},gpt-4.1-mini`);
  return [...new Set(list)].map((name) => {
    const entry = findApi(name);
    if (!entry) throw inputError(`--api ${name}: not in the catalog; one of ${apiNames().join(', ')}`);
    return { name: entry.name, inputPerMillion: entry.inputPerMillion, outputPerMillion: entry.outputPerMillion };
  });
}

/** A number in [min, max] for a flag. */
function numberAbove(flag: string, min: number, max: number) {
  return (text: string): number => {
    const x = Number(text);
    if (!Number.isFinite(x) || x < min || x > max) throw inputError(`${flag} ${text}: expected a number from ${min} to ${max}`);
    return x;
  };
}

/** `--self-hosted-only`: names of costs.hourly / costs.amortized items of the workload. */
function selfHostedOnly(base: Scenario, text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const known = [...Object.keys(base.costs.hourly), ...Object.keys(base.costs.amortizedPerHour)];
  for (const n of names) {
    if (!known.includes(n)) throw inputError(`--self-hosted-only ${n}: not an item of costs.hourly or costs.amortized; ${known.length === 0 ? 'the workload has none' : `one of ${known.join(', ')}`}`);
  }
  return names;
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

/** Tensor-parallel degrees to try for `gpu`: the smallest that fits the model and the next one. */
function fittingDegrees(base: Scenario, gpu: string): number[] {
  const spec = findGpu(gpu);
  if (!spec) throw inputError(`--gpus ${gpu}: not a catalog GPU; one of ${gpuNames().join(', ')}`);
  const model = base.pools[0].model;
  return [1, 2, 3, 4, 5, 6, 7, 8].filter((d) => validTpDegree(model, d) && fitError(model, spec, d, base.serving.gpuMemoryUtilization, null, { batchTokens: base.serving.maxBatchTokens, batchSeqs: base.serving.maxBatchSize }) === null).slice(0, 2);
}

interface SearchSpace {
  options: PlanOption[];
  optionKeys: string[];
  gpuKey: string | null;
  openEnded: boolean;
}

/**
 * The options of grid mode: the --gpus list (GPU kind x tensor-parallel degree), or every
 * combination of the varied keys other than the GPU count. Each option is resolved once here to
 * learn its replica size (and to say at once when it cannot run, e.g. the model does not fit).
 */
function searchSpace(file: string, flags: PlanFlags, base: Scenario, userAxes: readonly VaryAxis[]): SearchSpace {
  const g = gpuAxis(userAxes);
  const gpuKey = g !== null ? userAxes[g].key : base.pools.length === 1 ? 'fleet.gpus' : null;
  const poolIndex = gpuKey === null || gpuKey === 'fleet.gpus' ? 0 : Number(/\d+/.exec(gpuKey)![0]);
  const fleetKey = gpuKey === null ? 'fleet' : fleetKeyOf(gpuKey);
  const baseBounds = base.pools[poolIndex] === undefined ? null : gpuBounds(base.pools[poolIndex], fleetKey);
  let optionKeys: string[];
  let combos: AxisValue[][];
  if (flags.gpus !== undefined) {
    if (userAxes.length > 0) throw inputError('--gpus: give either --gpus or --vary, not both (--vary gpu=... --vary fleet.gpus_per_replica=... does the same)');
    if (base.pools.length > 1) throw inputError('--gpus: the workload has several pools; vary pools[i].gpu with --vary instead');
    const names = flags.gpus.trim() === 'all' ? gpuNames() : flags.gpus.split(',').map((x) => x.trim()).filter((x) => x !== '');
    if (names.length === 0) throw inputError("--gpus: expected 'all' or a list of catalog GPUs like h100-sxm,l40s");
    optionKeys = ['gpu', 'fleet.gpus_per_replica'];
    combos = names.flatMap((name) => {
      const degrees = fittingDegrees(base, name);
      if (degrees.length === 0 && flags.gpus!.trim() !== 'all') return [[name, base.pools[0].gpusPerReplica]];
      return degrees.map((d): AxisValue[] => [name, d]);
    });
  } else {
    const optionAxes = userAxes.filter((_, i) => i !== g);
    optionKeys = optionAxes.map((a) => a.key);
    combos = buildGrid(optionAxes).map((p) => [...p.values]);
  }
  const options = combos.map((values): PlanOption => {
    const set = optionKeys.map((k, i) => `${k}=${formatValue(values[i])}`);
    let pool: Scenario['pools'][number] | undefined;
    try {
      pool = loadWorkload(file, { set: [...flags.set, ...set], seed: flags.seed }).pools[poolIndex];
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // The file's GPU count may not be whole replicas of this option: try the fewest whole
      // replicas the workload allows (one replica, or enough to hold its reserved base).
      const tp = Number(values[optionKeys.indexOf('fleet.gpus_per_replica')] ?? base.pools[poolIndex]?.gpusPerReplica ?? 1);
      const fewest = Math.max(1, Math.ceil((baseBounds?.floor?.gpus ?? 0) / tp)) * tp;
      try {
        pool = loadWorkload(file, { set: [...flags.set, ...set, ...(gpuKey === null ? [] : [`${gpuKey}=${fewest}`])], seed: flags.seed }).pools[poolIndex];
      } catch (again) {
        if (!(again instanceof InputError)) throw again;
        return { values, set, counts: [], error: again.message.split('\n').slice(-1)[0].trim() };
      }
    }
    const gpr = pool?.gpusPerReplica ?? 1;
    if (gpuKey === null) return { values, set, counts: [0], error: null };
    const bounds = pool === undefined ? { min: gpr, max: null, floor: null } : gpuBounds(pool, fleetKey);
    const reservedGpus = pool === undefined ? 0 : committedGpus(pool);
    const whole = (v: number) => v >= gpr && v % gpr === 0;
    const inBounds = (v: number) => v >= bounds.min && (bounds.max === null || v <= bounds.max);
    const counts = g !== null
      ? userAxes[g].values.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && whole(v) && inBounds(v)).sort((a, b) => a - b)
      : wholeReplicas(bounds, gpr, Math.max(flags.maxGpus, base.pools[poolIndex].gpus));
    let error: string | null = null;
    if (counts.length === 0) {
      const anyWhole = g !== null && userAxes[g].values.some((v) => typeof v === 'number' && Number.isInteger(v) && whole(v));
      const why = bounds.floor === null ? '' : ` (${bounds.floor.from}: ${bounds.floor.gpus})`;
      error = anyWhole
        ? `no ${gpuKey} value is ${bounds.max === null ? `at least ${bounds.min}` : `within ${bounds.min}..${bounds.max}`}${why}`
        : `no ${gpuKey} value is a whole number of ${gpr}-GPU replicas`;
    }
    return { values, set, counts, error, bounds, reservedGpus };
  });
  return { options, optionKeys, gpuKey, openEnded: g === null && gpuKey !== null };
}

async function planCommand(io: Io, file: string, flags: PlanFlags): Promise<ExitCode> {
  const userAxes = parseAxes(flags.vary);
  noteWorkerCap(io, flags);
  const base = loadBase(io, file, flags, userAxes.length > 0 ? pointAt(userAxes, 0) : undefined);
  if (wantsDisaggregatedPlan(base, flags.compareDisaggregated === true)) {
    if (userAxes.length > 0 || flags.gpus !== undefined) throw inputError('--vary and --gpus do not apply to a disaggregated fleet or --compare-disaggregated: the search is over the prefill and decode GPU counts');
    return planDisaggregatedCommand(io, file, flags, base);
  }
  const poolsMode = userAxes.length === 0 && flags.gpus === undefined && base.pools.length > 1;
  const space = poolsMode ? null : searchSpace(file, flags, base, userAxes);
  const axes: VaryAxis[] = poolsMode
    ? defaultAxes(base, flags.maxGpus)
    : [...space!.optionKeys.map((key, k) => ({ key, values: [...new Set(space!.options.map((o) => o.values[k]))] })), ...(space!.gpuKey === null ? [] : [{ key: space!.gpuKey, values: [] }])];
  const api = apiPrices(base, flags.api);
  const ownItems = selfHostedOnly(base, flags.selfHostedOnly);
  const folder = claimOutputFolder(flags.out ?? defaultOutFolder(base.name, flags.set));
  let written = false;
  try {
    const code = await planInto(io, file, flags, folder.dir, { userAxes, base, axes, poolsMode, api, ownItems, space });
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
  { userAxes, base, axes, poolsMode, api, ownItems, space }: { userAxes: VaryAxis[]; base: Scenario; axes: VaryAxis[]; poolsMode: boolean; api: ApiPrices[]; ownItems: string[]; space: SearchSpace | null },
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
      options: space?.options,
      optionKeys: space?.optionKeys,
      gpuKey: space?.gpuKey,
      openEnded: poolsMode || space!.openEnded,
      pools: poolsMode ? base.pools.map((p) => ({ serves: p.serves, fileGpus: p.gpus })) : undefined,
      apis: api,
      selfHostedOnly: ownItems,
      breakEven: flags.breakEven ? { step: flags.breakEvenStep, maxFactor: flags.breakEvenMax } : null,
      headroom: flags.headroom,
      onProgress: (n) => bar.update(`${n} points simulated`),
    });
  } finally {
    bar.end();
  }
  const { evaluated, outcomes, chosen, economics } = found;
  const floors = floorsOf(base, axes, poolsMode, space);

  const failed = (kind: 'input' | 'internal') =>
    evaluated.filter((p) => {
      const o = outcomes.get(p.index)!;
      return !o.ok && o.kind === kind;
    }).length;
  const columns = [...sweepColumns(axes, flags.replications !== undefined), 'stopped_at_hour', 'chosen'];
  let planCsv = toCsv([], columns);
  for (const p of evaluated) planCsv += rowLine(columns, { ...sweepRecord(axes, p, outcomes.get(p.index)!), chosen: p === chosen });
  const chosenOutcome = chosen === null ? null : outcomes.get(chosen.index)!;
  const chosenJson =
    chosen === null || !chosenOutcome?.ok ? null : {
      ...Object.fromEntries(axes.map((a, i) => [a.key, chosen!.values[i]])),
      ...chosenOutcome.figures,
      pools: chosenOutcome.detail.pools,
    };
  const options = ranked(found.options.map((r) => optionEntry(r, space!, outcomes)));
  const result = {
    chosen: chosenJson,
    evaluated: evaluated.length,
    space: found.space,
    search: found.searched,
    // Only when some GPU count cannot go down to one replica: plan.json is unchanged otherwise.
    ...(floors.length > 0 ? { floors } : {}),
    ...(poolsMode ? {} : { options }),
    errors: { input: failed('input'), internal: failed('internal') },
    ...(economics === null
      ? { schedule: null, per_day: null, per_month: null, api: api[0], apis: api, shared: null, self_hosted_only: null, reserved_mix: null, rate: null, assumptions: [] }
      : economics),
    break_even: found.breakEven,
    break_even_rate: found.breakEven?.results.find((r) => r.api === api[0].name && r.option === 'static')?.rate ?? null,
    headroom: found.headroom,
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
      const keys = userAxes.length > 0 || flags.gpus !== undefined ? ` (${axes.map((a, i) => `${a.key}=${chosen!.values[i]}`).join(' ')})` : '';
      io.out(`cheapest: ${describeFleet(d)}${keys}, $${(chosenOutcome.figures.cost_per_hour ?? 0).toFixed(2)}/h, ${describeLatency(d)}\n`);
    } else if (!poolsMode && space!.options.length > 0 && space!.options.every((o) => o.error !== null)) {
      // Nothing could be simulated: say why (e.g. every --vary fleet.gpus value below a reservation).
      io.out(`chosen: null: nothing in the search space can be simulated: ${[...new Set(space!.options.map((o) => o.error))].join('; ')}\n`);
    } else {
      io.out(`chosen: null: nothing in the search space (${spaceText}) meets every SLO in every hour\n`);
    }
    const stopped = evaluated.filter((p) => isStopped(outcomes.get(p.index))).length;
    io.out(`simulated ${evaluated.length} of ${found.space} points (${spaceText})${stopped > 0 ? `, ${stopped} stopped early at a missed hour` : ''}\n`);
    for (const f of floors) io.out(floorText(f));
    if (options.length > 1) io.out(optionsTable(options));
    if (economics !== null) io.out(economicsText(economics, found.breakEven));
    if (found.headroom !== null && chosenOutcome?.ok) io.out(headroomText(found.headroom, describeFleet(chosenOutcome.detail)));
    io.out(`wrote plan.csv, plan_schedule.csv and plan.json in ${out}\n`);
  }
  if (result.errors.input + result.errors.internal > 0) {
    io.err(`capsim: ${result.errors.input + result.errors.internal} simulated points failed (${result.errors.input} bad input, ${result.errors.internal} internal); see the error column of ${join(out, 'plan.csv')}\n`);
  }
  if (result.errors.internal > 0) return EXIT.internal;
  if (result.errors.input > 0) return EXIT.badInput;
  return flags.failOnSlo && chosen === null ? EXIT.sloMissed : EXIT.ok;
}

/** A GPU-count key whose search starts above one replica, and why (plan.json `floors`). */
interface FloorEntry {
  key: string;
  /** The key that sets the floor and its value. */
  from: string;
  gpus: number;
  /** The fewest GPUs searched: the floor in whole replicas. */
  searched_from: number;
  /** The most GPUs the workload accepts (an autoscaler's max), or null. */
  searched_to_at_most: number | null;
}

/** The floors of the search (gpuBounds.ts): per pool in pools mode, per distinct floor of the options otherwise. */
function floorsOf(base: Scenario, axes: readonly VaryAxis[], poolsMode: boolean, space: SearchSpace | null): FloorEntry[] {
  const entries: FloorEntry[] = poolsMode
    ? base.pools.flatMap((pool, i) => {
        const b = gpuBounds(pool, fleetKeyOf(axes[i].key));
        return b.floor === null ? [] : [{ key: axes[i].key, from: b.floor.from, gpus: b.floor.gpus, searched_from: b.min, searched_to_at_most: b.max }];
      })
    : space!.options.flatMap((o) => (o.bounds?.floor && space!.gpuKey !== null && o.counts.length > 0 ? [{ key: space!.gpuKey, from: o.bounds.floor.from, gpus: o.bounds.floor.gpus, searched_from: o.counts[0], searched_to_at_most: o.bounds.max }] : []));
  return [...new Map(entries.map((e) => [JSON.stringify(e), e])).values()];
}

function floorText(f: FloorEntry): string {
  if (f.from.endsWith('.reserved.gpus')) {
    return `reserved: ${f.from} = ${f.gpus} GPUs are already committed (billed every hour, used or not): ${f.key} is searched from ${f.searched_from} and the hourly schedule never goes below it\n`;
  }
  return `autoscaled: ${f.key} is the fleet's starting size, searched within the autoscaler's bounds ${f.searched_from}..${f.searched_to_at_most} (${f.from.replace(/\.(min|schedule\[0\])$/, '')})\n`;
}

/** One entry of plan.json `options` and of the ranked table. */
interface OptionEntry {
  option: Record<string, AxisValue>;
  label: string;
  gpus: number | null;
  gpu: string | null;
  gpus_per_replica: number | null;
  cost_per_hour: number | null;
  cost_per_month: number | null;
  schedule_cost_per_month: number | null;
  meets_slo: boolean;
  /** Peak-hour p99 against each latency SLO, per class. */
  peak: { class: string; metric: 'ttft' | 'e2e'; p99_ms: number; slo_ms: number }[];
  /** The largest GPU count simulated for the option (when it found none, the search went this far). */
  searched_to: number | null;
  error: string | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function optionEntry(r: OptionResult, space: SearchSpace, outcomes: PlanResult['outcomes']): OptionEntry {
  const option = Object.fromEntries(space.optionKeys.map((k, i) => [k, r.option.values[i]]));
  const label = space.optionKeys.length === 0 ? '(the workload)' : space.optionKeys.map((k, i) => `${k}=${formatValue(r.option.values[i])}`).join(' ');
  const o = r.point === null ? undefined : outcomes.get(r.point.index);
  const pointError = r.option.error ?? null;
  if (!o?.ok) {
    return { option, label, gpus: null, gpu: null, gpus_per_replica: null, cost_per_hour: null, cost_per_month: null, schedule_cost_per_month: null, meets_slo: false, peak: [], searched_to: r.searchedTo, error: pointError };
  }
  const d = o.detail;
  const perHour = o.figures.cost_per_hour;
  return {
    option,
    label,
    gpus: d.pools.reduce((n, p) => n + p.gpus, 0),
    gpu: d.pools.map((p) => p.gpu).join('+'),
    gpus_per_replica: d.pools[0]?.gpusPerReplica ?? null,
    cost_per_hour: perHour,
    cost_per_month: perHour === null ? null : round2(perHour * HOURS_PER_MONTH),
    schedule_cost_per_month: r.economics === null ? null : round2((r.economics.per_day.schedule / 24) * HOURS_PER_MONTH),
    meets_slo: o.figures.meets_slo,
    peak: d.classes.flatMap((c) => [
      ...(c.ttftSloMs !== null && c.peakTtftP99Ms !== null ? [{ class: c.name, metric: 'ttft' as const, p99_ms: c.peakTtftP99Ms, slo_ms: c.ttftSloMs }] : []),
      ...(c.e2eSloMs !== null && c.peakE2eP99Ms !== null ? [{ class: c.name, metric: 'e2e' as const, p99_ms: c.peakE2eP99Ms, slo_ms: c.e2eSloMs }] : []),
    ]),
    searched_to: r.searchedTo,
    error: null,
  };
}

/** Cheapest first; options with no answer last, in their search order. */
function ranked(entries: OptionEntry[]): OptionEntry[] {
  return entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.cost_per_hour ?? Infinity) - (b.e.cost_per_hour ?? Infinity) || a.i - b.i).map((x) => x.e);
}

function optionsTable(entries: readonly OptionEntry[]): string {
  const money = (x: number | null) => (x === null ? '' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
  const rows = entries.map((e, i) => [
    String(i + 1),
    e.label,
    e.gpus === null ? (e.error ?? `none up to ${e.searched_to ?? '?'} GPUs`) : String(e.gpus),
    money(e.cost_per_hour),
    money(e.cost_per_month),
    e.peak.map((p) => `${p.metric.toUpperCase()} ${fmtMs(p.p99_ms)} <= ${fmtMs(p.slo_ms)}${new Set(e.peak.map((q) => q.class)).size > 1 ? ` (${p.class})` : ''}`).join(', '),
    money(e.schedule_cost_per_month),
  ]);
  const header = ['#', 'option', 'GPUs', '$/hour', '$/month', 'peak-hour p99 vs SLO', 'schedule $/month'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 1 || c === 5 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ').trimEnd();
  return `options, cheapest first (month = ${HOURS_PER_MONTH} h):\n${[header, ...rows].map(line).join('\n')}\n`;
}

const usd = (x: number | null) => (x === null ? '-' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const rateText = (x: number) => String(Number(x.toPrecision(3)));

/** Per day and per month, self-hosted three ways and on each API, and the break-even rates. */
function economicsText(e: Economics, breakEven: BreakEvenSearch | null): string {
  const mix = e.reserved_mix;
  const lines: string[] = [];
  const way = (name: string, day: number | null, month: number | null) => `${name} ${usd(day)}/day (${usd(month)}/month)`;
  lines.push(`self-hosted: ${way('static fleet', e.per_day.static, e.per_month.static)}, ${way('hourly schedule', e.per_day.schedule, e.per_month.schedule)}${mix === null ? '' : `, ${way(`reserved base of ${mix.base_gpus} GPU${mix.base_gpus === 1 ? '' : 's'} + on top`, e.per_day.reserved_mix, e.per_month.reserved_mix)}`}`);
  lines.push(`both sides include ${usd(e.shared.per_day)}/day of costs that exist either way (${e.shared.items.join(', ') || 'none'})${e.self_hosted_only.items.length > 0 ? `; self-hosted only: ${e.self_hosted_only.items.join(', ')} (${usd(e.self_hosted_only.per_day)}/day)` : ''}`);
  const ways = SELF_HOSTED.filter((w) => e.per_day[w] !== null);
  const cell = (api: string, w: SelfHosted) => {
    const r = breakEven?.results.find((x) => x.api === api && x.option === w);
    if (!r) return '';
    if (r.status === 'bracketed') return `${rateText(r.below!)}-${rateText(r.above!)}${r.rate === null ? '' : ` (~${rateText(r.rate)})`}`;
    if (r.status === 'cheaper_at_every_rate_tried') return `< ${rateText(r.above!)}`;
    return `> ${rateText(breakEven!.tried.at(-1)!.rate)}`;
  };
  const header = ['API', '$/day', '$/month', ...(breakEven === null ? [] : ways.map((w) => `cheaper above (${w === 'reserved_mix' ? 'reserved mix' : w}), req/s`))];
  const rows = e.apis.map((a) => [a.name, usd(e.per_day.api[a.name]), usd(e.per_month.api[a.name]), ...(breakEven === null ? [] : ways.map((w) => cell(a.name, w)))]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ').trimEnd();
  lines.push(...[header, ...rows].map(line));
  if (breakEven !== null) {
    lines.push(
      `break-even by simulation: rates tried ${breakEven.tried.map((p) => rateText(p.rate)).join(', ')} requests/s (x${breakEven.step} steps within /${breakEven.max_factor}..x${breakEven.max_factor} of ${e.rate}/s), each with its own GPU-count search: ${breakEven.tried.map((p) => (p.gpus === null ? 'none' : String(p.gpus))).join(', ')} GPUs`,
    );
  } else if (e.rate === null) lines.push('break-even: not searched (the traffic has no rate to scale)');
  return `${lines.join('\n')}\n`;
}

function headroomText(h: Headroom, fleet: string): string {
  const peak = h.peak_hour_rate === null ? '' : ` (peak hour ${h.peak_hour_rate} requests/s)`;
  if (h.missed_at === null) return `headroom: ${fleet} meets every SLO up to ${h.factor}x this traffic${peak}, the most tried\n`;
  if (h.factor <= 1) return `headroom: none: ${fleet} misses an SLO at ${h.missed_at}x this traffic (resolution ${h.resolution * 100}%)\n`;
  return `headroom: ${fleet} meets every SLO up to ${h.factor}x this traffic${peak}, misses at ${h.missed_at}x (every hour scaled alike; resolution ${Math.round(h.resolution * 100)}% of the rate)\n`;
}
