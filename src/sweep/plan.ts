/**
 * `plan(...)`: the library side of `capsim plan`. Simulates the points the search asks for on a
 * pool of workers (each point at most once), picks the cheapest that meets every SLO in every
 * hour, refines the per-hour schedule and prices it. Never prints or writes files.
 *
 * Two modes:
 * - grid: the `--vary` grid (or the default single-fleet GPU axis), searched by `searchCheapest`;
 * - pools: the default space of a workload with several pools: one GPU axis per pool. A pool's
 *   classes depend only on its own GPUs, so each pool is searched on its own (doubling and
 *   bisection on "every class this pool serves meets its SLOs", the other pools at the file's
 *   counts), then the combination of the per-pool answers is simulated to verify it.
 */
import type { PointDetail } from './figures.js';
import type { GpuBounds } from './gpuBounds.js';
import { gridSize, indexOf, pointAt, type AxisValue, type GridPoint, type VaryAxis } from './grid.js';
import { searchBreakEven, type BreakEvenSearch, type RatePoint } from './breakEven.js';
import { searchHeadroom, type Headroom } from './planHeadroom.js';
import { planEconomics, type ApiPrices, type Economics } from './planEconomics.js';
import { planEvaluator, type PlanEvaluator } from './planEvaluator.js';
import { firstMeeting, meets, refineHours, scheduleProbes, type Likely, type Speculate } from './planSearch.js';
import { createPointScheduler } from './pointScheduler.js';
import type { PointOutcome } from './runPoint.js';

/**
 * One option of the search space: a combination of the varied keys other than the GPU count
 * (a GPU kind, a tensor-parallel degree, a batch size...), searched on its own GPU counts.
 */
export interface PlanOption {
  /** Its value of each option key (PlanOptions.optionKeys), in order. */
  readonly values: readonly AxisValue[];
  /** The `--set KEY=VALUE` overrides that select it. */
  readonly set: readonly string[];
  /**
   * GPU counts to search, ascending: whole replicas of this option (counts that are not a
   * multiple of its replica size are skipped, never simulated). Empty when `error` is set.
   */
  readonly counts: readonly number[];
  /** Why this option cannot be simulated at all (e.g. the model does not fit), or null. */
  readonly error: string | null;
  /** The GPU counts the workload accepts for it (a reserved base, an autoscaler; gpuBounds.ts), when known. */
  readonly bounds?: GpuBounds;
  /** GPUs the workload already reserves (fixed commitment, see gpuBounds.committedGpus), or 0/absent. */
  readonly reservedGpus?: number;
}

/** What the search found for one option. */
export interface OptionResult {
  readonly option: PlanOption;
  /** The fewest GPUs of this option that meet every SLO in every hour, or null. */
  readonly point: GridPoint | null;
  /** The largest GPU count simulated for it. */
  readonly searchedTo: number | null;
  /** The option's economics at `point` (its hourly schedule), or null. */
  readonly economics: Economics | null;
}

export interface PlanOptions {
  readonly file: string;
  readonly set: readonly string[];
  readonly seed?: number;
  readonly replications: number;
  readonly workers: number;
  readonly axes: readonly VaryAxis[];
  /**
   * Grid mode: the options (each searched on its own GPU counts), the keys they vary, and the
   * key of the GPU count (`fleet.gpus`). Pools mode uses `axes` instead.
   */
  readonly options?: readonly PlanOption[];
  readonly optionKeys?: readonly string[];
  /** null: no GPU count is searched (pools with --vary and no pools[i].gpus): one point per option. */
  readonly gpuKey?: string | null;
  /**
   * The default doubling space (GPU counts up to a cap): the reported size ends at the first
   * count the doubling found meeting, not at the cap.
   */
  readonly openEnded: boolean;
  /** Pools mode: per axis (one per pool), the classes the pool serves and its GPUs in the file. */
  readonly pools?: readonly { readonly serves: readonly string[]; readonly fileGpus: number }[];
  /** The APIs to compare with, the first being the main one (at least one). */
  readonly apis: readonly ApiPrices[];
  /** `costs.hourly` / `costs.amortized` items that exist only when self-hosting. */
  readonly selfHostedOnly?: readonly string[];
  /** Grid mode: search the break-even rate by simulation (see breakEven.ts), or not (null). */
  readonly breakEven?: { readonly step: number; readonly maxFactor: number } | null;
  /** Grid mode: search how much more traffic the chosen fleet takes (see planHeadroom.ts). */
  readonly headroom?: boolean;
  readonly onProgress?: (simulated: number) => void;
}

