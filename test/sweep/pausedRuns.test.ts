/**
 * A plan point stopped early and kept paused, then resumed to the end, is the full run
 * (src/sweep/pausedRuns.ts, simulate.ts startSimulation). Reference: the same point run in full
 * with `simulate` / `runPoint` (byte-for-byte JSON), and earlyStop.test.ts's stopping rules.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { simulate, startSimulation, type PausedRun } from '../../src/simulate.js';
import { pauseOnMiss } from '../../src/sweep/earlyStop.js';
import { PausedRuns } from '../../src/sweep/pausedRuns.js';
import { fullTaskKey, runPoint, type PointTask } from '../../src/sweep/runPoint.js';
import { loadWorkload } from '../../src/workload/load.js';

const FILE = fileURLToPath(new URL('./fixtures/early-stop.yaml', import.meta.url));
const json = (run: object) => JSON.stringify({ ...run, stats: null });

describe('paused runs', () => {
  it.each([['fleet.gpus=1'], ['fleet.gpus=2']])('%s: paused at every closed hour and resumed, the run is the full run', (set) => {
    const scenario = loadWorkload(FILE, { set: [set] });
    const hours: number[] = [];
    let run = startSimulation(scenario, { onHourClosed: (h) => (hours.push(h), 'pause') });
    let pauses = 0;
    while ('resume' in run) {
      pauses++;
      run = run.resume();
    }
    expect(pauses).toBe(hours.length);
    expect(hours.length).toBeGreaterThan(0);
    const full = simulate(scenario);
    expect(json(run)).toBe(json(full));
    expect(run.stats.events).toBe(full.stats.events);
  });

  it('a stopped verdict kept in a thread, then its full run, give the outcomes runPoint gives without keeping', () => {
    const task: PointTask = { file: FILE, set: ['fleet.gpus=1'], replications: 0, runDir: null };
    const verdict = { ...task, stopOnMiss: 'any' as const };
    const paused = new PausedRuns(4);
    const stopped = runPoint(verdict, undefined, paused);
    expect(stopped.ok ? 'ran' : stopped.kind).toBe('stopped');
    expect(stopped).toEqual(runPoint(verdict));
    expect(paused.keys()).toEqual([fullTaskKey(verdict)]);
    const resumed = runPoint(task, undefined, paused);
    expect(paused.keys()).toEqual([]);
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(runPoint(task)));
  });

  it('pauseOnMiss pauses once, at the first missed hour, then watches no more', () => {
    const scenario = loadWorkload(FILE, { set: ['fleet.gpus=1'] });
    const watcher = pauseOnMiss(scenario, 'any');
    let run = startSimulation(scenario, { onHourClosed: watcher.onHourClosed });
    expect('resume' in run).toBe(true);
    const missed = watcher.missed!;
    run = (run as PausedRun).resume();
    expect('resume' in run).toBe(false);
    expect(watcher.missed).toBe(missed);
    expect(json(run)).toBe(json(simulate(scenario)));
  });

  it('keeps at most `capacity`, dropping the run paused earliest', () => {
    const p = new PausedRuns(2);
    const fake = (hour: number) => ({ scenario: null as never, run: null as never, hour });
    p.keep('a', fake(3));
    p.keep('b', fake(0));
    p.keep('c', fake(5)); // drops b (hour 0)
    expect(p.keys()).toEqual(['a', 'c']);
    p.keep('d', fake(1)); // saves less than a or c: not kept
    expect(p.keys()).toEqual(['a', 'c']);
    expect(p.take('a')?.hour).toBe(3);
    expect(p.take('a')).toBeUndefined();
    expect(new PausedRuns(0).keys()).toEqual([]);
  });
});
