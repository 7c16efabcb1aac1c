import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/engine/Simulation.js';
import { ContinuousReplica } from '../../src/serving/ContinuousReplica.js';
import { PRIORITY, type ReplicaHost } from '../../src/serving/Replica.js';
import { RequestQueue } from '../../src/serving/RequestQueue.js';
import { newRequest, Phase, type Request } from '../../src/serving/request.js';
import type { ServingSpec } from '../../src/workload/scenario.js';
import { SERVING_DEFAULTS } from '../../src/workload/resolve.js';

/**
 * One ContinuousReplica on tiny cases, SimPy style: a fresh Simulation, a host that appends
 * `(event, time)` to a log, and the exact log asserted. The step model is chosen so every time is
 * a short binary fraction (exact in floating point) and can be worked by hand:
 *
 *   iteration seconds = 1 + prefill tokens / 128      (decode sequences and KV cost nothing)
 *
 * so a prefill iteration of p tokens takes 1 + p/128 s and a decode-only iteration 1 s. A request
 * emits its first token at the end of the iteration that finishes its prompt, then one token per
 * decode iteration: with output n it finishes n - 1 decode iterations later. Host overheads are
 * off (serving.overhead all 0; capsim's defaults are the fitted ones): the logs are the batcher's
 * own arithmetic; the output lag (`output_iterations`) has its own case.
 */
type Log = [string, number][];

function setup(opts: { capacity?: number; fastForward?: boolean; serving?: Partial<ServingSpec> } = {}) {
  const sim = new Simulation();
  const log: Log = [];
  const serving: ServingSpec = { ...SERVING_DEFAULTS, overhead: { perRequestS: 0, perIterationS: 0, outputIterations: 0 }, ...opts.serving };
  const host: ReplicaHost = {
    sim,
    serving,
    stepModel: { iterationS: (prefillTokens) => 1 + prefillTokens / 128 },
    work: { flops: () => 0, bytes: () => 0, peakFlopsPerGpu: 1, peakBytesPerGpu: 1 },
    draftWork: null,
    kvCapacityTokens: opts.capacity ?? 100_000,
    prefixCache: false,
    hashBlockTokens: 512,
    fastForward: opts.fastForward ?? true,
    speculative: null,
    checkInvariants: true,
    completed: (r) => log.push([`done ${r.id}`, sim.now]),
    dropped: (r) => log.push([`dropped ${r.id}`, sim.now]),
    admitted: (r) => log.push([`admit ${r.id}`, sim.now]),
    saturated: () => {},
    queueChanged: () => {},
    drained: () => {},
    preempted: (r) => log.push([`preempt ${r.id}`, sim.now]),
    busy: (_replica, s, e) => log.push([`busy ${s}-${e}`, sim.now]),
    ran: () => {},
    workCutAfter: () => Infinity,
  };
  const queue = new RequestQueue();
  const replica = new ContinuousReplica(0, queue, host, true);
  /** A request arriving at `t` (an arrival event, as the pool's would be). */
  const arrive = (r: Request, t: number) =>
    sim.at(t, () => {
      r.queuedAt = t;
      r.phase = Phase.queued;
      queue.push(r);
      replica.wake();
    }, PRIORITY.arrival);
  return { sim, log, arrive };
}

const req = (id: number, prompt: number, output: number, batch = false): Request => {
  const r = newRequest(id, 0, 0, prompt, output, 0, null);
  r.batch = batch;
  return r;
};