export interface PlanResult {
  /** The simulated points, in grid order. */
  readonly evaluated: readonly GridPoint[];
  readonly outcomes: ReadonlyMap<number, PointOutcome>;
  readonly chosen: GridPoint | null;
  /** Points in the search space (open-ended: up to the first doubling hit on each axis). */
  readonly space: number;
  /** The range searched on each axis. */
  readonly searched: readonly { key: string; from: number | string; to: number | string; values: number }[];
  readonly economics: Economics | null;
  /** Grid mode: per option, its cheapest GPU count (in option order). */
  readonly options: readonly OptionResult[];
  /** The break-even rates against each API, or null when not searched. */
  readonly breakEven: BreakEvenSearch | null;
  /** How much more traffic the chosen static fleet takes, or null when not searched. */
  readonly headroom: Headroom | null;
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { axes } = options;
  const scheduler = createPointScheduler(options.workers);
  const task = { file: options.file, set: options.set, seed: options.seed, replications: options.replications };
  let simulated = 0;
  // Each search space (the options, each break-even rate, the headroom) has its own point indices.
  const evaluator = () => planEvaluator(scheduler, task, () => options.onProgress?.(++simulated));
  const main = evaluator();
  const { evaluate, outcomes, points } = main;
  const detailAt = (p: GridPoint): PointDetail | null => {
    const o = outcomes.get(p.index);
    return o?.ok ? o.detail : null;
  };

  try {
    let chosen: GridPoint | null;
    let space: number;
    let searchedTo: number[]; // per axis: how many values were in the searched range
    let economics: Economics | null = null;
    let optionResults: OptionResult[] = [];
    if (options.pools) {
      ({ chosen, searchedTo } = await searchPools(axes, options.pools, main));
      space = searchedTo.reduce((n, k) => n * k, 1);
      if (chosen !== null) economics = planEconomics(detailAt(chosen)!, new Map(), options.apis, options.selfHostedOnly);
    } else {
      const found = await searchOptions(options, main);
      optionResults = found.results;
      chosen = found.chosen;
      space = found.space;
      searchedTo = [];
    }
    const evaluated = [...points.values()].filter((p) => outcomes.has(p.index)).sort((a, b) => a.index - b.index);
    let searched: { key: string; from: number | string; to: number | string; values: number }[];
    if (options.pools) searched = axes.map((a, i) => ({ key: a.key, from: a.values[0], to: a.values[searchedTo[i] - 1], values: searchedTo[i] }));
    else {
      const keys = options.optionKeys ?? [];
      searched = keys.map((key, k) => {
        const values = [...new Set(options.options!.map((o) => o.values[k]))];
        return { key, from: values[0], to: values[values.length - 1], values: values.length };
      });
      const tried = optionResults.flatMap((r) => (r.searchedTo === null ? [] : [r.searchedTo]));
      const firsts = options.options!.flatMap((o) => o.counts.slice(0, 1));
      if (firsts.length > 0 && options.gpuKey !== null) {
        searched.push({ key: options.gpuKey ?? 'fleet.gpus', from: Math.min(...firsts), to: tried.length > 0 ? Math.max(...tried) : Math.min(...firsts), values: space });
      }
      if (chosen !== null) economics = optionResults.find((r) => r.point === chosen)?.economics ?? null;
    }
    let breakEven: BreakEvenSearch | null = null;
    let headroom: Headroom | null = null;
    const best = optionResults.find((r) => r.point === chosen && r.point !== null);
    if (best && economics !== null && economics.rate !== null) {
      const rate0 = economics.rate;
      const chosenPoint = best.point!;
      const [be, hr] = await Promise.all([
        options.breakEven ? searchBreakEven(rate0, options.apis.map((a) => a.name), ratePlan(options, best, economics, evaluator), options.breakEven) : null,
        options.headroom ? searchHeadroom(rate0, chosenPoint, outcomes.get(chosenPoint.index)!, evaluator()) : null,
      ]);
      breakEven = be;
      headroom = hr;
    }
    return { evaluated, outcomes, chosen, space, searched, economics, options: optionResults, breakEven, headroom };
  } finally {
    await scheduler.close();
  }
}

