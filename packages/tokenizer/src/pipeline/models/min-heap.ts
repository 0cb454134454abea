/** A binary min-heap of non-negative numbers (packed keys), reused across calls to avoid allocation. */
export class MinHeap {
  private data: Float64Array = new Float64Array(64);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = data[parent]!;
      if (p <= value) break;
      data[i] = p;
      i = parent;
    }
    data[i] = value;
  }

  pop(): number {
    const data = this.data;
    const top = data[0]!;
    const last = data[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && data[child + 1]! < data[child]!) child++;
      if (data[child]! >= last) break;
      data[i] = data[child]!;
      i = child;
    }
    if (n > 0) data[i] = last;
    return top;
  }
}
