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
import { buildGrid, gridSize, indexOf, pointAt, type GridPoint, type VaryAxis } from './grid.js';
import { planEconomics, type ApiPrices, type Economics } from './planEconomics.js';
import { firstMeeting, gpuAxis, meets, refineHours, searchCheapest } from './planSearch.js';
import { createPointRunner } from './pointRunner.js';
import type { PointOutcome } from './runPoint.js';
import { pointTask } from './runSweep.js';

export interface PlanOptions {
  readonly file: string;
  readonly set: readonly string[];
  readonly seed?: number;
  readonly replications: number;
  readonly workers: number;
  readonly axes: readonly VaryAxis[];
  /**
   * The default doubling space (GPU counts up to a cap): the reported size ends at the first
   * count the doubling found meeting, not at the cap.
   */
  readonly openEnded: boolean;
  /** Pools mode: per axis (one per pool), the classes the pool serves and its GPUs in the file. */
  readonly pools?: readonly { readonly serves: readonly string[]; readonly fileGpus: number }[];
  readonly api: ApiPrices;
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
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { axes } = options;
  const runner = createPointRunner(options.workers);
  const outcomes = new Map<number, PointOutcome>();
  const pending = new Map<number, Promise<PointOutcome>>();
  const points = new Map<number, GridPoint>();
  const task = { file: options.file, set: options.set, seed: options.seed, replications: options.replications, keepRunsDir: null };
  const evaluate = (point: GridPoint): Promise<PointOutcome> => {
    let p = pending.get(point.index);
    if (!p) {
      points.set(point.index, point);
      p = runner.run(pointTask(point, task)).then((o) => {
        outcomes.set(point.index, o);
        options.onProgress?.(outcomes.size);
        return o;
      });
      pending.set(point.index, p);
    }
    return p;
  };
  const detailAt = (p: GridPoint): PointDetail | null => {
    const o = outcomes.get(p.index);
    return o?.ok ? o.detail : null;
  };

  try {
    let chosen: GridPoint | null;
    let space: number;
    let searchedTo: number[]; // per axis: how many values were in the searched range
    let economics: Economics | null = null;
    if (options.pools) {
      ({ chosen, searchedTo } = await searchPools(axes, options.pools, evaluate));
      space = searchedTo.reduce((n, k) => n * k, 1);
      if (chosen !== null) economics = planEconomics(detailAt(chosen)!, new Map(), options.api);
    } else {
      const grid = buildGrid(axes);
      const axis = gpuAxis(axes);
      const found = await searchCheapest(grid, axis, evaluate, outcomes);
      chosen = found.chosen;
      space = grid.length;
      searchedTo = axes.map((a) => a.values.length);
      if (chosen !== null && found.group !== null) {
        const group = found.group;
        const chosenPos = group.indexOf(chosen);
        if (options.openEnded) {
          space = Math.max(...group.map((p, pos) => (outcomes.has(p.index) ? pos : 0))) + 1;
          searchedTo = [space];
        }
        const byHourPos = axis === null ? new Map<number, number>() : await refineHours(group, chosenPos, evaluate, outcomes);
        const byHour = new Map<number, PointDetail>();
        for (const [hour, pos] of byHourPos) {
          const d = detailAt(group[pos]);
          if (d) byHour.set(hour, d);
        }
        economics = planEconomics(detailAt(chosen)!, byHour, options.api);
      }
    }
    const evaluated = [...points.values()].filter((p) => outcomes.has(p.index)).sort((a, b) => a.index - b.index);
    const searched = axes.map((a, i) => ({ key: a.key, from: a.values[0], to: a.values[searchedTo[i] - 1], values: searchedTo[i] }));
    return { evaluated, outcomes, chosen, space, searched, economics };
  } finally {
    await runner.close();
  }
}

/** Pools mode: each pool's fewest GPUs on its own, then the combination, verified. */
async function searchPools(
  axes: readonly VaryAxis[],
  pools: NonNullable<PlanOptions['pools']>,
  evaluate: (p: GridPoint) => Promise<PointOutcome>,
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
      return firstMeeting(group, tracked, poolMeets);
    }),
  );
  const searchedTo = hits.map((h, i) => (h === null ? axes[i].values.length : evaluatedMax[i] + 1));
  if (hits.some((h) => h === null)) return { chosen: null, searchedTo };
  const combination = at(hits as number[]);
  return { chosen: meets(await evaluate(combination)) ? combination : null, searchedTo };
}