/**
 * Grid mode: each option's fewest GPUs (doubling then bisection on its own counts, see
 * planSearch.ts), its hourly schedule below that count, and the cheapest option overall.
 */
async function searchOptions(options: PlanOptions, { evaluate, hint, outcomes }: PlanEvaluator): Promise<{ results: OptionResult[]; chosen: GridPoint | null; space: number }> {
  const list = options.options ?? [];
  const gpuKey = options.gpuKey === undefined ? 'fleet.gpus' : options.gpuKey;
  const stride = Math.max(1, ...list.map((o) => o.counts.length));
  const groups = list.map((o, i): GridPoint[] => {
    if (o.error !== null) return [];
    if (gpuKey === null) return [{ index: i * stride, values: [...o.values], set: [...o.set] }];
    return o.counts.map((n, pos): GridPoint => ({ index: i * stride + pos, values: [...o.values, n], set: [...o.set, `${gpuKey}=${n}`] }));
  });
  const results = await Promise.all(
    list.map(async (option, i): Promise<OptionResult> => {
      const group = groups[i];
      if (group.length === 0) return { option, point: null, searchedTo: null, economics: null };
      // Idle workers simulate what this option's search will probably ask for next; once some
      // count meets, the option has an answer below which its schedule will bisect each hour, so
      // the schedule's first points (scheduleProbes) are hinted too.
      const stream = {};
      const probes = (hit: number): Likely[] => scheduleProbes(group, hit, outcomes).map((point) => ({ point, need: 'full' }));
      const speculate: Speculate = (likely, known) => hint(stream, [...likely, ...(known.hit === null ? [] : probes(known.hit))]);
      const hit = await firstMeeting(group, evaluate, meets, 'verdict', speculate, 'full');
      // The answer's neighbour below (known to miss) is reported in full, like the answer.
      if (hit !== null) hint(stream, probes(hit));
      if (hit !== null && hit > 0) await evaluate(group[hit - 1], 'full');
      const tried = group.filter((p) => outcomes.has(p.index));
      const searchedTo = tried.length > 0 && gpuKey !== null ? Number(tried[tried.length - 1].values.at(-1)) : null;
      if (hit === null) return { option, point: null, searchedTo, economics: null };
      const byHourPos = await refineHours(group, hit, evaluate, outcomes, (likely) => hint(stream, likely));
      hint(stream, []);
      const byHour = new Map<number, PointDetail>();
      for (const [hour, pos] of byHourPos) {
        const o = outcomes.get(group[pos].index);
        if (o?.ok) byHour.set(hour, o.detail);
      }
      const o = outcomes.get(group[hit].index)!;
      return { option, point: group[hit], searchedTo, economics: o.ok ? planEconomics(o.detail, byHour, options.apis, options.selfHostedOnly, option.reservedGpus ?? 0) : null };
    }),
  );
  let chosen: GridPoint | null = null;
  let best = Infinity;
  for (const r of results) {
    const o = r.point === null ? undefined : outcomes.get(r.point.index);
    if (!meets(o) || !o!.ok) continue;
    const cost = o!.figures.cost_per_hour ?? Infinity;
    if (chosen === null || cost < best) {
      chosen = r.point;
      best = cost;
    }
  }
  // Open-ended counts (the default): the space ends at the largest count tried per option.
  const space = options.openEnded
    ? groups.reduce((n, g) => n + (g.filter((p) => outcomes.has(p.index)).length === 0 ? 0 : Math.max(...g.map((p, pos) => (outcomes.has(p.index) ? pos + 1 : 0)))), 0)
    : groups.reduce((n, g) => n + g.length, 0);
  return { results, chosen, space };
}

