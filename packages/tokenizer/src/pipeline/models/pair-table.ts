/**
 * An open-addressing hash map from a pair of ids (each < 2^31) to a pair of values (rank, id):
 * the BPE merge table. Typed arrays keep lookups allocation-free and fast on the merge hot path.
 */
export class PairTable {
  private readonly mask: number;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly ranks: Int32Array;
  private readonly ids: Int32Array;
  size = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    let i = h & this.mask;
    for (;;) {
      const l = this.left[i]!;
      if (l === -1 || (l === a && this.right[i] === b)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets (a, b) → (rank, id); a later set of the same pair replaces the earlier one. */
  set(a: number, b: number, rank: number, id: number): void {
    const i = this.slot(a, b);
    if (this.left[i] === -1) {
      if (this.size * 2 >= this.mask) throw new RangeError("PairTable is full");
      this.size++;
    }
    this.left[i] = a;
    this.right[i] = b;
    this.ranks[i] = rank;
    this.ids[i] = id;
  }

  /** The slot of (a, b), or -1 when the pair is absent. */
  find(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.left[i] === -1 ? -1 : i;
  }

  rankAt(slot: number): number {
    return this.ranks[slot]!;
  }

  idAt(slot: number): number {
    return this.ids[slot]!;
  }
}
