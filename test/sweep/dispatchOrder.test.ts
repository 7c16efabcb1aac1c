/**
 * The order in which sweep lanes take their points (src/sweep/dispatchOrder.ts) and the cost
 * estimate it sorts by (src/workload/estimate.ts expectedEvents). References: the engine's own
 * event count (simulate's stats.events) for the estimate, within 2% where the formula was fitted
 * (3 to 10 GPUs of the small fixture, which has the sweep bench's model, GPU and perf); the
 * definition of longest-processing-time-first for the order; and for the outputs, the outcomes of
 * grid order on one lane, compared with toEqual (the same objects, hence the same CSV bytes).
 */
import { describe, expect, it } from 'vitest';
import { dispatchOrder, fixedOrder, gridOrder, heaviestFirst, SECONDS_PER_EVENT, TAIL_POINTS_PER_LANE, takeNext, type Dispatch } from '../../src/sweep/dispatchOrder.js';
import { LANE_TASK, pointEnded, runLanes, takePoint } from '../../src/sweep/laneRunner.js';
import type { PointOutcome, PointTask } from '../../src/sweep/runPoint.js';
import { simulate } from '../../src/simulate.js';
import { EVENTS_PER_REQUEST, estimateRun, expectedEvents, HALF_EVENTS_PER_REPLICA_RATE } from '../../src/workload/estimate.js';
import { loadWorkload } from '../../src/workload/load.js';
import { SMALL } from './helpers.js';

const task = (gpus: number, extra: string[] = []): PointTask => ({ file: SMALL, set: [...extra, `fleet.gpus=${gpus}`], replications: 0, runDir: null });

describe('expectedEvents', () => {
  it('is requests x (4 / (1 + (requests per second per replica / 22)^2) + 1 with a front-end time)', () => {
    expect([EVENTS_PER_REQUEST, HALF_EVENTS_PER_REPLICA_RATE]).toEqual([4, 22]);
    const s = loadWorkload(SMALL, { set: ['fleet.gpus=4'] });
    const requests = estimateRun(s).requests!; // 40/s x 900 s
    expect(requests).toBeCloseTo(36_000, 6);
    // serving.overhead.per_request is on by default: one DelayLane event per request
    expect(expectedEvents(s)).toBeCloseTo(36_000 * (4 / (1 + (10 / 22) ** 2) + 1), 6);
    const off = loadWorkload(SMALL, { set: ['fleet.gpus=4', 'serving.overhead.per_request=0'] });
    expect(expectedEvents(off)).toBeCloseTo((36_000 * 4) / (1 + (10 / 22) ** 2), 6);
  });

  it.each([3, 5, 10])('on %i GPUs of the small fixture: within 2 percent of the events simulated, with and without front-end time', (gpus) => {
    for (const extra of [[], ['serving.overhead.per_request=0']]) {
      const s = loadWorkload(SMALL, { set: [...extra, `fleet.gpus=${gpus}`] });
      const events = simulate(s).stats.events;
      expect(Math.abs(expectedEvents(s)! / events - 1)).toBeLessThan(0.02);
    }
  });

  it('grows with the replicas for the same traffic, and counts replicas, not GPUs', () => {
    const at = (set: string[]) => expectedEvents(loadWorkload(SMALL, { set }))!;
    const byGpus = [1, 2, 3, 4, 8, 16].map((g) => at([`fleet.gpus=${g}`]));
    expect(byGpus).toEqual([...byGpus].sort((a, b) => a - b));
    expect(at(['fleet.gpus=8', 'fleet.gpus_per_replica=2'])).toBe(at(['fleet.gpus=4']));
  });

  it('is null when the request count is unknown (no duration: a trace replayed to its end)', () => {
    const s = { ...loadWorkload(SMALL), durationS: null };
    expect(estimateRun(s).requests).toBeNull();
    expect(expectedEvents(s)).toBeNull();
  });
});

