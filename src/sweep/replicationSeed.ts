import seedrandom from 'seedrandom';

/**
 * The seed of replication `r` of a point: the point's own seed for r = 0, else a number derived
 * from that seed and r only. Every point of a sweep gets the same replication seeds (common
 * random numbers), so two points differ by their configuration, not by their random draws.
 *
 * @example replicationSeed(42, 0) // 42
 */
export function replicationSeed(seed: number, r: number): number {
  if (r === 0) return seed;
  return Math.floor(seedrandom.alea(`capsim:replication:${seed}:${r}`)() * 2 ** 31);
}
