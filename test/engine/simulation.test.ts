import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/engine/Simulation.js';
import { EventQueue } from '../../src/engine/EventQueue.js';
import { stream } from '../../src/random/streams.js';

describe('Simulation (SimPy-style exact event logs)', () => {
  it('runs events in time order and advances the clock', () => {
    const sim = new Simulation();
    const log: [string, number][] = [];
    sim.schedule(3, () => log.push(['c', sim.now]));
    sim.schedule(1, () => log.push(['a', sim.now]));
    sim.schedule(2, () => {
      log.push(['b', sim.now]);
      sim.schedule(0.5, () => log.push(['b+', sim.now]));
    });
    sim.run();
    expect(log).toEqual([['a', 1], ['b', 2], ['b+', 2.5], ['c', 3]]);
    expect(sim.eventsRun).toBe(4);
  });

  it('orders same-time events by priority, then FIFO by scheduling order', () => {
    const sim = new Simulation();
    const log: string[] = [];
    sim.at(5, () => log.push('p1-first'), 1);
    sim.at(5, () => log.push('p0-first'), 0);
    sim.at(5, () => log.push('p1-second'), 1);
    sim.at(5, () => log.push('p0-second'), 0);
    sim.run();
    expect(log).toEqual(['p0-first', 'p0-second', 'p1-first', 'p1-second']);
  });

  it('skips cancelled events and stops at `until`', () => {
    const sim = new Simulation();
    const log: number[] = [];
    const e = sim.schedule(1, () => log.push(1));
    sim.schedule(2, () => log.push(2));
    sim.schedule(10, () => log.push(10));
    sim.cancel(e);
    sim.run(5);
    expect(log).toEqual([2]);
    expect(sim.now).toBe(5);
    sim.run();
    expect(log).toEqual([2, 10]);
  });

  it('rejects negative delays and times in the past', () => {
    const sim = new Simulation();
    expect(() => sim.schedule(-1, () => {})).toThrow(/Negative/);
    sim.schedule(2, () => {});
    sim.run();
    expect(() => sim.at(1, () => {})).toThrow(/before now/);
  });

  it('two simulations in one thread do not share sequence numbers or clocks', () => {
    const a = new Simulation();
    const b = new Simulation();
    const log: string[] = [];
    a.at(1, () => log.push('a1'));
    b.at(1, () => log.push('b1'));
    a.at(1, () => log.push('a2'));
    a.run();
    b.run();
    expect(log).toEqual(['a1', 'a2', 'b1']);
  });
});

describe('Simulation.pause', () => {
  /** Two processes ticking every 1 and 1.5 s until t = 6; `pauseAt`: an action pauses at those times. */
  function ticking(pauseAt: number[]) {
    const sim = new Simulation();
    const log: [string, number][] = [];
    const tick = (name: string, every: number) => {
      const go = () => {
        log.push([name, sim.now]);
        if (pauseAt.includes(sim.now) && name === 'a') sim.pause();
        if (sim.now + every <= 6) sim.schedule(every, go);
      };
      sim.schedule(0, go);
    };
    tick('a', 1);
    tick('b', 1.5);
    return { sim, log };
  }

  it('returns after the pausing event; run goes on as if it never stopped', () => {
    const plain = ticking([]);
    plain.sim.run();
    const paused = ticking([2, 4]);
    const cuts: number[] = [];
    paused.sim.run();
    while (paused.sim.paused) {
      cuts.push(paused.log.length);
      paused.sim.run();
    }
    expect(paused.log).toEqual(plain.log);
    expect(paused.sim.eventsRun).toBe(plain.sim.eventsRun);
    // it stopped right after a's events at t = 2 and t = 4 (b at t = 0, 1.5, 3 ran before them)
    expect(cuts.map((n) => paused.log[n - 1])).toEqual([['a', 2], ['a', 4]]);
    expect(paused.sim.paused).toBe(false);
  });
});