/** Pools mode: each pool's fewest GPUs on its own, then the combination, verified. */
async function searchPools(
  axes: readonly VaryAxis[],
  pools: NonNullable<PlanOptions['pools']>,
  { evaluate, hint }: PlanEvaluator,
): Promise<{ chosen: GridPoint | null; searchedTo: number[] }> {
  if (gridSize(axes) < 1) return { chosen: null, searchedTo: axes.map(() => 0) };
  const filePositions = axes.map((a, i) => Math.max(0, a.values.indexOf(pools[i].fileGpus)));
  const at = (positions: number[]) => pointAt(axes, indexOf(axes, positions));
  const evaluatedMax = axes.map(() => 0);
  const hits = await Promise.all(
    axes.map(async (axis, i) => {
      const group = axis.values.map((_, pos) => at(filePositions.map((p, j) => (j === i ? pos : p))));
      const serves = new Set(pools[i].serves);
      const poolMeets = (o: PointOutcome) => o.ok && o.detail.classes.every((c) => !serves.has(c.name) || c.meetsSlo);
      const tracked = async (p: GridPoint) => {
        evaluatedMax[i] = Math.max(evaluatedMax[i], group.indexOf(p));
        return evaluate(p);
      };
      // Full runs: a point may be shared with another pool's search, which judges other classes.
      const stream = {};
      const hit = await firstMeeting(group, tracked, poolMeets, 'full', (likely) => hint(stream, likely));
      hint(stream, []);
      return hit;
    }),
  );
  const searchedTo = hits.map((h, i) => (h === null ? axes[i].values.length : evaluatedMax[i] + 1));
  if (hits.some((h) => h === null)) return { chosen: null, searchedTo };
  const combination = at(hits as number[]);
  return { chosen: meets(await evaluate(combination)) ? combination : null, searchedTo };
}

/**
 * The plan of the chosen option at another rate (for the break-even search): its own GPU-count
 * search and schedule with `traffic.rate` set. More traffic never needs fewer GPUs, so the counts
 * searched start at the answer of the nearest lower rate already planned and end at that of the
 * nearest higher one.
 */
function ratePlan(
  options: PlanOptions,
  best: OptionResult,
  economics: Economics,
  evaluator: () => PlanEvaluator,
): (rate: number) => Promise<RatePoint> {
  const rate0 = economics.rate!;
  const gpus0 = Number(best.point!.values.at(-1));
  const known = new Map<number, number | null>([[rate0, options.gpuKey === null ? null : gpus0]]);
  return async (rate) => {
    if (rate === rate0) return { rate, gpus: known.get(rate0) ?? null, per_day: economics.per_day };
    const lower = [...known].filter(([r, n]) => r < rate && n !== null).map(([, n]) => n!);
    const upper = [...known].filter(([r, n]) => r > rate && n !== null).map(([, n]) => n!);
    const from = lower.length > 0 ? Math.max(...lower) : 0;
    const to = upper.length > 0 ? Math.min(...upper) : Infinity;
    const option: PlanOption = { ...best.option, set: [...best.option.set, `traffic.rate=${rate}`], counts: best.option.counts.filter((n) => n >= from && n <= to) };
    const found = await searchOptions({ ...options, options: [option], openEnded: false }, evaluator());
    const r = found.results[0];
    const gpus = r.point === null || options.gpuKey === null ? null : Number(r.point.values.at(-1));
    known.set(rate, gpus);
    return { rate, gpus, per_day: r.economics?.per_day ?? null };
  };
}
