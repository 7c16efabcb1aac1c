const HOUR_S = 3600;

/**
 * What closed-loop users did, hour by hour (traffic/closedLoop.ts records it):
 * - user-seconds present: a user is present from the start of the run to the horizon except
 *   while parked (done thinking in an hour where its population has fewer active users than its
 *   index, until the hour boundary where it is active again). Divided by the hour's seconds this
 *   is `active_users_mean`;
 * - the think time actually spent before each request: from the user's previous answer (or the
 *   start of the run, for its first request) to the send, parked time included; by the hour and
 *   class of the request sent. Its mean is `think_time_mean_s`.
 */
export class ClosedLoopHours {
  /** [hour * (classes + 1) + k]: user-seconds of class k's own population; k = classes: every user. */
  readonly userS: Float64Array;
  /** [hour * classes + k]: think seconds before the requests of class k sent in the hour. */
  readonly thinkS: Float64Array;
  /** [hour * classes + k]: those requests. */
  readonly sent: Float64Array;

  constructor(
    readonly hours: number,
    readonly classes: number,
    /** True when each class has its own population (classes[].users). */
    readonly perClass: boolean,
  ) {
    this.userS = new Float64Array(hours * (classes + 1));
    this.thinkS = new Float64Array(hours * classes);
    this.sent = new Float64Array(hours * classes);
  }

  /** Adds `users` x the seconds of [fromS, toS) to the hours they fall in (negative removes). */
  addUsers(classIndex: number | null, users: number, fromS: number, toS: number): void {
    const width = this.classes + 1;
    let s = fromS;
    while (s < toS) {
      const hour = Math.floor(s / HOUR_S);
      if (hour >= this.hours) break;
      const end = Math.min(toS, (hour + 1) * HOUR_S);
      const x = users * (end - s);
      this.userS[hour * width + this.classes] += x;
      if (classIndex !== null) this.userS[hour * width + classIndex] += x;
      s = end;
    }
  }

  addThink(atS: number, classIndex: number, thinkS: number): void {
    const hour = Math.min(this.hours - 1, Math.floor(atS / HOUR_S));
    this.thinkS[hour * this.classes + classIndex] += thinkS;
    this.sent[hour * this.classes + classIndex]++;
  }
}
