import type { Scenario, ThinkTime } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import type { ClosedLoopHours } from '../metrics/ClosedLoopHours.js';
import { PRIORITY } from '../serving/Replica.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { requestDrawer, requestOfClass, type Arrival } from './requestSource.js';
import { rateByHour } from './rateByHour.js';

const HOUR_S = 3600;

/** One population of users: the whole traffic's (classes drawn by weight) or one class's. */
interface Population {
  /** The class every request of this population has, or null (drawn by weight). */
  readonly classIndex: number | null;
  /** Index of its first user. */
  readonly start: number;
  /** Users it ever has: the most active in any hour. */
  readonly size: number;
  /** Active users in an hour, or null when it never changes. */
  readonly activeAt: ((hour: number) => number) | null;
  /** The think time before its first request. */
  readonly firstThink: () => number;
}

/**
 * Closed-loop clients (`arrival: closed`): users, each sends a request, waits for its last token
 * (or its drop), thinks for `think_time`, and sends again, until the horizon. Think time 0 is
 * benchmark mode (a fixed number of requests in flight, like `vllm bench serve
 * --max-concurrency`). Every user starts by thinking once (all at t = 0 in benchmark mode).
 *
 * One population (`traffic.users`: each request's class drawn by weight) or one per class
 * (`classes[].users`: that class's requests only). After an answer of class k a user thinks for
 * class k's `think_time` if it has one, else `traffic.think_time`.
 *
 * With profiles or growth, hour h has round(users x daily x weekly x growth factor) active users
 * per population (rateByHour with a unit rate; `users` is then the mean, so a busy hour has more):
 * user i of a population is active while i is below that count. A user who is done thinking in an
 * hour where it is not active waits (parked), and is woken at the first hour boundary where it
 * is; requests in flight always finish.
 *
 * Randomness: think times from stream `think` (`traffic.think_time`) and `think:<class>` (a
 * class's own), requests from the same streams as open-loop arrivals (requestDrawer,
 * requestOfClass). The serving path reports each request's end through `ended`. What the users
 * did goes to `hours` (metrics/ClosedLoopHours.ts).
 */
export class ClosedLoop {
  private readonly populations: Population[] = [];
  /** Population of each user. */
  private readonly populationOf: Int32Array;
  /** A request of the population's class, or of a class drawn by weight (null). */
  private readonly draw: (time: number, classIndex: number | null) => Arrival;
  /** The think time after an answer of each class. */
  private readonly thinkAfter: (() => number)[];
  private readonly scaled: boolean;
  /** Users done thinking but not active in the current hour, and since when. */
  private readonly parked: boolean[];
  private readonly parkedAt: Float64Array;
  /** When each user's previous answer came (0 before its first request), and its class. */
  private readonly answeredAt: Float64Array;
  private readonly lastClass: Int32Array;
  private readonly userOf = new Map<number, number>();
  /** The user whose request is being sent (its end may be reported before `send` returns). */
  private sending = -1;
  private endedWhileSending = false;

