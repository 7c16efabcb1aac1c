/**
 * planEvaluator over a fake scheduler that runs every hint at once (as if idle workers had
 * finished them before the search asks): what the search sees must be exactly what it sees
 * without hints. Reference: the plan's search on synthetic outcomes (planSearch.test.ts), where
 * a verdict of a missing point is stopped at its first missed hour, as runPoint gives.
 */
import { describe, expect, it } from 'vitest';
import type { PointDetail } from '../../src/sweep/figures.js';
import { buildGrid, parseVary, type GridPoint } from '../../src/sweep/grid.js';
import { planEvaluator, planTask } from '../../src/sweep/planEvaluator.js';
import { firstMeeting, meets, refineHours, type Speculate } from '../../src/sweep/planSearch.js';
import { taskKey, type PointOutcome, type PointTask } from '../../src/sweep/runPoint.js';

const base = { file: 'w.yaml', set: [], replications: 0 };
const grid = buildGrid([parseVary('fleet.gpus=1..32')]);

/** Meets from `needed` GPUs on; hour h needs needByHour[h]; a verdict of a miss stops at its first missed hour. */
function outcomeOf(task: PointTask, needed: number, needByHour: number[]): PointOutcome {
  const gpus = Number(task.set.find((s) => s.startsWith('fleet.gpus='))!.split('=')[1]);
  const hoursMissed = needByHour.flatMap((n, h) => (gpus < n ? [h] : []));
  if (task.stopOnMiss !== undefined && hoursMissed.length > 0) return { ok: false, kind: 'stopped', hour: hoursMissed[0], className: 'c', replication: 0, hoursMet: needByHour.flatMap((_, h) => (h < hoursMissed[0] ? [h] : [])), message: 'stopped' };
  const detail = { hoursMissed, hourlyCost: needByHour.map(() => gpus) } as unknown as PointDetail;
  return { ok: true, figures: { cost_per_hour: gpus, meets_slo: gpus >= needed } as never, detail };
}

/** A scheduler; `eager`: every hint is run (and kept) at once. Logs the tasks run and asked for. */
function fakeScheduler(needed: number, needByHour: number[], eager: boolean) {
  const done = new Map<string, PointOutcome>();
  const ran: string[] = [];
  const asked: string[] = [];
  const name = (t: PointTask) => `${t.stopOnMiss ? 'verdict' : 'full'} ${t.set.join(' ')}`;
  const get = (t: PointTask) => {
    const key = taskKey(t);
    if (!done.has(key)) {
      ran.push(name(t));
      done.set(key, outcomeOf(t, needed, needByHour));
    }
    return done.get(key)!;
  };
  return {
    ran,
    asked,
    run: async (t: PointTask) => {
      asked.push(name(t));
      return get(t);
    },
    hint: (_stream: object, tasks: readonly PointTask[]) => {
      if (eager) for (const t of tasks) get(t);
    },
  };
}

/** The option search of plan.ts: answer, stopped points below it in full, schedule. */
async function search(needed: number, needByHour: number[], eager: boolean, needOnceMet: 'verdict' | 'full' = 'full') {
  const scheduler = fakeScheduler(needed, needByHour, eager);
  const { evaluate, hint, outcomes } = planEvaluator(scheduler, base);
  const group = grid.slice(0, 16);
  const stream = {};
  const speculate: Speculate = (likely) => hint(stream, likely);
  const hit = await firstMeeting(group, evaluate, meets, 'verdict', speculate, needOnceMet);
  const byHour = hit === null ? null : await refineHours(group, hit, evaluate, outcomes, speculate);
  return { hit, byHour, outcomes: [...outcomes].sort((a, b) => a[0] - b[0]), scheduler };
}

describe('planEvaluator', () => {
  it.each([
    [3, [1, 2, 3]],
    [7, [1, 2, 5, 7, 3]],
    [12, [4, 12, 9, 6]],
    [17, [17, 1]], // none up to 16: stays stopped
  ])('needs %d GPUs (per hour %j): the same outcomes with every hint run at once as without hints', async (needed, needByHour) => {
    const plain = await search(needed, needByHour, false);
    const eager = await search(needed, needByHour, true);
    expect(eager.hit).toEqual(plain.hit);
    expect(eager.byHour).toEqual(plain.byHour);
    expect(eager.outcomes).toEqual(plain.outcomes);
    // the search asked for the same runs, in the same order
    expect(eager.scheduler.asked).toEqual(plain.scheduler.asked);
    // and hints were simulated that nobody asked for (the test would not test anything otherwise)
    expect(eager.scheduler.ran.length).toBeGreaterThan(plain.scheduler.ran.length);
  });

  it.each([[3], [7], [12], [17]])('needs %d GPUs: full runs once a count met give the answers verdicts then re-runs give, with no more runs', async (needed) => {
    const needByHour = [1, needed, 2];
    const verdicts = await search(needed, needByHour, false, 'verdict');
    const full = await search(needed, needByHour, false, 'full');
    expect(full.hit).toEqual(verdicts.hit);
    expect(full.byHour).toEqual(verdicts.byHour);
    // a point both read in full has the same figures; one may stay stopped where the other ran it
    // in full (the schedule runs a stopped point in full only when an hour needs it)
    const fullOf = (r: typeof full) => new Map(r.outcomes.filter(([, o]) => o.ok));
    for (const [i, o] of fullOf(full)) if (fullOf(verdicts).has(i)) expect(o).toEqual(fullOf(verdicts).get(i));
    for (const [i, o] of verdicts.outcomes) expect(meets(o)).toBe(meets(full.outcomes.find(([j]) => j === i)?.[1] ?? o));
    expect(full.scheduler.ran.length).toBeLessThanOrEqual(verdicts.scheduler.ran.length);
    // (with the lazy schedule, the verdict runs 10 and 11 that stopped are resumed, not re-run: as many runs)
  });

  it('keeps a hinted outcome out of `outcomes` until a search asks for it', async () => {
    const scheduler = fakeScheduler(3, [3], true);
    const { evaluate, hint, outcomes, points } = planEvaluator(scheduler, base);
    hint({}, [{ point: grid[4], need: 'verdict' }, { point: grid[5], need: 'full' }]);
    expect(scheduler.ran).toEqual(['verdict fleet.gpus=5', 'full fleet.gpus=6']);
    expect(outcomes.size).toBe(0);
    expect(points.size).toBe(0);
    expect(meets(await evaluate(grid[4], 'verdict'))).toBe(true);
    expect([...outcomes.keys()]).toEqual([4]);
  });

  it('hints a full run after a verdict only when the verdict stopped', async () => {
    const scheduler = fakeScheduler(3, [3], true);
    const { evaluate, hint } = planEvaluator(scheduler, base);
    await evaluate(grid[0], 'verdict'); // 1 GPU: stopped
    await evaluate(grid[3], 'verdict'); // 4 GPUs: met, its verdict run is its full run
    hint({}, [{ point: grid[0], need: 'full' }, { point: grid[3], need: 'full' }]);
    expect(scheduler.ran).toEqual(['verdict fleet.gpus=1', 'verdict fleet.gpus=4', 'full fleet.gpus=1']);
  });

  it('asks the scheduler for the task planTask builds', () => {
    expect(planTask(grid[2], 'verdict', base)).toEqual({ file: 'w.yaml', set: ['fleet.gpus=3'], seed: undefined, replications: 0, runDir: null, stopOnMiss: 'any' });
    expect(planTask(grid[2], 'full', base).stopOnMiss).toBeUndefined();
  });
});
