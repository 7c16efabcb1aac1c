/**
 * Prefix-block reuse of a trace with KV-block hash ids (Mooncake): the fraction of all prompt
 * blocks that are a leading run of blocks already seen earlier in the file. An upper bound on
 * block-level prefix-cache hits with an unbounded cache, replayed in file order (definition of
 * the reference traces' README; 0.366 for Mooncake's conversation trace).
 *
 * Mooncake ids are remapped to small dense integers, so "seen" is a growable bitset (one bit per
 * id up to the largest); ids beyond 2^31 fall back to a Set. add: O(blocks of the request).
 */
export class PrefixReuse {
  totalBlocks = 0;
  reusedBlocks = 0;
  distinctBlocks = 0;
  maxBlocks = 0;
  private bits = new Uint8Array(1024);
  private readonly large = new Set<number>();

  add(hashIds: readonly number[]): void {
    const n = hashIds.length;
    this.totalBlocks += n;
    if (n > this.maxBlocks) this.maxBlocks = n;
    let k = 0;
    while (k < n && this.has(hashIds[k])) k++;
    this.reusedBlocks += k;
    for (let i = k; i < n; i++) this.put(hashIds[i]);
  }

  /** reused / total blocks; NaN when no row had blocks. */
  get fraction(): number {
    return this.totalBlocks === 0 ? NaN : this.reusedBlocks / this.totalBlocks;
  }

  private has(id: number): boolean {
    if (id >= 0x80000000) return this.large.has(id);
    const byte = id >>> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (id & 7))) !== 0;
  }

  private put(id: number): void {
    if (id >= 0x80000000) {
      if (!this.large.has(id)) {
        this.large.add(id);
        this.distinctBlocks++;
      }
      return;
    }
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length * 2;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 7);
    if ((this.bits[byte] & mask) === 0) {
      this.bits[byte] |= mask;
      this.distinctBlocks++;
    }
  }
}
