import { describe, expect, it } from 'vitest';
import { CompletionHeap } from '../../src/serving/CompletionHeap.js';
import { newRequest } from '../../src/serving/request.js';

/** The completion heap on hand-made keys: order by finish step, stale entries skipped. */
const req = (id: number) => newRequest(id, 0, 0, 10, 10, 0, null);

describe('CompletionHeap', () => {
  it('pops in finish-step order; equal keys all come out before the next key', () => {
    const heap = new CompletionHeap();
    const rs = [req(0), req(1), req(2), req(3), req(4)];
    // finish steps 5, 3, 7, 3, 1
    [5, 3, 7, 3, 1].forEach((step, i) => heap.push(rs[i], step));
    const out: [number, number][] = [];
    while (heap.peekKey() !== Infinity) {
      const key = heap.peekKey();
      out.push([key, heap.pop().id]);
    }
    expect(out.map(([k]) => k)).toEqual([1, 3, 3, 5, 7]);
    expect(out[0][1]).toBe(4);
    expect(new Set([out[1][1], out[2][1]])).toEqual(new Set([1, 3]));
    expect([out[3][1], out[4][1]]).toEqual([0, 2]);
    expect(heap.size).toBe(0);
  });

  it('an entry whose request stopped decoding (decodeEpoch moved on) is skipped', () => {
    const heap = new CompletionHeap();
    const a = req(0);
    const b = req(1);
    heap.push(a, 2);
    heap.push(b, 4);
    a.decodeEpoch++; // a was preempted: its entry at step 2 is stale
    heap.invalidate(); // as the replica reports it
    expect(heap.peekKey()).toBe(4);
    expect(heap.pop()).toBe(b);
    // re-pushed after it decodes again, with its new epoch: live
    heap.push(a, 9);
    expect(heap.peekKey()).toBe(9);
    expect(heap.pop()).toBe(a);
    expect(heap.peekKey()).toBe(Infinity);
  });

  it('a stale entry below the top is dropped when it reaches the top, after live ones', () => {
    const heap = new CompletionHeap();
    const [a, b, c] = [req(0), req(1), req(2)];
    heap.push(a, 1);
    heap.push(b, 3);
    heap.push(c, 5);
    b.decodeEpoch++;
    heap.invalidate();
    expect(heap.peekKey()).toBe(1);
    expect(heap.pop()).toBe(a);
    expect(heap.peekKey()).toBe(5); // b's entry at 3 skipped
    expect(heap.pop()).toBe(c);
    expect(heap.peekKey()).toBe(Infinity);
  });

  it('clear empties it', () => {
    const heap = new CompletionHeap();
    heap.push(req(0), 1);
    heap.clear();
    expect([heap.size, heap.peekKey()]).toEqual([0, Infinity]);
  });
});
