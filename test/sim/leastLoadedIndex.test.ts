import { describe, expect, it } from 'vitest';
import { LeastLoadedIndex } from '../../src/routing/LeastLoadedIndex.js';
import { stream } from '../../src/random/streams.js';

describe('LeastLoadedIndex', () => {
  it('always picks what a linear scan in index order picks, over 20,000 random operations', () => {
    const u = stream(9, 'least-loaded-test');
    const index = new LeastLoadedIndex();
    const load = new Map<number, number>();
    const linearMin = () => {
      let best = -1;
      for (const [i, l] of [...load.entries()].sort((a, b) => a[0] - b[0])) if (best < 0 || l < load.get(best)!) best = i;
      return best;
    };
    for (let i = 0; i < 32; i++) {
      load.set(i, 0);
      index.add(i, 0);
    }
    for (let step = 0; step < 20_000; step++) {
      const x = u();
      const ids = [...load.keys()];
      const pick = ids[Math.floor(u() * ids.length)];
      if (x < 0.45) {
        const m = index.min();
        load.set(m, load.get(m)! + 1);
        index.change(m, +1);
      } else if (x < 0.9) {
        if (load.get(pick)! > 0) {
          load.set(pick, load.get(pick)! - 1);
          index.change(pick, -1);
        }
      } else if (x < 0.95 && load.size > 1) {
        load.delete(pick);
        index.remove(pick);
      } else {
        const fresh = 32 + step;
        const l = Math.floor(u() * 5);
        load.set(fresh, l);
        index.add(fresh, l);
      }
      expect(index.min()).toBe(linearMin());
    }
  });
});
