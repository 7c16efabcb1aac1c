const HOUR_S = 3600;

/**
 * Tells when an hour's figures are final, so that a caller can judge it before the run ends.
 *
 * Requests are tallied by the hour they arrived in (HourlyMetrics). An hour is *closed* once the
 * clock has passed its end (no request can still arrive in it: arrivals run in time order) and
 * every request that arrived in it has ended (completed, served by the cache or the API, or
 * dropped). From then on nothing adds to its tallies, so its SLO verdict
 * (results.ts `tallyMeetsSlo`) is the one the finished run reports.
 *
 * The last hour also takes arrivals past the horizon (HourlyMetrics clamps them), so it never
 * closes before the run ends. Hours close in any order (a long request of hour 3 may keep it open
 * after hour 4 closed); each is reported once.
 *
 * Cost: O(1) per arrival and per end, plus `onClosed` once per hour.
 */
export class HourClosing {
  /** Requests arrived and not yet ended, per hour. */
  private readonly open: Float64Array;
  /** Hours [0, past) have ended on the clock. */
  private past = 0;
  private nextBoundaryS = HOUR_S;

  constructor(
    private readonly hours: number,
    private readonly onClosed: (hour: number) => void,
  ) {
    this.open = new Float64Array(hours);
  }

  /** The hour a request arriving at `arrivedAt` is tallied in (as HourlyMetrics does). */
  hourOf(arrivedAt: number): number {
    return Math.min(this.hours - 1, Math.floor(arrivedAt / HOUR_S));
  }

  /** A request arrived at `now` (its arrival time). */
  arrived(now: number): void {
    if (now >= this.nextBoundaryS) this.clock(now);
    this.open[this.hourOf(now)]++;
  }

  /** A request that arrived at `arrivedAt` ended; the clock reads `now`. */
  ended(arrivedAt: number, now: number): void {
    const hour = this.hourOf(arrivedAt);
    if (--this.open[hour] === 0 && hour < this.past) this.onClosed(hour);
    if (now >= this.nextBoundaryS) this.clock(now);
  }

  /** The clock reached `now`: hours that ended with nothing open close. */
  private clock(now: number): void {
    while (this.past < this.hours - 1 && now >= (this.past + 1) * HOUR_S) {
      const hour = this.past++;
      this.nextBoundaryS = (this.past + 1) * HOUR_S;
      if (this.open[hour] === 0) this.onClosed(hour);
    }
    if (this.past >= this.hours - 1) this.nextBoundaryS = Infinity;
  }
}
