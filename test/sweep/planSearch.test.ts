/**
 * The plan's search on synthetic outcomes (no simulation): exact logs of the points simulated.
 */
import { describe, expect, it } from 'vitest';
import type { PointDetail } from '../../src/sweep/figures.js';
import { buildGrid, parseVary, type GridPoint } from '../../src/sweep/grid.js';
import { firstMeeting, gpuAxis, refineHours, searchCheapest } from '../../src/sweep/planSearch.js';
import type { PointOutcome } from '../../src/sweep/runPoint.js';

/** A fake point: meets from `needed` GPUs on; costs 1 per GPU; hour h needs needByHour[h]. */
function fake(gpus: number, needed: number, needByHour: number[] = [needed]): PointOutcome {
  const detail = { hoursMissed: needByHour.flatMap((n, h) => (gpus < n ? [h] : [])), hourlyCost: needByHour.map(() => gpus) } as unknown as PointDetail;
  const figures = { cost_per_hour: gpus, meets_slo: gpus >= needed } as never;
  return { ok: true, figures, detail };
}

function evaluator(gpusOf: (p: GridPoint) => number, outcome: (gpus: number) => PointOutcome) {
  const log: number[] = [];
  const outcomes = new Map<number, PointOutcome>();
  const evaluate = async (p: GridPoint) => {
    if (!outcomes.has(p.index)) {
      log.push(gpusOf(p));
      outcomes.set(p.index, outcome(gpusOf(p)));
    }
    return outcomes.get(p.index)!;
  };
  return { log, outcomes, evaluate };
}

describe('plan search', () => {
  const grid = buildGrid([parseVary('fleet.gpus=1..32')]);
  const gpus = (p: GridPoint) => Number(p.values[0]);

  it.each([
    // needed, simulated in order (doubling 1, 2, 4, 8, 16 ... then bisection)
    [1, [1]],
    [2, [1, 2]],
    [3, [1, 2, 4, 3]],
    [12, [1, 2, 4, 8, 16, 12, 10, 11]],
    [32, [1, 2, 4, 8, 16, 32, 24, 28, 30, 31]],
    [33, [1, 2, 4, 8, 16, 32]],
  ])('needs %d GPUs: simulates %j', async (needed, expected) => {
    const { log, evaluate } = evaluator(gpus, (g) => fake(g, needed));
    const pos = await firstMeeting(grid, evaluate);
    expect(pos === null ? null : gpus(grid[pos])).toBe(needed > 32 ? null : needed);
    expect(log).toEqual(expected);
  });

  it.each([[1], [3], [12], [32], [33]])('needs %d GPUs: hints change nothing the search asks for, and name its next point', async (needed) => {
    const plain = evaluator(gpus, (g) => fake(g, needed));
    const hinted = evaluator(gpus, (g) => fake(g, needed));
    const hints: number[][] = [];
    const speculate = (likely: readonly { point: GridPoint }[]) => hints.push(likely.map((l) => gpus(l.point)));
    const a = await firstMeeting(grid, plain.evaluate);
    const b = await firstMeeting(grid, hinted.evaluate, undefined, 'verdict', speculate);
    expect(b).toEqual(a);
    expect(hinted.log).toEqual(plain.log);
    // one hint list per point asked for; every point asked after the first was hinted just before
    expect(hints.length).toBe(plain.log.length);
    plain.log.slice(1).forEach((g, k) => expect(hints[k]).toContain(g));
  });

  it('searches each combination of the other axes and picks the cheapest', async () => {
    const axes = [parseVary('gpu=a,b'), parseVary('fleet.gpus=1..8')];
    const g2 = buildGrid(axes);
    expect(gpuAxis(axes)).toBe(1);
    // gpu a needs 6 GPUs at 1/GPU; gpu b needs 3 GPUs but costs 2.5/GPU
    const { outcomes, evaluate } = evaluator(
      (p) => g2.indexOf(p),
      (i) => {
        const p = g2[i];
        const o = fake(Number(p.values[1]), p.values[0] === 'a' ? 6 : 3) as PointOutcome & { ok: true };
        return p.values[0] === 'a' ? o : { ...o, figures: { ...o.figures, cost_per_hour: Number(p.values[1]) * 2.5 } };
      },
    );
    const { chosen } = await searchCheapest(g2, 1, evaluate, outcomes);
    expect(chosen?.set).toEqual(['gpu=a', 'fleet.gpus=6']); // 6 < 3 x 2.5
    expect(outcomes.size).toBeLessThan(16);
  });

  it('refines the fewest GPUs per hour of day below the answer', async () => {
    const needByHour = [1, 2, 5, 7, 3];
    const { outcomes, evaluate, log } = evaluator(gpus, (g) => fake(g, 7, needByHour));
    const group = grid.slice(0, 16);
    const pos = await firstMeeting(group, evaluate);
    expect(gpus(group[pos!])).toBe(7);
    const byHour = await refineHours(group, pos!, evaluate, outcomes);
    expect([...byHour].map(([h, p]) => [h, gpus(group[p])])).toEqual([[0, 1], [1, 2], [2, 5], [3, 7], [4, 3]]);
    // every hour's answer and the GPU count below it were simulated
    for (const n of needByHour) {
      expect(log).toContain(n);
      if (n > 1) expect(log).toContain(n - 1);
    }
  });

  it('asks only for verdicts while searching, then has stopped points below the answer run in full', async () => {
    const needByHour = [1, 2, 5, 7, 3];
    const log: string[] = [];
    const outcomes = new Map<number, PointOutcome>();
    // A verdict of a missing point is a stopped outcome (at its first missed hour), as runPoint gives.
    const evaluate = async (p: GridPoint, need: 'verdict' | 'full' = 'full') => {
      const o = outcomes.get(p.index);
      if (o !== undefined && (o.ok || need === 'verdict')) return o;
      log.push(`${need} ${gpus(p)}`);
      const f = fake(gpus(p), 7, needByHour);
      const missed = f.ok ? f.detail.hoursMissed : [];
      const out: PointOutcome = need === 'verdict' && missed.length > 0
        ? { ok: false, kind: 'stopped', hour: missed[0], className: 'c', replication: 0, message: 'stopped' }
        : f;
      outcomes.set(p.index, out);
      return out;
    };
    const group = grid.slice(0, 16);
    const pos = await firstMeeting(group, evaluate);
    expect(log).toEqual(['verdict 1', 'verdict 2', 'verdict 4', 'verdict 8', 'verdict 6', 'verdict 7']);
    const byHour = await refineHours(group, pos!, evaluate, outcomes);
    // the same schedule as with full runs throughout (test above)
    expect([...byHour].map(([h, p]) => [h, gpus(group[p])])).toEqual([[0, 1], [1, 2], [2, 5], [3, 7], [4, 3]]);
    // every stopped point below the answer first, then the refinement's own points, all in full
    // (7 met its verdict run, which is its full run)
    expect(log.slice(6, 10).sort()).toEqual(['full 1', 'full 2', 'full 4', 'full 6']);
    expect(log.slice(10).every((x) => x.startsWith('full'))).toBe(true);
  });
});