describe('heaviestFirst', () => {
  it.each([
    [[1, 3, 2], [1, 2, 0]],
    [[2, 2, 5, 2], [2, 0, 1, 3]], // ties keep their order
    [[1, null, 4, null], [1, 3, 2, 0]], // not estimable: first (may be long), in their order
    [[], []],
  ] as const)('%j -> %j', (costs, order) => {
    expect(heaviestFirst(costs)).toEqual(order);
  });
});

describe('dispatchOrder', () => {
  it('keeps grid order, then takes the last 4 points per lane heaviest first (most replicas)', () => {
    expect(TAIL_POINTS_PER_LANE).toBe(4);
    const tasks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((g) => task(g));
    const d = dispatchOrder(tasks, 2);
    expect(d.order).toEqual([0, 1, 9, 8, 7, 6, 5, 4, 3, 2]);
    // the tail's workloads, as runPoint would load them
    expect([...d.loaded.keys()].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(d.loaded.get(5)).toEqual(loadWorkload(SMALL, { set: ['fleet.gpus=6'] }));
    // the tail from position 2, in seconds at SECONDS_PER_EVENT; the head at the tail's mean
    expect(d.tailFrom).toBe(2);
    const tailS = [2, 3, 4, 5, 6, 7, 8, 9].map((i) => expectedEvents(d.loaded.get(i)!)! * SECONDS_PER_EVENT);
    expect(d.expectedS.slice(2)).toEqual(tailS);
    expect(d.expectedS[0]).toBeCloseTo(tailS.reduce((a, b) => a + b) / 8, 12);
    // one lane: only its last 4
    expect(dispatchOrder(tasks, 1).order).toEqual([0, 1, 2, 3, 4, 5, 9, 8, 7, 6]);
  });

  it('weighs replications, puts a point that does not load last, and equal points in grid order', () => {
    const tasks = [task(4), { ...task(2), replications: 3 }, task(3, ['traffic.rate=oops']), task(4)];
    const d = dispatchOrder(tasks, 2);
    expect(d.order).toEqual([1, 0, 3, 2]);
    expect(d.loaded.has(2)).toBe(false);
  });

  it('gridOrder keeps the workloads given', () => {
    const s = loadWorkload(SMALL, { set: ['fleet.gpus=1'] });
    const d = gridOrder([task(1), task(2)], [s, null]);
    expect(d.order).toEqual([0, 1]);
    expect([...d.loaded]).toEqual([[0, s]]);
  });
});

describe('takeNext', () => {
  // Hand-worked with the rule: each candidate for this lane, then the rest heaviest first to the
  // lane projected free first (ties: the first listed, this lane); the soonest end wins, ties to the heaviest.
  const A = 0, B = 1, C = 2, D = 3;
  const costs = [1.5, 1.5, 1, 1];
  const mainOnA = { task: A, sinceS: 0 };

  it('a lane starting 1 s late, the other on a 1.5 s point since 0: a light point (ends 3.0 s, heaviest first 3.5 s)', () => {
    // B first: this lane to 2.5, C to the other (free 1.5 -> 2.5), D to 3.5. C first: 2.0; B to the other (1.5 -> 3.0); D here (2.0 -> 3.0).
    expect(takeNext([B, C, D], costs, 1, [mainOnA, { task: -1, sinceS: 0 }], 1)).toBe(C);
  });

  it('every lane free at once: the heaviest (both choices end at 2.5 s: the tie goes to it)', () => {
    expect(takeNext([A, B, C, D], costs, 0, [{ task: -1, sinceS: 0 }, { task: -1, sinceS: 0 }], 0)).toBe(A);
  });

  it('a lane still booting counts as free now; one on a point not estimable is left out', () => {
    // the other lane free now (thread not started) = the case above
    expect(takeNext([A, B, C, D], costs, 0, [{ task: -1, sinceS: 0 }, { task: -1, sinceS: 0 }, { task: 4, sinceS: 0 }], 0)).toBe(A);
    expect(takeNext([B, C, D], [...costs, Infinity], 1, [mainOnA, { task: -1, sinceS: 0 }, { task: 4, sinceS: 0 }], 1)).toBe(C);
  });

  it('the heaviest when it is not estimable, or the only one', () => {
    expect(takeNext([B, C, D], [1.5, Infinity, 1, 1], 1, [mainOnA, { task: -1, sinceS: 0 }], 1)).toBe(B);
    expect(takeNext([D], costs, 1, [mainOnA, { task: -1, sinceS: 0 }], 1)).toBe(D);
  });
});

describe('takePoint', () => {
  it('hands every task out once, the head in order, then the tail by takeNext, and -1 when none is left', () => {
    const lanes = 2;
    const shared = new SharedArrayBuffer(4 * (LANE_TASK + lanes + 6));
    new Int32Array(shared).fill(-1, LANE_TASK, LANE_TASK + lanes);
    const clock = new SharedArrayBuffer(8 * (1 + lanes));
    new Float64Array(clock)[0] = performance.timeOrigin + performance.now();
    const plan = { order: [0, 1, 5, 4, 3, 2], tailFrom: 2, expectedS: [1, 1, 1, 1, 1, 2] };
    const lane = (k: number) => ({ shared, clock, lane: k, lanes });
    const taken: number[] = [];
    for (let k = 0; taken.length < 6; k = 1 - k) {
      taken.push(takePoint(plan, lane(k)));
      pointEnded(lane(k));
    }
    expect(taken.slice(0, 2)).toEqual([0, 1]);
    expect(taken[2]).toBe(5); // both lanes free at once: the heaviest
    expect([...taken].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([takePoint(plan, lane(0)), takePoint(plan, lane(1))]).toEqual([-1, -1]);
  });
});

describe('runLanes in a dispatch order', () => {
  const tasks = [1, 2, 3, 4].map((g) => task(g, ['duration=2m']));
  const run = async (workers: number, order?: number[] | ((lanes: number) => Dispatch)) => {
    const got = new Map<number, PointOutcome>();
    const seen: number[] = [];
    await runLanes(tasks, workers, (i, o) => {
      seen.push(i);
      got.set(i, o);
    }, order === undefined ? undefined : typeof order === 'function' ? order : () => fixedOrder(order));
    return { outcomes: [0, 1, 2, 3].map((i) => got.get(i)), seen };
  };

  it('one lane takes the tasks in the order given', async () => {
    expect((await run(1, [3, 0, 2, 1])).seen).toEqual([3, 0, 2, 1]);
  });

  it('any order, one lane or two: the same outcome for each task', async () => {
    const reference = await run(1);
    expect(reference.seen).toEqual([0, 1, 2, 3]);
    expect(reference.outcomes.every((o) => o?.ok)).toBe(true);
    expect((await run(2, [3, 2, 1, 0])).outcomes).toEqual(reference.outcomes);
    expect((await run(2, (lanes) => dispatchOrder(tasks, lanes))).outcomes).toEqual(reference.outcomes); // the tail taken by takeNext
  });

  it('every lane, threads included, runs a task from the workload the dispatch loaded', async () => {
    // A workload unlike the task's (3 GPUs for tasks of 1 and 2) shows which one ran. The dispatch
    // waits 2 s, so that the thread has booted and takes a task as soon as the order is out (this
    // thread's lane takes one task per turn of its event loop): both lanes run one.
    const two = [1, 2].map((g) => task(g, ['duration=2m']));
    const three = () => loadWorkload(SMALL, { set: ['duration=2m', 'fleet.gpus=3'] });
    const got = new Map<number, PointOutcome>();
    await runLanes(two, 2, (i, o) => void got.set(i, o), () => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
      return fixedOrder([0, 1], [three(), three()]);
    });
    const reference = new Map<number, PointOutcome>();
    await runLanes([task(3, ['duration=2m'])], 1, (i, o) => void reference.set(i, o));
    expect(got.get(0)).toEqual(reference.get(0));
    expect(got.get(1)).toEqual(reference.get(0));
  });

  it('a dispatch that throws rejects and stops the lane threads', async () => {
    await expect(runLanes(tasks, 2, () => {}, () => {
      throw new Error('no order');
    })).rejects.toThrow('no order');
  });
});
