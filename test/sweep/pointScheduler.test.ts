/**
 * PointScheduler's dispatch on a fake pool (no threads): exact logs of which task starts when.
 * Reference: the rules in src/sweep/pointScheduler.ts — demands before hints, a stream's new hints
 * replace its unstarted ones, a task runs at most once whoever asks, one worker never speculates.
 */
import { describe, expect, it } from 'vitest';
import { PointScheduler, type Lane } from '../../src/sweep/pointScheduler.js';
import { taskKey, type PointOutcome, type PointTask } from '../../src/sweep/runPoint.js';

const task = (name: string): PointTask => ({ file: 'w.yaml', set: [name], replications: 0, runDir: null });
const outcome = (name: string): PointOutcome => ({ ok: false, kind: 'input', message: name });
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Lanes whose runs end when the test says so (`held`: the keys the lane then keeps); logs every start. */
function fakePool(workers: number) {
  const started: string[] = [];
  const events: string[] = [];
  const finish = new Map<string, (held: string[]) => void>();
  const lane = (): Lane => ({
    run: (t) => {
      const name = t.set[0];
      started.push(name);
      return new Promise((resolve) => finish.set(name, (held) => resolve({ outcome: outcome(name), held })));
    },
    close: async () => {},
  });
  const scheduler = new PointScheduler(Array.from({ length: workers }, lane), (e) => {
    if (e.event === 'start') events.push(`${JSON.parse(e.key)[1][0]} on ${e.lane}${e.resumed ? ' resumed' : ''}`);
  });
  const end = async (name: string, held: string[] = []) => {
    finish.get(name)!(held);
    await turn();
    await turn();
  };
  return { scheduler, started, events, end };
}

describe('PointScheduler', () => {
  it('runs hints only on workers no demand waits for, demands first', async () => {
    const { scheduler, started, end } = fakePool(2);
    const a = scheduler.run(task('A'));
    const stream = {};
    scheduler.hint(stream, [task('B'), task('C')]);
    await turn();
    expect(started).toEqual(['A', 'B']); // B on the idle worker
    const d = scheduler.run(task('D'));
    await end('B');
    expect(started).toEqual(['A', 'B', 'D']); // D, demanded, before C, hinted earlier
    await end('A');
    expect(started).toEqual(['A', 'B', 'D', 'C']);
    expect(await a).toEqual(outcome('A'));
    await end('D');
    expect(await d).toEqual(outcome('D'));
  });

  it('runs a task once: a demand joins the hinted run under way or done', async () => {
    const { scheduler, started, end } = fakePool(2);
    const stream = {};
    scheduler.hint(stream, [task('B')]);
    await turn();
    expect(started).toEqual(['B']);
    const b = scheduler.run(task('B'));
    await end('B');
    expect(await b).toEqual(outcome('B'));
    expect(await scheduler.run(task('B'))).toEqual(outcome('B'));
    expect(started).toEqual(['B']);
  });

  it("replaces a stream's unstarted hints, keeps other streams'", async () => {
    const { scheduler, started, end } = fakePool(2);
    scheduler.run(task('A'));
    scheduler.run(task('Z'));
    const s1 = {};
    const s2 = {};
    scheduler.hint(s1, [task('B'), task('C')]);
    scheduler.hint(s2, [task('E')]);
    scheduler.hint(s1, [task('C')]); // B dropped; C keeps its place behind E (re-hinted later)
    await turn();
    await end('A');
    await end('Z');
    expect(started).toEqual(['A', 'Z', 'E', 'C']);
    scheduler.withdraw(s1);
  });

  it('sends a point to the lane keeping its paused run, unless that lane is busy and another idles', async () => {
    const { scheduler, events, end } = fakePool(2);
    scheduler.run(task('A'));
    scheduler.run(task('B'));
    await turn();
    await end('A', [taskKey(task('X'))]); // lane 0 now keeps X paused
    scheduler.run(task('Y'));
    scheduler.run(task('X'));
    await turn();
    expect(events).toEqual(['A on 0', 'B on 1', 'X on 0 resumed']); // X waited for nothing; Y waits for a lane
    await end('B');
    expect(events.at(-1)).toBe('Y on 1');
    await end('X', [taskKey(task('W'))]); // lane 0 keeps W
    scheduler.run(task('V'));
    await turn();
    expect(events.at(-1)).toBe('V on 0');
    scheduler.run(task('W')); // lane 0 busy with V, lane 1 busy with Y
    await end('Y');
    expect(events.at(-1)).toBe('W on 1'); // from the start rather than wait for lane 0
  });

  it('a hint taken by a free lane leaves a demand waiting for its keeping lane in the queue', async () => {
    const { scheduler, events, end } = fakePool(2);
    scheduler.run(task('A'));
    scheduler.run(task('B'));
    await turn();
    await end('B', [taskKey(task('D'))]); // lane 1 keeps D
    scheduler.run(task('C'));
    await turn();
    expect(events).toEqual(['A on 0', 'B on 1', 'C on 1']);
    const d = scheduler.run(task('D')); // waits: kept by lane 1, busy; lane 0 busy too
    scheduler.hint({}, [task('H')]);
    await end('A'); // lane 0 takes the hint H (D is lane 1's); D stays queued
    expect(events.at(-1)).toBe('H on 0');
    await end('C', [taskKey(task('D'))]);
    expect(events.at(-1)).toBe('D on 1 resumed');
    await end('D');
    expect(await d).toEqual(outcome('D'));
  });

  it('never speculates on one worker', async () => {
    const { scheduler, started, end } = fakePool(1);
    scheduler.hint({}, [task('B')]);
    const a = scheduler.run(task('A'));
    await turn();
    await end('A');
    await a;
    await turn();
    expect(started).toEqual(['A']);
  });
});
