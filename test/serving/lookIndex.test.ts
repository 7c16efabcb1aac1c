import { describe, expect, it } from 'vitest';
import type { LookIndex, Looker } from '../../src/serving/LookIndex.js';
import { LookBlocks } from '../../src/serving/LookBlocks.js';
import { LookCalendar } from '../../src/serving/LookCalendar.js';
import type { Simulation } from '../../src/engine/Simulation.js';
import { stream } from '../../src/random/streams.js';

/**
 * Both LookIndex structures (LookBlocks, LookCalendar) against its definition, a scan of every ready replica in index order: each looks now
 * when idle, at the first boundary at or after now when its steady run can be cut and it can
 * admit, else at its run's end; the earliest wins, ties to the lowest index. Hand-made replicas
 * run random runs (idle, one iteration, steady runs of several) whose ends fire in time order, and
 * the winner of every query is cut at the boundary it looks at, as Pool.offerHead's wake does.
 */
class FakeReplica implements Looker {
  accepting = true;
  admits = true;
  /** The run's boundaries (its end is the last); null when idle. */
  ends: Float64Array | null = null;

  constructor(readonly index: number) {}

  runEnd(): number {
    return this.ends === null ? NaN : this.ends[this.ends.length - 1];
  }

  cuttableEnds(): Float64Array | null {
    return this.ends !== null && this.ends.length > 1 ? this.ends : null;
  }

  canAdmit(): boolean {
    return this.admits;
  }
}

/** The definition: when a replica looks at the head at `now` (Infinity: never). */
function looksAt(r: FakeReplica, now: number): number {
  if (!r.accepting) return Infinity;
  if (r.ends === null) return now;
  const cuttable = r.cuttableEnds();
  if (cuttable === null || !r.admits) return r.runEnd();
  let c = 0;
  while (cuttable[c] < now) c++;
  return cuttable[c];
}

function scan(replicas: FakeReplica[], ready: boolean[], now: number, except?: FakeReplica): FakeReplica | undefined {
  let best: FakeReplica | undefined;
  let bestAt = Infinity;
  for (const r of replicas) {
    if (!ready[r.index] || r === except) continue;
    const at = looksAt(r, now);
    if (at < bestAt) {
      best = r;
      bestAt = at;
    }
  }
  return best;
}

/**
 * Runs `queries` random queries on `n` replicas and checks each answer. `grid`: boundaries on
 * whole milliseconds (many ties); otherwise continuous.
 */
type Structure = new (sim: Simulation) => LookIndex<FakeReplica>;

function check(Index: Structure, n: number, queries: number, seed: number, grid: boolean, meanGapS: number): void {
  const u = stream(seed, 'lookIndex');
  const sim = { now: 0 } as Simulation;
  const index = new Index(sim);
  const replicas = Array.from({ length: n }, (_, i) => new FakeReplica(i));
  const ready = replicas.map(() => false);
  const time = (t: number) => (grid ? Math.ceil(t * 1000) / 1000 : t);

  /** A new state for replica r at sim.now: idle, one iteration, or a steady run. */
  const plan = (r: FakeReplica): void => {
    const x = u();
    r.admits = u() < 0.85;
    if (x < 0.1) r.ends = null;
    else if (x < 0.3) r.ends = Float64Array.of(time(sim.now + 0.001 + u() * 0.2));
    else {
      const k = 2 + Math.floor(u() * 40);
      const step = 0.005 + u() * 0.02;
      const ends = new Float64Array(k);
      let t = sim.now;
      for (let j = 0; j < k; j++) {
        t = time(t + step + j * 1e-5);
        ends[j] = t;
      }
      r.ends = ends;
    }
    index.changed(r);
  };

  for (const r of replicas) {
    ready[r.index] = u() < 0.9;
    if (ready[r.index]) {
      index.add(r);
      plan(r);
    }
  }
  for (let q = 0; q < queries; q++) {
    const next = sim.now + -Math.log(1 - u()) * meanGapS;
    // Fire the run ends up to the query's time, in time order (lowest index first on ties).
    for (;;) {
      let first: FakeReplica | undefined;
      for (const r of replicas) if (ready[r.index] && r.ends !== null && r.runEnd() <= next && (first === undefined || r.runEnd() < first.runEnd())) first = r;
      if (first === undefined) break;
      sim.now = first.runEnd();
      plan(first);
    }
    sim.now = grid ? time(next) : next;
    const event = u();
    const r = replicas[Math.floor(u() * n)];
    if (event < 0.02 && ready[r.index]) {
      ready[r.index] = false;
      index.remove(r);
    } else if (event < 0.04 && !ready[r.index]) {
      ready[r.index] = true;
      r.accepting = true;
      index.add(r);
      plan(r);
    } else if (event < 0.06 && ready[r.index]) {
      r.accepting = !r.accepting;
      index.changed(r);
    } else if (event < 0.2) {
      // an idle replica woken, or a busy one's admission state changed (the head changed)
      if (ready[r.index] && r.ends === null) plan(r);
      r.admits = u() < 0.85;
    }
    // except: a busy replica forming its batch (never an idle one)
    const except = u() < 0.2 && ready[r.index] && r.ends !== null ? r : undefined;
    const expected = scan(replicas, ready, sim.now, except);
    const got = index.best(sim.now, except);
    expect(got?.index, `query ${q} at ${sim.now}`).toBe(expected?.index);
    // admits: it asked the winner's canAdmit (a cuttable run's only) and found it true
    expect(index.admits).toBe(got !== undefined && got.accepting && got.cuttableEnds() !== null && got.admits);
    // The winner looks: idle, it starts a run; cuttable and admitting, it is cut there.
    if (got !== undefined && got.accepting) {
      if (got.ends === null) plan(got);
      else if (got.cuttableEnds() !== null && got.admits) {
        const at = looksAt(got, sim.now);
        const ends = got.ends;
        let c = 0;
        while (ends[c] < at) c++;
        got.ends = ends.subarray(0, c + 1);
        // as ContinuousReplica.wake: the cut run's last boundary is the first at or after now
        index.changed(got, c);
      }
    }
  }
}

describe.each([
  ['LookBlocks', LookBlocks],
  ['LookCalendar', LookCalendar],
] as [string, Structure][])('%s', (_, Index) => {
  it('answers as a scan of every ready replica (few replicas)', () => {
    check(Index, 5, 4000, 1, false, 0.004);
    check(Index, 5, 4000, 2, true, 0.004);
  });

  it('answers as a scan at 64 and 200 replicas, continuous and tied times', () => {
    check(Index, 64, 3000, 3, false, 0.0005);
    check(Index, 64, 3000, 4, true, 0.002);
    check(Index, 200, 1500, 5, false, 0.0002);
    check(Index, 200, 1500, 6, true, 0.001);
  });

  it('answers as a scan when queries are far apart (every key stale) or at the same time', () => {
    check(Index, 40, 1500, 7, false, 0.5);
    check(Index, 40, 1500, 8, true, 0);
  });
});
