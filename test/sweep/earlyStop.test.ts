/**
 * The plan's early stop (src/sweep/earlyStop.ts, src/metrics/HourClosing.ts) against full runs:
 * the reference is the same point simulated to the end without the hook.
 *
 * - An hour reported closed never changes afterwards: its counts at closing equal the finished
 *   run's hourly_by_class row, and every hour but the last closes exactly once.
 * - Observing hours changes nothing: a run with the hook (that never stops) equals the run without.
 * - Verdict: for every point of a grid around the SLO boundary (fleet sizes x rates x queue-time
 *   limits), the early-stop run stops iff the full run misses, at an hour the full run lists as
 *   missed and on a class the full run says misses; a point that meets gives the identical
 *   outcome. Also with a watched class list (pools mode) and with replications.
 * Tolerance: none, exact equality.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../src/simulate.js';
import { loadWorkload } from '../../src/workload/load.js';
import { runPoint, type PointOutcome, type PointTask } from '../../src/sweep/runPoint.js';

const FILE = fileURLToPath(new URL('./fixtures/early-stop.yaml', import.meta.url));

describe('hour closing', () => {
  it('reports each hour but the last once, when its counts are final; observing changes nothing', () => {
    const scenario = loadWorkload(FILE, { set: ['fleet.gpus=2'] });
    const seen: { hour: number; counts: number[][] }[] = [];
    const observed = simulate(scenario, {
      onHourClosed: (hour, tallies) => void seen.push({ hour, counts: tallies.map((t) => [t.arrivals, t.completed, t.dropped]) }),
    });
    const plain = simulate(scenario);
    expect(JSON.stringify({ ...observed, stats: null })).toBe(JSON.stringify({ ...plain, stats: null }));
    const hours = observed.hourly.length;
    expect(hours).toBe(4);
    expect(seen.map((s) => s.hour).sort()).toEqual([0, 1, 2]);
    for (const { hour, counts } of seen) {
      const rows = observed.hourlyByClass.filter((r) => r.hour === hour);
      expect(counts).toEqual(rows.map((r) => [r.arrivals, r.completed, r.dropped]));
      expect(counts.every(([arrivals]) => arrivals > 0)).toBe(true);
    }
  });
});

/** The outcome without its stopping details, for comparing a run that did not stop. */
const verdictOf = (o: PointOutcome) => (o.ok ? (o.figures.meets_slo ? 'meets' : 'misses') : o.kind);

describe('early stop', () => {
  const grid: string[][] = [];
  for (const gpus of [1, 2, 3]) {
    // 1.8 (was 2.4 before the host overheads became defaults: no point met both SLOs at 2.4)
    for (const rate of [1.8, 3.6]) grid.push([`fleet.gpus=${gpus}`, `traffic.rate=${rate}`]);
  }
  grid.push(['fleet.gpus=2', 'traffic.rate=3', 'serving.max_queue_time=2s']);
  grid.push(['fleet.gpus=1', 'traffic.rate=1', 'serving.max_queue_time=2s']);

  /** Which classes met, per point of the grid (filled by the table's cases, checked after them). */
  const kinds = new Set<string>();

  it.each(grid)('%s %s: stops iff the full run misses, at an hour it misses', (...set: string[]) => {
    const task: PointTask = { file: FILE, set, replications: 0, runDir: null };
    const full = runPoint(task);
    expect(full.ok).toBe(true);
    if (!full.ok) return;
    kinds.add(full.detail.classes.map((c) => c.meetsSlo).join());
    for (const watch of ['any', ['summarize']] as ('any' | string[])[]) {
      const early = runPoint({ ...task, stopOnMiss: watch });
      const watched = full.detail.classes.filter((c) => watch === 'any' || watch.includes(c.name));
      if (watched.every((c) => c.meetsSlo)) {
        expect(early).toEqual(full);
        continue;
      }
      expect(early.ok ? 'ran' : early.kind).toBe('stopped');
      if (early.ok || early.kind !== 'stopped') continue;
      expect(watch === 'any' || watch.includes(early.className)).toBe(true);
      expect(full.detail.hoursMissed).toContain(early.hour);
      expect(full.detail.classes.find((c) => c.name === early.className)?.meetsSlo).toBe(false);
    }
  });

  it('the grid covers points that meet, miss on one class and miss on both', () => {
    expect(kinds).toEqual(new Set(['true,true', 'false,true', 'false,false']));
  });

  it('with replications: stops iff some replication misses', () => {
    for (const gpus of [2, 3]) {
      const task: PointTask = { file: FILE, set: [`fleet.gpus=${gpus}`, 'traffic.rate=3.3'], replications: 2, runDir: null };
      const full = runPoint(task);
      const early = runPoint({ ...task, stopOnMiss: 'any' });
      if (verdictOf(full) === 'meets') expect(early).toEqual(full);
      else expect(verdictOf(early)).toBe('stopped');
    }
  });
});
