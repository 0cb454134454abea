import type { Request } from "./request.js";

/**
 * A queue of requests in scheduling order. `remove` is lazy (O(1)): the entry is skipped when it
 * reaches the front, and `size` counts live entries only.
 */
export interface RequestQueue extends Iterable<Request> {
  readonly size: number;
  /** Queues in policy order (FCFS: at the back). */
  add(request: Request): void;
  /** Queues a preempted request ahead of the rest (FCFS: at the front; priority: by priority). */
  prepend(request: Request): void;
  peek(): Request | undefined;
  pop(): Request | undefined;
  remove(request: Request): void;
}

/** FCFS: a ring-buffer deque, so both ends are O(1). */
export class FcfsRequestQueue implements RequestQueue {
  private buffer: (Request | undefined)[] = new Array(16);
  private head = 0;
  private length = 0;
  private readonly removed = new Set<Request>();

  get size(): number {
    return this.length - this.removed.size;
  }

  add(request: Request): void {
    this.growIfFull();
    this.buffer[(this.head + this.length) & (this.buffer.length - 1)] = request;
    this.length++;
  }

  prepend(request: Request): void {
    this.growIfFull();
    this.head = (this.head - 1) & (this.buffer.length - 1);
    this.buffer[this.head] = request;
    this.length++;
  }

  peek(): Request | undefined {
    this.dropRemovedHead();
    return this.length === 0 ? undefined : this.buffer[this.head];
  }

  pop(): Request | undefined {
    const request = this.peek();
    if (request !== undefined) this.shift();
    return request;
  }

  remove(request: Request): void {
    this.removed.add(request);
  }

  *[Symbol.iterator](): Iterator<Request> {
    for (let i = 0; i < this.length; i++) {
      const request = this.buffer[(this.head + i) & (this.buffer.length - 1)]!;
      if (!this.removed.has(request)) yield request;
    }
  }

  private shift(): void {
    this.buffer[this.head] = undefined;
    this.head = (this.head + 1) & (this.buffer.length - 1);
    this.length--;
  }

  private dropRemovedHead(): void {
    while (this.length > 0 && this.removed.delete(this.buffer[this.head]!)) this.shift();
  }

  private growIfFull(): void {
    if (this.length < this.buffer.length) return;
    const grown = new Array<Request | undefined>(this.buffer.length * 2);
    for (let i = 0; i < this.length; i++) grown[i] = this.buffer[(this.head + i) & (this.buffer.length - 1)];
    this.buffer = grown;
    this.head = 0;
  }
}

/** vLLM's order: lower priority value first, then earlier arrival, then request id. */
export function comparePriority(a: Request, b: Request): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.arrivalTime !== b.arrivalTime) return a.arrivalTime - b.arrivalTime;
  return a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0;
}

/** Priority: a binary min-heap under `comparePriority`. */
export class PriorityRequestQueue implements RequestQueue {
  private readonly heap: Request[] = [];
  private readonly removed = new Set<Request>();

  get size(): number {
    return this.heap.length - this.removed.size;
  }

  add(request: Request): void {
    const heap = this.heap;
    heap.push(request);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (comparePriority(heap[i]!, heap[parent]!) >= 0) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  prepend(request: Request): void {
    this.add(request);
  }

  peek(): Request | undefined {
    while (this.heap.length > 0 && this.removed.delete(this.heap[0]!)) this.popTop();
    return this.heap[0];
  }

  pop(): Request | undefined {
    const request = this.peek();
    if (request !== undefined) this.popTop();
    return request;
  }

  remove(request: Request): void {
    this.removed.add(request);
  }

  /** Live entries in priority order (sorts a copy: for inspection, not the hot path). */
  *[Symbol.iterator](): Iterator<Request> {
    yield* this.heap.filter((request) => !this.removed.has(request)).sort(comparePriority);
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && comparePriority(heap[left]!, heap[smallest]!) < 0) smallest = left;
      if (right < heap.length && comparePriority(heap[right]!, heap[smallest]!) < 0) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