describe('Simulation.hold (an event kept beside the heap)', () => {
  /**
   * A self-rescheduling stream (like the arrivals) against heap events at colliding times and
   * priorities, with cancellations and pauses: the log must be the one `at` gives, event by event.
   * Times are drawn on a coarse grid so that many events share a time.
   */
  function log(useHold: boolean, until: number[]): string[] {
    const sim = new Simulation();
    const rng = stream(7, 'hold-test');
    const out: string[] = [];
    const grid = () => Math.floor(rng() * 8) / 4;
    let n = 0;
    const next = () => {
      const time = sim.now + grid();
      const k = n++;
      const action = () => {
        out.push(`s${k}@${sim.now}`);
        // Other events scheduled from the stream's own action: same time and priority included.
        const e = sim.at(sim.now + grid(), () => out.push(`h${k}@${sim.now}`), rng() < 0.5 ? 0 : 1);
        if (rng() < 0.2) sim.cancel(e);
        if (rng() < 0.3) sim.at(sim.now, () => out.push(`now${k}@${sim.now}`), 0);
        if (k < 2000) next();
      };
      if (useHold) sim.hold(time, action, 0);
      else sim.at(time, action, 0);
    };
    sim.at(0, () => out.push('start'), 0);
    next();
    for (const u of until) sim.run(u);
    sim.run();
    out.push(`events ${sim.eventsRun}`);
    return out;
  }

  it('runs in the same order as `at` (ties by priority, then scheduling order), with `until` stops', () => {
    const reference = log(false, [3, 3, 50.5, 200]);
    expect(reference.length).toBeGreaterThan(4000);
    expect(log(true, [3, 3, 50.5, 200])).toEqual(reference);
    expect(log(true, [])).toEqual(log(false, []));
  });

  it('holds one event at a time and rejects times in the past', () => {
    const sim = new Simulation();
    sim.hold(1, () => {});
    expect(() => sim.hold(2, () => {})).toThrow(/already held/);
    sim.run();
    expect(sim.now).toBe(1);
    expect(() => sim.hold(0.5, () => {})).toThrow(RangeError);
  });
});

describe('Simulation.lane (fixed-delay events kept beside the heap)', () => {
  /**
   * Two fixed-delay streams (delays 0.5 and 0.75: equal times across them and with other events)
   * fed from heap events, a held stream and cancellations, with `until` stops: with lanes the log
   * must be the one `schedule` gives, event by event (ties by priority, then scheduling order).
   */
  function log(useLane: boolean, until: number[]): string[] {
    const sim = new Simulation();
    const rng = stream(13, 'lane-test');
    const out: string[] = [];
    const grid = () => Math.floor(rng() * 8) / 4;
    const delays = [0.5, 0.75];
    const priorities = [0, 1];
    const run = (name: string) => out.push(`${name}@${sim.now}`);
    const lanes = delays.map((d, i) => sim.lane<string>(d, run, priorities[i]));
    const delayed = (i: number, name: string) => {
      if (useLane) lanes[i].schedule(name);
      else sim.schedule(delays[i], () => run(name), priorities[i]);
    };
    let n = 0;
    const next = () => {
      const k = n++;
      sim.hold(sim.now + grid(), () => {
        out.push(`a${k}@${sim.now}`);
        delayed(k % 2, `d${k}`);
        if (rng() < 0.5) delayed((k + 1) % 2, `e${k}`);
        const e = sim.at(sim.now + grid(), () => {
          out.push(`h${k}@${sim.now}`);
          if (rng() < 0.5) delayed(0, `f${k}`);
        }, rng() < 0.5 ? 0 : 1);
        if (rng() < 0.2) sim.cancel(e);
        if (k < 2000) next();
      }, 0);
    };
    next();
    for (const u of until) sim.run(u);
    sim.run();
    out.push(`events ${sim.eventsRun} at ${sim.now}`);
    return out;
  }

  it('runs in the same order as `schedule`, with `until` stops', () => {
    const reference = log(false, [3, 3, 50.5, 200]);
    expect(reference.length).toBeGreaterThan(6000);
    expect(log(true, [3, 3, 50.5, 200])).toEqual(reference);
    expect(log(true, [])).toEqual(log(false, []));
  });

  it('rejects a negative delay', () => {
    expect(() => new Simulation().lane(-1, () => {})).toThrow(RangeError);
  });
});