describe('ContinuousReplica: exact event logs', () => {
  it('one request: prefill 256 tokens (3 s), first token at 3, two decode steps, done at 5', () => {
    // prefill: 1 + 256/128 = 3 s -> first token at 3; output 3: 2 more decode iterations of 1 s.
    for (const fastForward of [true, false]) {
      const { sim, log, arrive } = setup({ fastForward });
      const a = req(0, 256, 3);
      arrive(a, 0);
      sim.run();
      expect([a.startedAt, a.firstTokenAt, a.finishedAt, a.generated, a.phase]).toEqual([0, 3, 5, 3, Phase.done]);
      // fast path: the two decode iterations are one run (one busy span); reference: one each
      const decodeSpans = fastForward ? [['busy 3-5', 5]] : [['busy 3-4', 4], ['busy 4-5', 5]];
      expect(log).toEqual([['admit 0', 0], ['busy 0-3', 3], ...decodeSpans, ['done 0', 5]]);
    }
  });

  it('serving.overhead.output_iterations 1: each token reaches the client one iteration after the one that computed it', () => {
    // As above, but a token is received the length of the iteration that computed it later (the
    // output path runs behind the next step): first token 3 + 3 = 6 (the 3 s prefill iteration),
    // last token 5 + 1 = 6 (a 1 s decode iteration). The GPU is free at 5 all the same.
    for (const fastForward of [true, false]) {
      const { sim, log, arrive } = setup({ fastForward, serving: { overhead: { perRequestS: 0, perIterationS: 0, outputIterations: 1 } } });
      const a = req(0, 256, 3);
      arrive(a, 0);
      sim.run();
      expect([a.startedAt, a.firstTokenAt, a.finishedAt, a.generated, a.phase]).toEqual([0, 6, 6, 3, Phase.done]);
      expect(log.at(-1)).toEqual(['done 0', 5]);
    }
  });

  it('chunked prefill: a 300-token prompt over a 256-token budget shares its second iteration with a newcomer', () => {
    // max_batch_tokens 256. t=0: A takes the whole budget (256 of 300): 1 + 256/128 = 3 s.
    // t=3: A's last 44 tokens + B's 100 = 144: 1 + 144/128 = 2.125 s -> both first tokens at 5.125.
    // Output 2 each: one decode iteration (1 s) -> both done at 6.125.
    const { sim, log, arrive } = setup({ serving: { maxBatchTokens: 256 } });
    const a = req(0, 300, 2);
    const b = req(1, 100, 2);
    arrive(a, 0);
    arrive(b, 0);
    sim.run();
    expect([a.firstTokenAt, a.finishedAt, b.startedAt, b.firstTokenAt, b.finishedAt]).toEqual([5.125, 6.125, 3, 5.125, 6.125]);
    expect(log).toEqual([
      ['admit 0', 0],
      ['busy 0-3', 3],
      ['admit 1', 3],
      ['busy 3-5.125', 5.125],
      ['busy 5.125-6.125', 6.125],
      ['done 0', 6.125],
      ['done 1', 6.125],
    ]);
  });

  it('serving.batch_prefill_chunk: a batch-class prompt of 300 tokens is computed 128 + 128 + 44', () => {
    // Iterations 1 + 128/128 = 2 s, 2 s, then 1 + 44/128 = 1.34375 s: first token at 5.34375;
    // output 1: done then. With the default chunk (512) it would be one iteration of 3.34375 s.
    const chunked = setup({ serving: { batchPrefillChunk: 128 } });
    const c = req(0, 300, 1, true);
    chunked.arrive(c, 0);
    chunked.sim.run();
    expect(chunked.log).toEqual([['admit 0', 0], ['busy 0-2', 2], ['busy 2-4', 4], ['busy 4-5.34375', 5.34375], ['done 0', 5.34375]]);
    const whole = setup();
    const d = req(0, 300, 1, true);
    whole.arrive(d, 0);
    whole.sim.run();
    expect(d.finishedAt).toBe(1 + 300 / 128);
  });

  it('serving.kv_watermark: at 0.5 of 1000 tokens, a second 300-token prompt waits for the first to finish', () => {
    // Prompt 300, output 10 each (KV capacity 1000 tokens).
    // Watermark 0.01 (limit 990): both admitted at 0; prefill 600: 1 + 600/128 = 5.6875 s, then
    //   9 decode iterations: both done at 14.6875.
    // Watermark 0.5 (limit 500): 300 + 300 > 500, B waits. A: prefill 1 + 300/128 = 3.34375 s,
    //   9 decodes -> done at 12.34375; B admitted then, done 3.34375 + 9 s later = 24.6875.
    const low = setup({ capacity: 1000 });
    const [a1, b1] = [req(0, 300, 10), req(1, 300, 10)];
    low.arrive(a1, 0);
    low.arrive(b1, 0);
    low.sim.run();
    expect([a1.finishedAt, b1.startedAt, b1.finishedAt]).toEqual([14.6875, 0, 14.6875]);

    const high = setup({ capacity: 1000, serving: { kvWatermark: 0.5 } });
    const [a2, b2] = [req(0, 300, 10), req(1, 300, 10)];
    high.arrive(a2, 0);
    high.arrive(b2, 0);
    high.sim.run();
    expect([a2.finishedAt, b2.startedAt, b2.firstTokenAt, b2.finishedAt]).toEqual([12.34375, 12.34375, 15.6875, 24.6875]);
    expect(high.log.filter(([e]) => e.startsWith('admit') || e.startsWith('done'))).toEqual([
      ['admit 0', 0],
      ['done 0', 12.34375],
      ['admit 1', 12.34375],
      ['done 1', 24.6875],
    ]);
  });

  it('a request that arrives during a steady decode run cuts it at the next iteration boundary', () => {
    // A: prompt 128 (2 s), output 5: first token at 2, decode run of 4 iterations planned to 6.
    // B (prompt 128, output 1) arrives at 3.5: the run is cut at the boundary at 4. At 4 the batch
    // is A's decode + B's prompt: 1 + 128/128 = 2 s -> B's first (and only) token at 6, A has
    // generated 4 by then; A's last decode iteration ends at 7.
    const { sim, log, arrive } = setup();
    const a = req(0, 128, 5);
    const b = req(1, 128, 1);
    arrive(a, 0);
    arrive(b, 3.5);
    sim.run();
    expect(log).toEqual([
      ['admit 0', 0],
      ['busy 0-2', 2],
      ['busy 2-4', 4],
      ['admit 1', 4],
      ['busy 4-6', 6],
      ['done 1', 6],
      ['busy 6-7', 7],
      ['done 0', 7],
    ]);
  });

  it('a request larger than the whole KV memory is dropped when it reaches the head', () => {
    // prompt 900 + output 200 > capacity 1000: it could never finish here.
    const { sim, log, arrive } = setup({ capacity: 1000 });
    const r = req(0, 900, 200);
    arrive(r, 1);
    sim.run();
    expect(log).toEqual([['dropped 0', 1]]);
    expect(r.phase).toBe(Phase.dropped);
  });
});
