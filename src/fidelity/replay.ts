/**
 * Replays a list of requests (arrival time, prompt and output lengths) through one pool of a
 * scenario and returns each request's simulated TTFT and E2E. Used by the fidelity table
 * (docs/fidelity.md) and by `capsim calibrate --bench`, which compare the simulator with
 * measured serving benchmarks request by request.
 *
 * Closed-loop benchmarks (`max_concurrency` users, each sending its next request when the last
 * one ends) are replayed by a fixed point: start times are derived from the latencies of the
 * previous pass (request i starts when the earliest of the C slots frees), then simulated again,
 * until no start time moves by more than 0.1 ms (at most 8 passes).
 */
import type { Scenario } from '../workload/scenario.js';
import { simulate } from '../simulate.js';
import type { Arrival } from '../traffic/requestSource.js';

export interface ReplayRequest {
  /** Seconds from the start of the benchmark; ignored by closed-loop replays. */
  readonly startS: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface ReplayedRequest {
  readonly startS: number;
  readonly ttftS: number;
  readonly e2eS: number;
  readonly outputTokens: number;
}

/** Simulates `requests` (sorted by start) on the scenario's first pool; class 0 for every request. */
export function replayOpen(scenario: Scenario, requests: readonly ReplayRequest[]): ReplayedRequest[] {
  const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.startS - requests[b]!.startS || a - b);
  let next = 0;
  const source = (): Arrival | null => {
    if (next >= order.length) return null;
    const r = requests[order[next++]!]!;
    return { time: r.startS, classIndex: 0, promptTokens: r.promptTokens, outputTokens: r.outputTokens, hashIds: null };
  };
  const out: ReplayedRequest[] = new Array(requests.length);
  simulate(scenario, {
    arrivals: source,
    onRequestEnd: (r) => {
      const i = order[r.id]!;
      out[i] = {
        startS: r.arrivedAt,
        ttftS: r.firstTokenAt - r.arrivedAt,
        e2eS: r.finishedAt - r.arrivedAt,
        outputTokens: r.outputTokens,
      };
    },
  });
  for (let i = 0; i < out.length; i++) {
    if (out[i] === undefined) out[i] = { startS: requests[i]!.startS, ttftS: NaN, e2eS: NaN, outputTokens: requests[i]!.outputTokens };
  }
  return out;
}

/** Start times of a closed loop of `concurrency` users given each request's latency (in order). */
export function closedLoopStarts(e2eS: readonly number[], concurrency: number): number[] {
  const free = new Array<number>(Math.max(1, concurrency)).fill(0);
  return e2eS.map((e2e) => {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    const start = free[k]!;
    free[k] = start + e2e;
    return start;
  });
}

/** Closed-loop replay with `concurrency` users and no think time (see the file doc). */
export function replayClosed(scenario: Scenario, requests: readonly ReplayRequest[], concurrency: number): ReplayedRequest[] {
  let e2e = requests.map(() => 0);
  let starts = closedLoopStarts(e2e, concurrency);
  let result: ReplayedRequest[] = [];
  for (let pass = 0; pass < 8; pass++) {
    result = replayOpen(
      scenario,
      requests.map((r, i) => ({ ...r, startS: starts[i]! })),
    );
    e2e = result.map((r) => (Number.isFinite(r.e2eS) ? r.e2eS : 0));
    const next = closedLoopStarts(e2e, concurrency);
    const moved = next.reduce((m, s, i) => Math.max(m, Math.abs(s - starts[i]!)), 0);
    starts = next;
    if (moved < 1e-4) break;
  }
  return result;
}