describe('Simulation.again and retime (one pending event per owner, in place)', () => {
  /**
   * Owners that each keep one event pending (like replica run boundaries), sometimes cutting it
   * (cancel + a new `at`, or `retime`), against other events at colliding times and priorities:
   * with `again` and `retime` the log must be the one `at` and `cancel` give, event by event.
   */
  function log(useAgain: boolean, useRetime = false): string[] {
    const sim = new Simulation();
    const rng = stream(11, 'again-test');
    const out: string[] = [];
    const grid = () => Math.floor(rng() * 8) / 4;
    for (let owner = 0; owner < 4; owner++) {
      let pending: ReturnType<Simulation['at']> | null = null;
      let spent: ReturnType<Simulation['at']> | null = null;
      let runs = 0;
      const next = (time: number): ReturnType<Simulation['at']> => {
        const event = useAgain && spent !== null ? sim.again(spent, time) : sim.at(time, fire, 1);
        pending = event;
        spent = null;
        return event;
      };
      const fire = () => {
        out.push(`o${owner}.${runs}@${sim.now}`);
        spent = pending;
        pending = null;
        if (++runs > 500) return;
        // Other events first, some at this time with a lower priority: they go above the running
        // event in the heap before `again` moves it.
        if (rng() < 0.3) sim.at(sim.now + grid(), () => out.push(`x${owner}@${sim.now}`), rng() < 0.5 ? 0 : 1);
        if (rng() < 0.1) {
          // idle until another event wakes it (`again` from an action not its own)
          sim.at(sim.now + grid(), () => {
            out.push(`w${owner}@${sim.now}`);
            next(sim.now + grid());
          }, rng() < 0.5 ? 0 : 2);
          return;
        }
        const event = next(sim.now + grid());
        if (rng() < 0.2 && event.time > sim.now) {
          // cut: the pending event is cancelled (it stays queued) and a new one is made
          const cut = sim.now + (event.time - sim.now) / 2;
          if (useRetime) sim.retime(event, cut);
          else {
            sim.cancel(event);
            pending = sim.at(cut, fire, 1);
          }
        }
      };
      pending = sim.at(0, fire, 1);
    }
    sim.run();
    out.push(`events ${sim.eventsRun}`);
    return out;
  }

  it('runs in the same order as `at`, cuts included', () => {
    const reference = log(false);
    expect(reference.length).toBeGreaterThan(2000);
    expect(log(true)).toEqual(reference);
    expect(log(true, true)).toEqual(reference);
    expect(log(false, true)).toEqual(reference);
  });

  it('rejects times in the past, and events in the wrong state', () => {
    const sim = new Simulation();
    const e = sim.at(1, () => {});
    expect(() => sim.again(e, 2)).toThrow(/still queued/);
    sim.run();
    expect(() => sim.again(e, 0.5)).toThrow(RangeError);
    expect(() => sim.retime(e, 2)).toThrow(/not pending/);
    const f = sim.at(3, () => {});
    sim.cancel(f);
    expect(() => sim.retime(f, 2)).toThrow(/not pending/);
    // from its own action: not pending (it has run), and `again` takes it once
    const errors: string[] = [];
    const g: ReturnType<Simulation['at']> = sim.at(4, () => {
      if (sim.now > 4) return;
      for (const act of [() => sim.retime(g, 5), () => sim.again(g, 5), () => sim.again(g, 6)]) {
        try {
          act();
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    });
    sim.run();
    expect(errors).toEqual(['Simulation.retime: the event is not pending', 'Simulation.again: the event is still queued']);
    expect(sim.now).toBe(5);
  });

  it('an action that throws leaves its event run, not pending', () => {
    const sim = new Simulation();
    const log: number[] = [];
    sim.at(1, () => {
      throw new Error('boom');
    });
    sim.at(2, () => log.push(sim.now));
    expect(() => sim.run()).toThrow('boom');
    sim.run();
    expect(log).toEqual([2]);
    expect(sim.eventsRun).toBe(2);
  });
});

describe('EventQueue', () => {
  it('pops 10,000 random keys in sorted (time, priority, seq) order', () => {
    const u = stream(1, 'heap-test');
    const q = new EventQueue();
    for (let seq = 0; seq < 10_000; seq++) {
      q.push({ time: Math.floor(u() * 100), priority: Math.floor(u() * 3), seq, action: () => {}, cancelled: false });
    }
    let prev = q.pop()!;
    for (let i = 1; i < 10_000; i++) {
      const next = q.pop()!;
      const ordered =
        prev.time < next.time ||
        (prev.time === next.time && (prev.priority < next.priority || (prev.priority === next.priority && prev.seq < next.seq)));
      expect(ordered).toBe(true);
      prev = next;
    }
    expect(q.size).toBe(0);
  });
});

describe('named streams', () => {
  it('are reproducible per (seed, name) and independent across names and seeds', () => {
    const draw = (seed: number, name: string) => {
      const u = stream(seed, name);
      return [u(), u(), u()];
    };
    expect(draw(42, 'arrivals')).toEqual(draw(42, 'arrivals'));
    expect(draw(42, 'arrivals')).not.toEqual(draw(42, 'lengths'));
    expect(draw(42, 'arrivals')).not.toEqual(draw(43, 'arrivals'));
  });
});