  constructor(
    scenario: Scenario,
    private readonly horizonS: number,
    private readonly sim: Simulation,
    /** Sends a request into the serving path; returns its request id. */
    private readonly send: (a: Arrival) => number,
    private readonly hours: ClosedLoopHours,
  ) {
    const t = scenario.traffic;
    const thinker = (spec: ThinkTime, name: string): (() => number) => {
      if (spec.dist === 'exponential' && spec.meanS > 0) {
        const u = stream(scenario.seed, name);
        return () => exponential(u, spec.meanS);
      }
      return () => spec.meanS;
    };
    const shared = thinker(t.thinkTime ?? { dist: 'fixed', meanS: 0 }, 'think');
    this.thinkAfter = scenario.classes.map((c) => (c.thinkTime ? thinker(c.thinkTime, `think:${c.name}`) : shared));
    const perClass = scenario.classes.some((c) => c.users !== undefined);
    // One of the two drawers (they read the same length streams, so never both).
    if (perClass) {
      const ofClass = requestOfClass(scenario);
      this.draw = (time, classIndex) => ofClass(time, classIndex as number);
    } else {
      const byWeight = requestDrawer(scenario);
      this.draw = (time) => byWeight(time);
    }

    this.scaled = t.dailyProfile !== null || t.weeklyProfile !== null || t.growth !== null;
    const factor = this.scaled ? rateByHour({ ...t, ratePerS: 1 }) : null;
    const add = (classIndex: number | null, users: number, firstThink: () => number) => {
      const activeAt = factor === null ? null : (hour: number) => Math.round(users * factor(hour));
      // `users` is the mean over the profiles: a busy hour may have more active users than that.
      let size = users;
      if (activeAt !== null) for (let h = 0; h * HOUR_S < horizonS; h++) size = Math.max(size, activeAt(h));
      const start = this.populations.reduce((n, p) => n + p.size, 0);
      this.populations.push({ classIndex, start, size, activeAt, firstThink });
    };
    if (perClass) {
      scenario.classes.forEach((c, k) => add(k, c.users ?? 0, this.thinkAfter[k]));
    } else add(null, t.users, shared);

    const total = this.populations.reduce((n, p) => n + p.size, 0);
    this.populationOf = new Int32Array(total);
    this.populations.forEach((p, i) => this.populationOf.fill(i, p.start, p.start + p.size));
    this.parked = new Array<boolean>(total).fill(false);
    this.parkedAt = new Float64Array(total);
    this.answeredAt = new Float64Array(total);
    this.lastClass = new Int32Array(total);
  }

  start(): void {
    for (const p of this.populations) {
      this.hours.addUsers(p.classIndex, p.size, 0, this.horizonS);
      for (let user = p.start; user < p.start + p.size; user++) this.thinkThenSend(user, 0, p.firstThink);
    }
    if (this.scaled) this.scheduleHour(1);
  }

  /** The serving path's completion callback: any request end (completed, cached, API or dropped). */
  ended(requestId: number, finishedAt: number): void {
    let user = this.userOf.get(requestId);
    if (user !== undefined) this.userOf.delete(requestId);
    else if (this.sending >= 0) {
      user = this.sending;
      this.endedWhileSending = true;
    } else return;
    const at = Math.max(this.sim.now, finishedAt);
    this.answeredAt[user] = at;
    this.thinkThenSend(user, at, this.thinkAfter[this.lastClass[user]]);
  }

  /** Users still parked at the end were absent until the horizon. */
  finish(): void {
    for (let user = 0; user < this.parked.length; user++) {
      if (this.parked[user]) this.leave(user, this.horizonS);
    }
  }

  private thinkThenSend(user: number, fromS: number, think: () => number): void {
    const at = fromS + think();
    if (at >= this.horizonS) return;
    this.sim.at(at, () => this.wake(user), PRIORITY.arrival);
  }

  private wake(user: number): void {
    const now = this.sim.now;
    const p = this.populations[this.populationOf[user]];
    if (p.activeAt !== null && user - p.start >= p.activeAt(Math.floor(now / HOUR_S))) {
      this.parked[user] = true;
      this.parkedAt[user] = now;
      return;
    }
    const a = this.draw(now, p.classIndex);
    this.lastClass[user] = a.classIndex;
    this.hours.addThink(now, a.classIndex, now - this.answeredAt[user]);
    this.sending = user;
    this.endedWhileSending = false;
    const id = this.send(a);
    if (!this.endedWhileSending) this.userOf.set(id, user);
    this.sending = -1;
  }

  /** A parked user's absence, from when it parked to `untilS`, comes off the user-seconds. */
  private leave(user: number, untilS: number): void {
    this.parked[user] = false;
    this.hours.addUsers(this.populations[this.populationOf[user]].classIndex, -1, this.parkedAt[user], untilS);
  }

  /** At each hour boundary, parked users who are active again send at once. */
  private scheduleHour(hour: number): void {
    if (hour * HOUR_S >= this.horizonS) return;
    this.sim.at(hour * HOUR_S, () => {
      for (const p of this.populations) {
        const active = Math.min(p.size, (p.activeAt as (h: number) => number)(hour));
        for (let user = p.start; user < p.start + active; user++) {
          if (this.parked[user]) {
            this.leave(user, hour * HOUR_S);
            this.wake(user);
          }
        }
      }
      this.scheduleHour(hour + 1);
    }, PRIORITY.arrival);
  }
}
