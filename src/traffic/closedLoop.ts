import type { Scenario } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import { PRIORITY } from '../serving/Replica.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { requestDrawer, type Arrival } from './requestSource.js';
import { rateByHour } from './rateByHour.js';

const HOUR_S = 3600;

/**
 * Closed-loop clients (`arrival: closed`): `users` clients, each sends a request, waits for its
 * last token (or its drop), thinks for `think_time`, and sends again, until the horizon. Think
 * time 0 is benchmark mode (a fixed number of requests in flight, like `vllm bench serve
 * --max-concurrency`). Every user starts by thinking once (all at t = 0 in benchmark mode).
 *
 * With profiles or growth, hour h has round(users x daily x weekly x growth factor) active users
 * (rateByHour with a unit rate; `users` is then the mean, so a busy hour has more): user i is
 * active while i is below that count. A user who is done
 * thinking in an hour where it is not active waits, and is woken at the first hour boundary
 * where it is; requests in flight always finish.
 *
 * Randomness: think times from stream `think`, requests from the same streams as open-loop
 * arrivals (requestDrawer). The serving path reports each request's end through `ended`.
 */
export class ClosedLoop {
  private readonly draw: (time: number) => Arrival;
  private readonly think: () => number;
  private readonly activeAt: ((hour: number) => number) | null;
  /** Users done thinking but not active in the current hour. */
  private readonly parked: boolean[];
  private readonly userOf = new Map<number, number>();
  /** The user whose request is being sent (its end may be reported before `send` returns). */
  private sending = -1;
  private endedWhileSending = false;
  /** Time spent thinking (as scheduled, within the horizon), for the summary. */
  thinkS = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly horizonS: number,
    private readonly sim: Simulation,
    /** Sends a request into the serving path; returns its request id. */
    private readonly send: (a: Arrival) => number,
  ) {
    const t = scenario.traffic;
    const spec = t.thinkTime ?? { dist: 'fixed', meanS: 0 };
    const u = stream(scenario.seed, 'think');
    this.think = spec.dist === 'exponential' && spec.meanS > 0 ? () => exponential(u, spec.meanS) : () => spec.meanS;
    this.draw = requestDrawer(scenario);
    const scaled = t.dailyProfile !== null || t.weeklyProfile !== null || t.growth !== null;
    if (scaled) {
      const factor = rateByHour({ ...t, ratePerS: 1 });
      this.activeAt = (hour) => Math.round(t.users * factor(hour));
    } else this.activeAt = null;
    // `users` is the mean over the profiles: a busy hour may have more active users than that.
    let pool = t.users;
    if (this.activeAt !== null) for (let h = 0; h * HOUR_S < horizonS; h++) pool = Math.max(pool, this.activeAt(h));
    this.parked = new Array<boolean>(pool).fill(false);
  }

  start(): void {
    for (let user = 0; user < this.parked.length; user++) this.thinkThenSend(user, 0);
    if (this.activeAt !== null) this.scheduleHour(1);
  }

  /** The serving path's completion callback: any request end (completed, cached, API or dropped). */
  ended(requestId: number, finishedAt: number): void {
    let user = this.userOf.get(requestId);
    if (user !== undefined) this.userOf.delete(requestId);
    else if (this.sending >= 0) {
      user = this.sending;
      this.endedWhileSending = true;
    } else return;
    this.thinkThenSend(user, Math.max(this.sim.now, finishedAt));
  }

  private thinkThenSend(user: number, fromS: number): void {
    const thinkS = this.think();
    const at = fromS + thinkS;
    if (at >= this.horizonS) return;
    this.thinkS += thinkS;
    this.sim.at(at, () => this.wake(user), PRIORITY.arrival);
  }

  private wake(user: number): void {
    const now = this.sim.now;
    if (this.activeAt !== null && user >= this.activeAt(Math.floor(now / HOUR_S))) {
      this.parked[user] = true;
      return;
    }
    this.sending = user;
    this.endedWhileSending = false;
    const id = this.send(this.draw(now));
    if (!this.endedWhileSending) this.userOf.set(id, user);
    this.sending = -1;
  }

  /** At each hour boundary, parked users who are active again send at once. */
  private scheduleHour(hour: number): void {
    if (hour * HOUR_S >= this.horizonS) return;
    this.sim.at(hour * HOUR_S, () => {
      const active = Math.min(this.parked.length, (this.activeAt as (h: number) => number)(hour));
      for (let user = 0; user < active; user++) {
        if (this.parked[user]) {
          this.parked[user] = false;
          this.wake(user);
        }
      }
      this.scheduleHour(hour + 1);
    }, PRIORITY.arrival);
  }
}
