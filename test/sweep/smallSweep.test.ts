/**
 * Which sweeps run in this thread alone (src/sweep/runSweep.ts smallSweep). Reference: the
 * run-size estimate's fast end, requests / 600,000 per second (src/workload/estimate.ts), plus
 * POINT_OVERHEAD_S per point, summed against IN_PROCESS_BELOW_S. The small fixture runs 15 min at
 * 40 requests/s: 36,000 requests, 0.06 s + 0.05 s = 0.11 s a point, so 4 points (0.44 s) are
 * small and 5 (0.55 s) are not.
 */
import { describe, expect, it } from 'vitest';
import { IN_PROCESS_BELOW_S, POINT_OVERHEAD_S, smallSweep } from '../../src/sweep/runSweep.js';
import { gridOrder } from '../../src/sweep/dispatchOrder.js';
import { runLanes } from '../../src/sweep/laneRunner.js';
import type { PointOutcome, PointTask } from '../../src/sweep/runPoint.js';
import { loadWorkload } from '../../src/workload/load.js';
import { SMALL } from './helpers.js';

const task = (gpus: number, extra: string[] = []): PointTask => ({ file: SMALL, set: [...extra, `fleet.gpus=${gpus}`], replications: 0, runDir: null });

describe('smallSweep', () => {
  it('the constants the figures below assume', () => {
    expect([IN_PROCESS_BELOW_S, POINT_OVERHEAD_S]).toEqual([0.5, 0.05]);
  });

  it('4 points of 0.11 s are small, 5 are not', () => {
    const four = smallSweep([1, 2, 3, 4].map((g) => task(g)));
    expect(four).toHaveLength(4);
    // the workloads loaded are the ones runPoint would load
    expect(four![2]).toEqual(loadWorkload(SMALL, { set: ['fleet.gpus=3'] }));
    expect(smallSweep([1, 2, 3, 4, 5].map((g) => task(g)))).toBeNull();
  });

  it('counts each replication; a long point alone is not small; a broken point costs the overhead', () => {
    expect(smallSweep([{ ...task(1), replications: 5 }])).toBeNull(); // 5 x 0.11 s
    expect(smallSweep([task(1, ['duration=24h'])])).toBeNull(); // 3.46M requests
    expect(smallSweep([task(1, ['traffic.rate=oops'])])).toEqual([null]);
  });

  it('in this thread or on two lanes: the same outcomes', async () => {
    const tasks = [1, 2, 3].map((g) => task(g, ['duration=2m']));
    const run = async (workers: number, loaded?: ReturnType<typeof smallSweep>) => {
      const got = new Map<number, PointOutcome>();
      await runLanes(tasks, workers, (i, o) => void got.set(i, o), loaded ? () => gridOrder(tasks, loaded) : undefined);
      return [0, 1, 2].map((i) => got.get(i));
    };
    const inProcess = await run(1, smallSweep(tasks));
    expect(inProcess.every((o) => o?.ok)).toBe(true);
    expect(await run(2)).toEqual(inProcess);
  });
});
