import { describe, expect, it } from 'vitest';
import { ROUTERS } from '../../src/routing/routers.js';
import type { RouterContext } from '../../src/routing/router.js';
import { stream } from '../../src/random/streams.js';
import { newRequest } from '../../src/serving/request.js';
import type { Replica } from '../../src/serving/Replica.js';
import { workloadSchema } from '../../src/workload/schema.js';
import { SERVING_DEFAULTS } from '../../src/workload/resolve.js';

/** The router table and each router on hand-made replica states. */
const replicas = (loads: number[]): Replica[] =>
  loads.map((load, index) => ({ index, load: () => load }) as unknown as Replica);
const context = (name = 'p'): RouterContext => ({ pool: name, stream: stream(3, `router:${name}`), serving: SERVING_DEFAULTS });
const r = newRequest(0, 0, 0, 10, 10, 0, null);

describe('ROUTERS', () => {
  it('has one factory per serving.router value of the schema except shared_queue (a pool queue, not a router)', () => {
    const routerEnum = (workloadSchema.shape.serving.unwrap().shape.router.unwrap() as { options: string[] }).options;
    expect(Object.keys(ROUTERS).sort()).toEqual(routerEnum.filter((n) => n !== 'shared_queue').sort());
  });

  it('round_robin: the n-th request goes to ready replica n mod count', () => {
    const router = ROUTERS.round_robin(context());
    const rs = replicas([0, 0, 0]);
    expect([0, 1, 2, 3, 4].map(() => router.route(r, rs).index)).toEqual([0, 1, 2, 0, 1]);
  });

  it('random: replica floor(u x count), u drawn from the router stream router:<pool>', () => {
    const router = ROUTERS.random(context('p'));
    const u = stream(3, 'router:p');
    const rs = replicas([0, 0, 0, 0, 0]);
    for (let i = 0; i < 20; i++) expect(router.route(r, rs).index).toBe(Math.floor(u() * 5));
  });

  it('least_loaded: follows the pool notifications; ties to the lowest index', () => {
    const router = ROUTERS.least_loaded(context());
    const rs = replicas([0, 0, 0]);
    for (const replica of rs) router.readyChanged(replica, true);
    expect(router.route(r, rs).index).toBe(0); // loads 0 0 0
    router.joined(rs[0], r);
    router.joined(rs[1], r);
    expect(router.route(r, rs).index).toBe(2); // loads 1 1 0
    router.joined(rs[2], r);
    router.joined(rs[2], r);
    router.left(rs[1], r);
    expect(router.route(r, rs).index).toBe(1); // loads 1 0 2
    router.readyChanged(rs[1], false);
    expect(router.route(r, [rs[0], rs[2]]).index).toBe(0); // 1 is out: loads 1 - 2
  });
});
