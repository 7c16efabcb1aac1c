import { describe, expect, it } from 'vitest';
import { sessionAffinity } from '../../src/routing/sessionAffinity.js';
import { SERVING_DEFAULTS } from '../../src/workload/resolve.js';
import { stream } from '../../src/random/streams.js';
import { newRequest } from '../../src/serving/request.js';
import { Session } from '../../src/traffic/session.js';
import type { Replica } from '../../src/serving/Replica.js';

/**
 * The rule of serving.router: session_affinity, by hand: a later turn goes to its session's
 * previous replica p unless load(p) - load(least loaded) > affinity_slack, or p is not ready.
 * Loads are requests joined minus requests left (the pool's notifications).
 */
function setup(slack: number) {
  const router = sessionAffinity({ pool: 'p', stream: stream(1, 'router:p'), serving: { ...SERVING_DEFAULTS, affinitySlack: slack } });
  const replicas = [0, 1, 2].map((index) => ({ index, load: () => 0 }) as unknown as Replica);
  for (const r of replicas) router.readyChanged(r, true);
  let id = 0;
  const session = new Session(0, 3, new Float64Array(6), Infinity, -10, () => -11);
  const turn = (k: number) => {
    session.turn = k;
    const r = newRequest(id++, 0, 0, 10, 10, 0, null);
    r.session = session;
    return r;
  };
  /** `n` other requests join replica `i`. */
  const fill = (i: number, n: number) => {
    for (let j = 0; j < n; j++) router.joined(replicas[i], newRequest(id++, 0, 0, 10, 10, 0, null));
  };
  return { router, replicas, turn, fill, session };
}

describe('session_affinity router', () => {
  it('turn 1 goes to the least loaded replica; the next turn follows it while within the slack', () => {
    const { router, replicas, turn, fill, session } = setup(2);
    fill(0, 1); // loads 1 0 0
    const first = turn(1);
    const r1 = router.route(first, replicas);
    expect(r1.index).toBe(1);
    expect(first.affinityKept).toBe(-1);
    router.joined(r1, first); // loads 1 1 0
    expect(session.replica).toBe(1);
    fill(1, 1); // loads 1 2 0: replica 1 is 2 above the least (slack 2): kept
    const second = turn(2);
    expect(router.route(second, replicas).index).toBe(1);
    expect(second.affinityKept).toBe(1);
    fill(1, 1); // loads 1 3 0: 3 above: broken, to the least loaded (2)
    const third = turn(3);
    expect(router.route(third, replicas).index).toBe(2);
    expect(third.affinityKept).toBe(0);
  });

  it('a previous replica that left service breaks affinity', () => {
    const { router, replicas, turn, session } = setup(4);
    session.replica = 0;
    router.readyChanged(replicas[0], false);
    const r = turn(2);
    expect(router.route(r, replicas).index).toBe(1);
    expect(r.affinityKept).toBe(0);
  });
});
