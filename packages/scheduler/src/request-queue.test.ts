import { describe, expect, it } from "vitest";
import { Request } from "./request.js";
import { comparePriority, FcfsRequestQueue, PriorityRequestQueue } from "./request-queue.js";

const make = (id: string, priority = 0, arrivalTime = 0) =>
  new Request({ requestId: id, promptTokenIds: [1], priority, arrivalTime });
const ids = (queue: Iterable<Request>) => [...queue].map((r) => r.requestId);

describe("FcfsRequestQueue", () => {
  it("adds at the back, prepends at the front and grows past its initial capacity", () => {
    const queue = new FcfsRequestQueue();
    const requests = Array.from({ length: 40 }, (_, i) => make(String(i)));
    for (const r of requests.slice(0, 20)) queue.add(r);
    for (const r of requests.slice(20)) queue.prepend(r);
    expect(queue.size).toBe(40);
    const expected = [
      ...requests
        .slice(20)
        .map((r) => r.requestId)
        .reverse(),
      ...requests.slice(0, 20).map((r) => r.requestId),
    ];
    expect(ids(queue)).toEqual(expected);
    const popped: string[] = [];
    while (queue.size > 0) popped.push(queue.pop()!.requestId);
    expect(popped).toEqual(expected);
    expect(queue.peek()).toBeUndefined();
    expect(queue.pop()).toBeUndefined();
  });

  it("removes lazily: removed entries are skipped and not counted", () => {
    const queue = new FcfsRequestQueue();
    const [a, b, c] = [make("a"), make("b"), make("c")];
    for (const r of [a, b, c]) queue.add(r);
    queue.remove(a);
    queue.remove(c);
    expect(queue.size).toBe(1);
    expect(ids(queue)).toEqual(["b"]);
    expect(queue.peek()).toBe(b);
    expect(queue.pop()).toBe(b);
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });
});

describe("PriorityRequestQueue", () => {
  it("orders by priority, then arrival time, then request id", () => {
    const queue = new PriorityRequestQueue();
    const requests = [make("b", 1, 5), make("a", 1, 5), make("c", 0, 9), make("d", 1, 2), make("e", 2, 0)];
    for (const r of requests) queue.add(r);
    expect(ids(queue)).toEqual(["c", "d", "a", "b", "e"]);
    const popped: string[] = [];
    while (queue.size > 0) popped.push(queue.pop()!.requestId);
    expect(popped).toEqual(["c", "d", "a", "b", "e"]);
  });

  it("keeps heap order under random adds, prepends and removals", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const queue = new PriorityRequestQueue();
    const live: Request[] = [];
    for (let i = 0; i < 500; i++) {
      const r = make(`r${i}`, rand(5), rand(50));
      if (rand(2) === 0) queue.add(r);
      else queue.prepend(r);
      live.push(r);
      if (rand(4) === 0) {
        const gone = live.splice(rand(live.length), 1)[0]!;
        queue.remove(gone);
      }
    }
    expect(queue.size).toBe(live.length);
    const popped: Request[] = [];
    while (queue.size > 0) popped.push(queue.pop()!);
    expect(popped).toEqual([...live].sort(comparePriority));
  });
});
