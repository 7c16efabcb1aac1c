import type { TrafficSpec } from '../workload/scenario.js';
import type { Uniform } from '../random/streams.js';
import { exponential, gamma } from '../random/sample.js';
import { rateByHour } from './rateByHour.js';

const HOUR_S = 3600;

/**
 * Arrival times of a renewal process (Poisson, or gamma gaps with a given coefficient of
 * variation), made non-homogeneous by the daily profile through a time change.
 *
 * Gaps of mean 1 are drawn in "operational time" u; real time t solves Λ(t) = u, where
 * Λ(t) = ∫ rate(s) ds and rate is piecewise constant per hour (`rateByHour`: rate x daily and
 * weekly profile x growth).
 * For Poisson gaps this is the exact non-homogeneous Poisson process (Çinlar's time-change
 * theorem); no gap is truncated. Hours with zero weight receive no arrivals.
 *
 * @returns a function giving the next arrival time in seconds, or Infinity past `horizonS`
 */
export function arrivalProcess(traffic: TrafficSpec, horizonS: number, u: Uniform): () => number {
  const cv = traffic.arrival === 'gamma' ? traffic.burstiness : 1;
  const shape = 1 / (cv * cv);
  const gap = cv === 1 ? () => exponential(u, 1) : () => gamma(u, shape, 1 / shape);
  const rateAt = rateByHour(traffic);

  let operational = 0; // Λ of the latest arrival
  let hour = 0; // the hour the latest arrival fell in
  let hourStartOp = 0; // Λ at the start of `hour`
  // The hour's rate and Λ at its end, computed once per hour (the same values each arrival
  // computed before: rateAt is a pure function of the hour).
  let rate = rateAt(0);
  let hourEndOp = hourStartOp + rate * HOUR_S;
  let done = false;

  return () => {
    if (done) return Infinity;
    operational += gap();
    for (;;) {
      if (operational < hourEndOp && rate > 0) {
        const t = hour * HOUR_S + (operational - hourStartOp) / rate;
        if (t >= horizonS) break;
        return t;
      }
      hourStartOp = hourEndOp;
      hour++;
      if (hour * HOUR_S >= horizonS) break;
      rate = rateAt(hour);
      hourEndOp = hourStartOp + rate * HOUR_S;
    }
    done = true;
    return Infinity;
  };
}
