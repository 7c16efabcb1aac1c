import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../../src/serving/RequestQueue.js';
import { newRequest, type Request } from '../../src/serving/request.js';

const req = (id: number): Request => newRequest(id, 0, 0, 10, 10, 0, null);

/**
 * The interactive level is a ring buffer (RequestQueue's Fifo): FIFO order, and `unshift` puts a
 * request back in front, across wrap-around and growth. Reference: a plain array's push, shift and
 * unshift on the same operations.
 */
describe('RequestQueue order', () => {
  it('matches an array under pushes, shifts and unshifts that wrap and grow the ring', () => {
    const q = new RequestQueue();
    const model: Request[] = [];
    let id = 0;
    // A fixed pattern: bursts of pushes, drains, and put-backs, over several growths (8, 16, 32, 64).
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < (round * 7) % 13; i++) {
        const r = req(id++);
        q.push(r);
        model.push(r);
      }
      for (let i = 0; i < (round * 5) % 11; i++) expect(q.shift()).toBe(model.shift());
      if (round % 3 === 0 && model.length > 0) {
        const r = q.shift() as Request;
        expect(r).toBe(model.shift());
        q.unshift(r);
        model.unshift(r);
      }
      expect(q.length).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
    }
    while (model.length > 0) expect(q.shift()).toBe(model.shift());
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('an unshift into an empty queue is its head', () => {
    const q = new RequestQueue();
    const a = req(1);
    q.unshift(a);
    q.push(req(2));
    expect(q.shift()).toBe(a);
    expect(q.length).toBe(1);
  });
});
