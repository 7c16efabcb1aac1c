import type { TrafficSpec } from '../workload/scenario.js';

const HOUR_S = 3600;

/**
 * The mean arrival rate of each hour of the run, in requests per second:
 *
 *   rate(h) = rate x daily[h mod 24] x weekly[floor(h / 24) mod 7] x G(h)
 *
 * Hour 0 is Monday 00:00. G(h) is the hour's mean of the compound growth factor
 * (1 + r)^(t / per) over [3600 h, 3600 (h + 1)):
 *
 *   G(h) = e^(k 3600 h) (e^(3600 k) - 1) / (3600 k),  k = ln(1 + r) / per
 *
 * so the expected count of every hour is exact; within an hour the rate is held constant (for
 * 5% per 30 days it moves by 0.007% in an hour). Growth starts at 1 at t = 0: `rate` is the
 * rate at the start of the run, scaled by the profiles.
 */
export function rateByHour(traffic: TrafficSpec): (hour: number) => number {
  const daily = traffic.dailyProfile;
  const weekly = traffic.weeklyProfile;
  const growth = traffic.growth;
  const k = growth !== null && growth.rate !== 0 ? Math.log1p(growth.rate) / growth.perS : 0;
  const hourMean = k === 0 ? 1 : Math.expm1(k * HOUR_S) / (k * HOUR_S);
  return (hour) => {
    let rate = traffic.ratePerS;
    if (daily !== null) rate *= daily[hour % 24];
    if (weekly !== null) rate *= weekly[Math.floor(hour / 24) % 7];
    if (k !== 0) rate *= Math.exp(k * HOUR_S * hour) * hourMean;
    return rate;
  };
}
