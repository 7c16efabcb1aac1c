import { describe, expect, it } from 'vitest';
import { SlotSet } from '../../src/serving/SlotSet.js';
import { ReadyReplicas } from '../../src/serving/ReadyReplicas.js';
import type { Replica } from '../../src/serving/Replica.js';
import { stream } from '../../src/random/streams.js';

/**
 * SlotSet and ReadyReplicas against the obvious reference: a sorted array of the members, kept by
 * filtering (what Pool did before, per change). Seeded random adds and removes over an index range
 * that grows past several doublings; every query is compared after every operation.
 */
describe('SlotSet', () => {
  it('first, last, select and rank on a hand-made set', () => {
    const s = new SlotSet();
    expect([s.size, s.first(), s.last(), s.select(0)]).toEqual([0, -1, -1, -1]);
    for (const i of [5, 0, 17, 3]) s.add(i);
    s.add(5); // already there
    expect(s.size).toBe(4);
    expect([0, 1, 2, 3, 4].map((k) => s.select(k))).toEqual([0, 3, 5, 17, -1]);
    expect([0, 1, 4, 5, 6, 17, 18, 1000].map((i) => s.rank(i))).toEqual([0, 1, 2, 2, 3, 3, 4, 4]);
    s.remove(0);
    s.remove(99); // absent
    expect([s.size, s.first(), s.last(), s.has(0), s.has(3)]).toEqual([3, 3, 17, false, true]);
  });

  it('matches a sorted array under 5,000 seeded adds and removes over indexes up to 3,000', () => {
    const u = stream(7, 'slotSet');
    const s = new SlotSet();
    let model: number[] = [];
    let range = 8;
    for (let step = 0; step < 5000; step++) {
      range = Math.min(3000, range + 1);
      const i = Math.floor(u() * range);
      if (u() < 0.6) {
        s.add(i);
        if (!model.includes(i)) model = [...model, i].sort((a, b) => a - b);
      } else {
        s.remove(i);
        model = model.filter((x) => x !== i);
      }
      expect(s.size).toBe(model.length);
      expect(s.first()).toBe(model.length > 0 ? model[0] : -1);
      expect(s.last()).toBe(model.length > 0 ? model[model.length - 1] : -1);
      const k = Math.floor(u() * (model.length + 1));
      expect(s.select(k)).toBe(k < model.length ? model[k] : -1);
      const j = Math.floor(u() * range);
      expect(s.rank(j)).toBe(model.filter((x) => x < j).length);
      expect(s.has(j)).toBe(model.includes(j));
    }
  });
});

describe('ReadyReplicas', () => {
  it('at, iteration, first, last and after match the ready replicas in index order', () => {
    const u = stream(11, 'readyReplicas');
    const replicas = Array.from({ length: 700 }, (_, index) => ({ index }) as unknown as Replica);
    const ready = new ReadyReplicas();
    let model: Replica[] = [];
    for (let step = 0; step < 3000; step++) {
      const r = replicas[Math.floor(u() * Math.min(700, 10 + step))];
      if (u() < 0.55) {
        ready.add(r);
        if (!model.includes(r)) model = [...model, r].sort((a, b) => a.index - b.index);
      } else {
        ready.remove(r);
        model = model.filter((x) => x !== r);
      }
      expect(ready.length).toBe(model.length);
      expect(ready.first()).toBe(model[0]);
      expect(ready.last()).toBe(model[model.length - 1]);
      const k = Math.floor(u() * (model.length + 1));
      expect(ready.at(k)).toBe(model[k]);
      if (step % 50 === 0) {
        expect([...ready]).toEqual(model);
        const walked: Replica[] = [];
        for (let x = ready.first(); x !== undefined; x = ready.after(x)) walked.push(x);
        expect(walked).toEqual(model);
      }
    }
  });
});
